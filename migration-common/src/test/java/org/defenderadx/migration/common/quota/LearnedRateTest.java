package org.defenderadx.migration.common.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.defenderadx.migration.common.outcome.ServiceWaits;
import org.junit.jupiter.api.Test;

/** The rate a tenant's 429s teach: lowered at once, raised slowly, shared through the quota state. */
class LearnedRateTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  @Test
  void theRateAQuotaMessageStatesIsReadPerMinute() {
    assertThat(ServiceWaits.statedPerMinute("api calls quota exceeded! maximum allowed 4 per 00:00:10")).hasValue(24);
    assertThat(ServiceWaits.statedPerMinute("maximum allowed 45 per 00:01:00")).hasValue(45);
    assertThat(ServiceWaits.statedPerMinute("maximum allowed 1 per 00:05:00")).hasValue(2);
    // An hourly limit is the hourly budget's business, not a rate to keep every minute.
    assertThat(ServiceWaits.statedPerMinute("maximum allowed 1500 per 01:00:00")).isEmpty();
    assertThat(ServiceWaits.statedPerMinute("maximum allowed 999999999999 per 00:00:01")).isEmpty();
    assertThat(ServiceWaits.statedPerMinute("too many requests")).isEmpty();
    assertThat(ServiceWaits.statedPerMinute(null)).isEmpty();
  }

  @Test
  void a429LowersTheRateToTheStatedOneOrHalvesItAndCalmRaisesItBackTowardsTheLimit() {
    LearnedRate none = LearnedRate.NONE;
    assertThat(none.effective(45)).isEqualTo(45);

    LearnedRate stated = none.throttled(T0, 45, OptionalInt.of(10));
    assertThat(stated.effective(45)).isEqualTo(10);
    LearnedRate guessed = none.throttled(T0, 45, OptionalInt.empty());
    assertThat(guessed.effective(45)).isEqualTo(22);
    assertThat(guessed.ceiling()).isEqualTo(45);
    // 429s of calls made before the first answer came back do not cut it again; a later one does.
    LearnedRate notCalm = guessed.throttled(T0.plusSeconds(59), 45, OptionalInt.empty());
    assertThat(notCalm.effective(45)).isEqualTo(22);
    assertThat(notCalm.calmSince()).isEqualTo(T0.plusSeconds(59));
    LearnedRate again = guessed.throttled(T0.plusSeconds(61), 45, OptionalInt.empty());
    assertThat(again.effective(45)).isEqualTo(11);
    assertThat(guessed.throttled(T0.plusSeconds(2), 45, OptionalInt.of(10)).effective(45)).isEqualTo(10);
    assertThat(LearnedRate.NONE.throttled(T0, 3, OptionalInt.empty()).effective(3)).isEqualTo(2);

    // Below the last 429's rate it climbs halfway towards it each calm minute, then one at a time.
    LearnedRate low = new LearnedRate(5, T0, 11, T0, 5);
    assertThat(low.probed(T0.plusSeconds(59), 45)).isEqualTo(low);
    LearnedRate up = low.probed(T0.plus(LearnedRate.FAST_PROBE_AFTER), 45);
    assertThat(up.effective(45)).isEqualTo(7);
    assertThat(up.calmSince()).isEqualTo(T0.plus(LearnedRate.FAST_PROBE_AFTER));
    // Just below the last 429's rate, it waits the long probe; a 429 just past it costs one call a minute.
    LearnedRate near = new LearnedRate(10, T0, 11, T0, 10);
    assertThat(near.probed(T0.plus(Duration.ofMinutes(4)), 45)).isEqualTo(near);
    LearnedRate probing = near.probed(T0.plus(LearnedRate.PROBE_AFTER), 45);
    assertThat(probing.effective(45)).isEqualTo(11);
    assertThat(probing.throttled(T0.plus(Duration.ofMinutes(6)), 45, OptionalInt.empty()).effective(45))
        .isEqualTo(10);
    // A 429 after a raise takes the rate back to the last cut's, not to half.
    LearnedRate raised = new LearnedRate(16, T0.plus(Duration.ofMinutes(2)), 22, T0, 11);
    assertThat(raised.throttled(T0.plus(Duration.ofMinutes(3)), 45, OptionalInt.empty()).effective(45)).isEqualTo(11);
    // At the rate of an earlier 429: one less.
    LearnedRate atCeiling = new LearnedRate(11, T0, 12, T0, 11);
    assertThat(atCeiling.throttled(T0.plus(Duration.ofMinutes(2)), 45, OptionalInt.empty()).effective(45))
        .isEqualTo(10);
    assertThat(new LearnedRate(44, T0, 45, T0, 44).probed(T0.plus(LearnedRate.PROBE_AFTER), 45)).isEqualTo(LearnedRate.NONE);
  }

  @Test
  void theQuotaStatePacesCallsAtTheLearnedRateAndSharesItThroughItsState() {
    QuotaState state = QuotaState.full(QuotaLimits.of(45, 1_500), T0).throttled(T0, OptionalInt.of(10));
    assertThat(state.effective().perMinute()).isEqualTo(10);
    assertThat(state.limits().perMinute()).isEqualTo(45);
    // Three minutes of demand as fast as permits come: at most 10 in any minute.
    List<Instant> grants = new ArrayList<>();
    Instant now = T0;
    while (now.isBefore(T0.plus(Duration.ofMinutes(3)))) {
      QuotaDecision d = state.tryTake(now);
      state = d.state();
      if (d.granted()) {
        grants.add(now);
      } else {
        now = d.waitUntil();
      }
    }
    for (Instant g : grants) {
      long inMinute = grants.stream().filter(x -> !x.isBefore(g) && x.isBefore(g.plus(Duration.ofMinutes(1)))).count();
      assertThat(inMinute).isLessThanOrEqualTo(10);
    }
    assertThat(grants.size()).isBetween(27, 31);
    // The configured limits stay what they are; a reload keeps what was learned.
    assertThat(state.withLimits(QuotaLimits.of(60, 1_500)).effective().perMinute()).isEqualTo(10);
  }

  @Test
  void afterLongCalmTheRateClimbsBackToTheConfiguredOne() {
    QuotaState state = QuotaState.full(QuotaLimits.of(45, 0), T0).throttled(T0, OptionalInt.of(10));
    Instant now = T0;
    for (int i = 0; i < 40 && state.learned().learned(); i++) {
      now = now.plus(LearnedRate.PROBE_AFTER);
      state = state.tryTake(now).state();
    }
    assertThat(state.learned()).isEqualTo(LearnedRate.NONE);
    assertThat(state.effective().perMinute()).isEqualTo(45);
  }
}
