package org.defenderadx.simulator.defender;

import java.time.Duration;
import java.util.Locale;
import org.defenderadx.simulator.defender.DefenderSimConfig.ByteCap;
import org.defenderadx.simulator.defender.DefenderSimConfig.CostModel;
import org.defenderadx.simulator.defender.DefenderSimConfig.Faults;
import org.defenderadx.simulator.defender.DefenderSimConfig.Limits;

/** Named presets of limits and faults, for the command line and for tests that want a known stress. */
public enum Scenario {
  /** The documented limits, no faults. */
  DOCUMENTED,
  /**
   * Caps scaled down (1,000 rows, 1 MB) so the small profile reaches every split and paging path; the burst
   * instant of DeviceProcessEvents (1,500 rows) then needs hash buckets.
   */
  SCALED,
  /** SCALED plus random faults: 5% preempted, 2% 500, 1% 504, 5% slow (20 s simulated). */
  FLAKY,
  /** SCALED plus tight quotas: 10 calls per minute, 300 per hour, 2 s of CPU per 15-minute cycle. */
  THROTTLED;

  public DefenderSimConfig.Builder apply(DefenderSimConfig.Builder b) {
    Limits scaled = Limits.documented().withRowCap(1_000).withByteCaps(
        new ByteCap(1024 * 1024, false), new ByteCap(1024 * 1024, false), new ByteCap(1024 * 1024, true));
    return switch (this) {
      case DOCUMENTED -> b;
      case SCALED -> b.limits(scaled);
      case FLAKY -> b.limits(scaled).faults(new Faults(0.05, 0.02, 0.01, 0.05, Duration.ofSeconds(20), 7));
      case THROTTLED -> b.limits(scaled.withCallRates(10, 300)
          .withCpu(Duration.ofSeconds(2), new CostModel(1_000, 1_000, Duration.ofMillis(5)), Duration.ofMinutes(3)));
    };
  }

  public static Scenario parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("scenario: expected documented, scaled, flaky or throttled, got '" + s + "'",
          e);
    }
  }
}
