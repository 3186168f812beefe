package org.defenderadx.migration.common.window;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The time limits of planning, taken from configuration: how far back the API serves data, the safety margin
 * kept from that edge, and how long rows take to settle after their ingestion time.
 */
public record WindowSchedule(Duration lookback, Duration horizonMargin, Duration settleLag) {
  public WindowSchedule {
    Objects.requireNonNull(lookback, "lookback");
    Objects.requireNonNull(horizonMargin, "horizonMargin");
    Objects.requireNonNull(settleLag, "settleLag");
    if (lookback.isNegative() || lookback.isZero() || horizonMargin.isNegative() || settleLag.isNegative()
        || horizonMargin.compareTo(lookback) >= 0) {
      throw new IllegalArgumentException("need lookback > horizonMargin >= 0 and settleLag >= 0");
    }
  }

  /** The API's documented 30 days, with the given margin and settle lag. */
  public static WindowSchedule thirtyDays(Duration horizonMargin, Duration settleLag) {
    return new WindowSchedule(Duration.ofDays(30), horizonMargin, settleLag);
  }

  public Instant horizonStart(Instant now) {
    return WindowPlanner.horizonStart(now, lookback, horizonMargin);
  }

  /** The source's horizon: Advanced Hunting serves 30 days. */
  public static final Duration SOURCE_HORIZON = Duration.ofDays(30);

  /**
   * The oldest point a table's windows may start at: a table never loaded starts at the configured lookback; a
   * table already loaded continues from its watermark as far back as the source's 30 days allow, so a table paused
   * or stalled for longer than the lookback loses nothing the source still holds.
   */
  public Instant horizonStart(Instant now, boolean loadedBefore) {
    Duration reach = loadedBefore && SOURCE_HORIZON.compareTo(lookback) > 0 ? SOURCE_HORIZON : lookback;
    return WindowPlanner.horizonStart(now, reach, horizonMargin);
  }

  public Instant closePoint(Instant localNow, Optional<Instant> serviceNow, Duration lateArrivalAllowance) {
    return WindowPlanner.closePoint(localNow, serviceNow, settleLag, lateArrivalAllowance);
  }
}
