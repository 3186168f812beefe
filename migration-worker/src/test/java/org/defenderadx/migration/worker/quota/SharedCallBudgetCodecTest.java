package org.defenderadx.migration.worker.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.defenderadx.migration.common.quota.HourWindow;
import org.defenderadx.migration.common.quota.QuotaLimits;
import org.defenderadx.migration.common.quota.QuotaState;
import org.junit.jupiter.api.Test;

/** How a tenant's budget is stored in the shared map, and how a stored entry is read when it cannot be trusted. */
class SharedCallBudgetCodecTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00.250Z");
  private static final QuotaLimits LEGACY = QuotaLimits.of(45, 1_500);

  /** A budget with calls in three minutes of its hour, a learned rate and a pause. */
  private static QuotaState used() {
    QuotaState s = QuotaState.full(LEGACY, T0);
    for (int minute = 0; minute < 3; minute++) {
      s = s.tryTake(T0.plus(Duration.ofMinutes(minute))).state().tryTake(T0.plus(Duration.ofMinutes(minute)))
          .state();
    }
    return s.throttled(T0.plus(Duration.ofMinutes(2)), OptionalInt.of(30)).pausedUntil(T0.plusSeconds(600));
  }

  /** The state's stored form, read back as text (as from the cluster map), after {@code change}. */
  private static QuotaState decodeChanged(Consumer<JsonObject> change, Instant now) {
    JsonObject stored = new JsonObject(SharedCallBudget.encode(used()).encode());
    change.accept(stored);
    return SharedCallBudget.decode(new JsonObject(stored.encode()), LEGACY, now);
  }

  private static JsonArray counts(Object... first) {
    JsonArray a = new JsonArray();
    for (int i = 0; i < HourWindow.SLOTS; i++) {
      a.add(i < first.length ? first[i] : 0);
    }
    return a;
  }

  @Test
  void aStoredBudgetReadsBackUnchanged() {
    QuotaState s = used();
    Instant now = s.updatedAt();

    assertThat(s.hour().calls()).isEqualTo(6);
    assertThat(SharedCallBudget.decode(new JsonObject(SharedCallBudget.encode(s).encode()), LEGACY, now))
        .isEqualTo(s);
    QuotaState graph = QuotaState.full(QuotaLimits.perMinuteOnly(45), T0).tryTake(T0).state();
    JsonObject stored = SharedCallBudget.encode(graph);
    assertThat(stored.containsKey("hourCalls")).as("no hourly limit: no slots stored").isFalse();
    assertThat(stored.containsKey("hourSlot")).isFalse();
    assertThat(SharedCallBudget.decode(new JsonObject(stored.encode()), QuotaLimits.perMinuteOnly(45), T0))
        .isEqualTo(graph);
  }

  @Test
  void aBudgetStoredUnderOtherLimitsKeepsItsHoursCalls() {
    QuotaState s = used();
    JsonObject stored = SharedCallBudget.encode(s);

    QuotaState reloaded = SharedCallBudget.decode(stored, QuotaLimits.of(60, 2_000), s.updatedAt());
    assertThat(reloaded.hour()).isEqualTo(s.hour());
    assertThat(SharedCallBudget.decode(stored, QuotaLimits.perMinuteOnly(45), s.updatedAt()).hour())
        .isSameAs(HourWindow.NONE);
  }

  @Test
  void anHourWindowOfAnyOtherLengthIsRejected() {
    Instant now = used().updatedAt();
    JsonArray sixty = counts();
    sixty.remove(0);
    JsonArray sixtyTwo = counts().add(0);

    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourCalls", sixty), now)).hasMessageContaining("61");
    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourCalls", sixtyTwo), now)).hasMessageContaining("61");
    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourCalls", new JsonArray()), now))
        .hasMessageContaining("61");
  }

  @Test
  void anHourWindowIsStoredExactlyWhenThereIsAnHourlyLimit() {
    Instant now = used().updatedAt();

    assertThatThrownBy(() -> decodeChanged(j -> j.remove("hourCalls"), now)).hasMessageContaining("hourCalls");
    assertThatThrownBy(() -> decodeChanged(j -> j.remove("hourSlot"), now)).hasMessageContaining("hourSlot");
    assertThatThrownBy(() -> decodeChanged(j -> j.put("perHour", 0), now))
        .hasMessageContaining("without an hourly limit");
  }

  @Test
  void aCountOutsideZeroToTheHourlyLimitIsRejected() {
    Instant now = used().updatedAt();

    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourCalls", counts(-1)), now)).hasMessageContaining("-1");
    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourCalls", counts(1_501)), now))
        .hasMessageContaining("1501");
    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourCalls", counts(1L << 32)), now))
        .hasMessageContaining(String.valueOf(1L << 32));
    assertThat(decodeChanged(j -> j.put("hourCalls", counts(1_500)), now).hour().calls()).isEqualTo(1_500);
  }

  @Test
  void aCountThatIsNoIntegerIsRejected() {
    Instant now = used().updatedAt();

    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourCalls", counts(2.5)), now))
        .hasMessageContaining("integer");
    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourCalls", counts("3")), now))
        .hasMessageContaining("integer");
    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourCalls", counts((Object) null)), now))
        .hasMessageContaining("integer");
    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourSlot", "soon"), now)).hasMessageContaining("integer");
    // Beyond a long, JSON text reads as a BigInteger: not truncated to whatever its low bits say.
    assertThatThrownBy(() -> SharedCallBudget.decode(new JsonObject(SharedCallBudget.encode(used()).encode()
        .replaceFirst("\"hourSlot\":[0-9]+", "\"hourSlot\":18446744073709551616")), LEGACY, now))
        .hasMessageContaining("integer");
    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourCalls", "[0]"), now))
        .isInstanceOf(ClassCastException.class);
  }

  @Test
  void anHourWindowMoreThanAMinuteAheadOfTheClockIsRejected() {
    QuotaState s = used();
    long slot = s.hour().newestSlot();
    // A peer's clock a little ahead writes a slot one ahead of this node's: still read.
    Instant slotBefore = HourWindow.startOf(slot - 1);

    assertThat(SharedCallBudget.decode(SharedCallBudget.encode(s), LEGACY, slotBefore)).isEqualTo(s);
    assertThatThrownBy(() -> SharedCallBudget.decode(SharedCallBudget.encode(s), LEGACY,
        HourWindow.startOf(slot - 1).minusNanos(1))).hasMessageContaining("ahead");
    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourSlot", Long.MAX_VALUE), s.updatedAt()))
        .hasMessageContaining("ahead");
    // Nor may the window be newer than the minute of the entry's own clock.
    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourSlot", slot + 1), HourWindow.startOf(slot + 1)))
        .hasMessageContaining("newer than the state's clock");
  }

  @Test
  void anHourWindowLongAgoIsReadAndCountsNothingNow() {
    Instant now = used().updatedAt();

    QuotaState old = decodeChanged(j -> j.put("hourSlot", HourWindow.slotOf(T0) - 1_000), now);
    assertThat(old.hourPermits(now)).isEqualTo(1_500);
    assertThatThrownBy(() -> decodeChanged(j -> j.put("hourSlot", Long.MIN_VALUE), now))
        .hasMessageContaining("slot");
  }
}
