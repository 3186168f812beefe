package org.defenderadx.migration.common.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hour as a sliding window of minute slots under the minute's token bucket (legacy API: 45/min, 1,500/h). */
class SlidingHourBudgetTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00.250Z");
  private static final QuotaLimits LEGACY = QuotaLimits.of(45, 1_500);

  /**
   * Asks for permits for {@code span}; returns the grant times. With {@code maxGapNanos} 0 it asks as fast as allowed
   * (again at once after a grant, at the instant a refusal named after one); else it waits a random gap of up to that
   * after a grant and after a refusal's instant, and one time in four asks again before that instant.
   */
  private static List<Instant> demand(QuotaLimits limits, Duration span, Random gaps, long maxGapNanos) {
    QuotaState state = QuotaState.full(limits, T0);
    Instant now = T0;
    Instant end = T0.plus(span);
    List<Instant> grants = new ArrayList<>();
    while (now.isBefore(end)) {
      QuotaDecision d = state.tryTake(now);
      state = d.state();
      long gap = maxGapNanos == 0 ? 0 : (long) (gaps.nextDouble() * maxGapNanos);
      if (d.granted()) {
        grants.add(now);
        now = now.plusNanos(gap);
      } else {
        assertThat(d.waitUntil()).isAfter(now);
        boolean early = maxGapNanos != 0 && gaps.nextInt(4) == 0;
        now = early ? now.plusNanos((Duration.between(now, d.waitUntil()).toNanos() * gaps.nextInt(100)) / 100 + 1)
            : d.waitUntil().plusNanos(gap);
      }
    }
    return grants;
  }

  /** The most grants, each counted with those in the closed interval {@code [t - width, t]} before it. */
  private static int mostInAnyClosedWindow(List<Instant> grants, Duration width) {
    int best = 0;
    int lo = 0;
    for (int hi = 0; hi < grants.size(); hi++) {
      while (grants.get(lo).isBefore(grants.get(hi).minus(width))) {
        lo++;
      }
      best = Math.max(best, hi - lo + 1);
    }
    return best;
  }

  @Test
  void spendsThePerMinuteLimitWhileTheHourAllows() {
    List<Instant> grants = demand(LEGACY, Duration.ofMinutes(20), new Random(1), 0);

    // A token bucket for the hour would grant about 75 + 24 a minute (555); the minute bucket alone 2 + 43 a minute.
    assertThat(grants.size()).isGreaterThanOrEqualTo((int) Math.ceil(0.9 * Math.min(45 * 20, 1_500)));
    assertThat(mostInAnyClosedWindow(grants, Duration.ofMinutes(1))).isLessThanOrEqualTo(45);
  }

  @Test
  void demandAsFastAsAllowedForFiveHoursKeepsEverySlidingHourAndMinuteWithinItsLimit() {
    List<Instant> grants = demand(LEGACY, Duration.ofHours(5), new Random(2), 0);

    assertThat(mostInAnyClosedWindow(grants, Duration.ofHours(1))).isLessThanOrEqualTo(1_500);
    assertThat(mostInAnyClosedWindow(grants, Duration.ofMinutes(1))).isLessThanOrEqualTo(45);
    assertThat(grants.size()).isGreaterThanOrEqualTo((int) (0.95 * 5 * 1_500));
  }

  @Test
  void demandWithRandomGapsForFiveHoursKeepsEverySlidingHourAndMinuteWithinItsLimit() {
    for (long seed = 3; seed < 6; seed++) {
      List<Instant> grants = demand(LEGACY, Duration.ofHours(5), new Random(seed), 1_500_000_000L);

      assertThat(mostInAnyClosedWindow(grants, Duration.ofHours(1))).as("seed %d", seed).isLessThanOrEqualTo(1_500);
      assertThat(mostInAnyClosedWindow(grants, Duration.ofMinutes(1))).as("seed %d", seed).isLessThanOrEqualTo(45);
      assertThat(grants.size()).as("seed %d", seed).isGreaterThanOrEqualTo((int) (0.95 * 5 * 1_500));
    }
  }

  @Test
  void smallLimitsAndRandomGapsNeverOverfillASlidingHour() {
    Random r = new Random(7);
    for (int trial = 0; trial < 20; trial++) {
      int perMinute = 2 + r.nextInt(30);
      QuotaLimits limits = new QuotaLimits(perMinute, 1 + r.nextInt(perMinute - 1), 1 + r.nextInt(6 * perMinute));
      List<Instant> grants = demand(limits, Duration.ofHours(4), r, 1 + (long) (r.nextDouble() * 90e9));

      assertThat(mostInAnyClosedWindow(grants, Duration.ofHours(1))).as("limits %s", limits)
          .isLessThanOrEqualTo(limits.perHour());
      assertThat(mostInAnyClosedWindow(grants, Duration.ofMinutes(1))).as("limits %s", limits)
          .isLessThanOrEqualTo(perMinute);
    }
  }

  @Test
  void aFullHourWaitsExactlyUntilItsOldestMinuteDropsOut() {
    // GIVEN the hour's 1,500 calls spent, the first of them in the minute starting at T0's
    QuotaState state = QuotaState.full(LEGACY, T0);
    Instant now = T0;
    int granted = 0;
    QuotaDecision d = state.tryTake(now);
    while (d.granted() || d.waitUntil().isBefore(T0.plus(Duration.ofMinutes(50)))) {
      granted += d.granted() ? 1 : 0;
      now = d.granted() ? now : d.waitUntil();
      state = d.state();
      d = state.tryTake(now);
    }
    assertThat(granted).isEqualTo(1_500);
    assertThat(state.hourPermits(now)).isZero();

    // WHEN asked for one more, THEN the wait ends when T0's minute slot drops out: 61 minutes after it began
    Instant slotDropsOut = HourWindow.startOf(HourWindow.slotOf(T0) + 61);
    assertThat(d.granted()).isFalse();
    assertThat(d.waitUntil()).isEqualTo(slotDropsOut);
    assertThat(d.state().tryTake(slotDropsOut.minusNanos(1)).granted()).isFalse();
    assertThat(d.state().tryTake(slotDropsOut).granted()).isTrue();
  }

  @Test
  void hourPermitsAreTheLimitLessTheCallsCountedInTheWindow() {
    QuotaState state = QuotaState.full(LEGACY, T0);
    assertThat(state.hourPermits(T0)).isEqualTo(1_500);
    for (int i = 0; i < 2; i++) {
      state = state.tryTake(T0).state();
    }
    state = state.tryTake(T0.plusSeconds(120)).state();

    assertThat(state.hourPermits(T0.plusSeconds(120))).isEqualTo(1_497);
    assertThat(state.hourPermits(HourWindow.startOf(HourWindow.slotOf(T0) + 61))).isEqualTo(1_499);
    assertThat(state.hourPermits(T0.plus(Duration.ofHours(3)))).isEqualTo(1_500);
    assertThat(QuotaState.full(QuotaLimits.perMinuteOnly(45), T0).hourPermits(T0)).isZero();
  }

  @Test
  void aReloadKeepsTheHoursCalls() {
    QuotaState state = QuotaState.full(LEGACY, T0);
    for (int i = 0; i < 2; i++) {
      state = state.tryTake(T0).state();
    }

    QuotaState reloaded = state.withLimits(QuotaLimits.of(60, 2_000));
    assertThat(reloaded.hour()).isEqualTo(state.hour());
    assertThat(reloaded.hourPermits(T0)).isEqualTo(1_998);
    // A lower limit: the calls counted still hold it.
    QuotaState lowered = state.withLimits(QuotaLimits.of(45, 2));
    assertThat(lowered.tryTake(T0.plusSeconds(30)).waitUntil())
        .isEqualTo(HourWindow.startOf(HourWindow.slotOf(T0) + 61));
    // No hourly limit: no slots; an hourly limit again: an empty window.
    QuotaState graph = state.withLimits(QuotaLimits.perMinuteOnly(45));
    assertThat(graph.hour()).isSameAs(HourWindow.NONE);
    assertThat(graph.withLimits(LEGACY).hour()).isEqualTo(HourWindow.empty(HourWindow.slotOf(T0)));
  }

  @Test
  void aFreshBudgetCountsNoCallAndKeepsNoSlotsWithoutAnHourlyLimit() {
    assertThat(QuotaState.full(LEGACY, T0).hour()).isEqualTo(HourWindow.empty(HourWindow.slotOf(T0)));
    assertThat(QuotaState.full(QuotaLimits.perMinuteOnly(45), T0).hour()).isSameAs(HourWindow.NONE);
    QuotaState graph = QuotaState.full(QuotaLimits.perMinuteOnly(45), T0).tryTake(T0).state();
    assertThat(graph.hour()).isSameAs(HourWindow.NONE);
  }
}
