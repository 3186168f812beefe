package org.defenderadx.migration.common.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QuotaStateTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  /** Asks for a permit as soon as the last answer allows, for {@code span}; returns the grant times. */
  private static List<Instant> sustainedDemand(QuotaLimits limits, Duration span) {
    QuotaState state = QuotaState.full(limits, T0);
    Instant now = T0;
    Instant end = T0.plus(span);
    List<Instant> grants = new ArrayList<>();
    while (now.isBefore(end)) {
      QuotaDecision d = state.tryTake(now);
      state = d.state();
      if (d.granted()) {
        grants.add(now);
      } else {
        assertThat(d.waitUntil()).isAfter(now);
        now = d.waitUntil();
      }
    }
    return grants;
  }

  /** The most grants inside any closed interval [t, t + window]. */
  private static int maxInSlidingWindow(List<Instant> grants, Duration window) {
    int best = 0;
    int lo = 0;
    for (int hi = 0; hi < grants.size(); hi++) {
      while (Duration.between(grants.get(lo), grants.get(hi)).compareTo(window) > 0) {
        lo++;
      }
      best = Math.max(best, hi - lo + 1);
    }
    return best;
  }

  @Test
  void sustainedDemandStaysWithinBothSlidingWindowsAndUsesNinetyPercentOfTheHourlyBudget() {
    QuotaLimits limits = QuotaLimits.of(45, 1500);
    List<Instant> grants = sustainedDemand(limits, Duration.ofHours(3));

    assertThat(maxInSlidingWindow(grants, Duration.ofMinutes(1))).isLessThanOrEqualTo(45);
    assertThat(maxInSlidingWindow(grants, Duration.ofHours(1))).isLessThanOrEqualTo(1500);
    assertThat(grants.size()).isGreaterThanOrEqualTo((int) (0.9 * 3 * 1500));
  }

  @Test
  void sustainedDemandUsesNinetyPercentOfTheMinuteBudgetWithoutAnHourlyLimit() {
    List<Instant> grants = sustainedDemand(QuotaLimits.perMinuteOnly(45), Duration.ofMinutes(30));

    assertThat(maxInSlidingWindow(grants, Duration.ofMinutes(1))).isLessThanOrEqualTo(45);
    assertThat(grants.size()).isGreaterThanOrEqualTo((int) (0.9 * 30 * 45));
  }

  @Test
  void randomDemandNeverExceedsEitherLimit() {
    Random r = new Random(11);
    for (int trial = 0; trial < 20; trial++) {
      int perMinute = 2 + r.nextInt(60);
      int perHour = r.nextBoolean() ? 0 : perMinute + r.nextInt(40 * perMinute);
      QuotaLimits limits = new QuotaLimits(perMinute, 1 + r.nextInt(perMinute - 1), perHour);
      QuotaState state = QuotaState.full(limits, T0);
      Instant now = T0;
      List<Instant> grants = new ArrayList<>();
      for (int i = 0; i < 5_000; i++) {
        now = now.plusNanos((long) (r.nextDouble() * r.nextDouble() * 4e9));
        QuotaDecision d = state.tryTake(now);
        state = d.state();
        if (d.granted()) {
          grants.add(now);
        }
      }
      assertThat(maxInSlidingWindow(grants, Duration.ofMinutes(1))).as("limits %s", limits)
          .isLessThanOrEqualTo(perMinute);
      if (perHour != 0) {
        assertThat(maxInSlidingWindow(grants, Duration.ofHours(1))).as("limits %s", limits)
            .isLessThanOrEqualTo(perHour);
      }
    }
  }

  @Test
  void refusalSaysExactlyWhenTheNextPermitIsAvailable() {
    QuotaLimits limits = new QuotaLimits(10, 2, 0);
    QuotaState state = QuotaState.full(limits, T0);
    state = state.tryTake(T0).state();
    state = state.tryTake(T0).state();
    QuotaDecision refused = state.tryTake(T0);

    assertThat(refused.granted()).isFalse();
    // 8 permits per minute refill: one every 7.5 s.
    assertThat(refused.waitUntil()).isEqualTo(T0.plusMillis(7_500));
    assertThat(refused.state().tryTake(T0.plusMillis(7_499)).granted()).isFalse();
    assertThat(refused.state().tryTake(T0.plusMillis(7_500)).granted()).isTrue();
  }

  @Test
  void pauseHoldsPermitsUntilItEnds() {
    QuotaState state = QuotaState.full(QuotaLimits.of(45, 1500), T0).pausedUntil(T0.plusSeconds(900));
    QuotaDecision d = state.tryTake(T0.plusSeconds(10));
    assertThat(d.granted()).isFalse();
    assertThat(d.waitUntil()).isEqualTo(T0.plusSeconds(900));
    assertThat(d.state().tryTake(T0.plusSeconds(900)).granted()).isTrue();
    assertThat(state.pausedUntil(T0.plusSeconds(5))).isSameAs(state);
  }

  @Test
  void aClockThatStepsBackDoesNotMintPermits() {
    QuotaState state = QuotaState.full(new QuotaLimits(10, 1, 0), T0.plusSeconds(60));
    state = state.tryTake(T0.plusSeconds(60)).state();
    QuotaDecision d = state.tryTake(T0);
    assertThat(d.granted()).isFalse();
    assertThat(d.waitUntil()).isAfter(T0.plusSeconds(60));
  }

  @Test
  void callBudgetReadsTheInjectedClock() {
    MutableClock clock = new MutableClock(T0);
    CallBudget budget = new CallBudget(new QuotaLimits(4, 1, 0), clock);
    assertThat(budget.tryTake().granted()).isTrue();
    assertThat(budget.tryTake().granted()).isFalse();
    clock.now = T0.plusSeconds(20);
    assertThat(budget.tryTake().granted()).isTrue();
    budget.pauseUntil(T0.plusSeconds(100));
    clock.now = T0.plusSeconds(99);
    assertThat(budget.tryTake().waitUntil()).isEqualTo(T0.plusSeconds(100));
  }

  @Test
  void rejectsLimitsThatCannotRefill() {
    assertThatThrownBy(() -> new QuotaLimits(45, 45, 0)).hasMessageContaining("burst");
    assertThatThrownBy(() -> QuotaLimits.of(1, 0)).hasMessageContaining("at least 2");
  }

  private static final class MutableClock extends Clock {
    Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
