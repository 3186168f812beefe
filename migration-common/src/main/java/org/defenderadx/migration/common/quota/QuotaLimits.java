package org.defenderadx.migration.common.quota;

/**
 * A per-minute and a per-hour call budget for one tenant. The minute is a token bucket holding a burst B and refilled
 * at (L - B) per minute: it grants at most B + (L - B) = L in any sliding minute, and sustains (L - B) / L of the
 * limit, which is why the default burst is small (one twentieth: 95%). The hour is a {@link HourWindow} of minute slots
 * and needs no burst: it grants the hour's calls as fast as the minute bucket allows, and none past the limit.
 *
 * @param perHour 0 means no hourly limit (Graph documents none)
 */
public record QuotaLimits(int perMinute, int minuteBurst, int perHour) {
  public QuotaLimits {
    if (perMinute < 2) {
      throw new IllegalArgumentException("per-minute limit must be at least 2, got " + perMinute);
    }
    if (minuteBurst < 1 || minuteBurst >= perMinute) {
      throw new IllegalArgumentException("per-minute burst must be in 1.." + (perMinute - 1) + ", got " + minuteBurst);
    }
    if (perHour < 0) {
      throw new IllegalArgumentException("per-hour limit must be positive (0: none), got " + perHour);
    }
  }

  /** Both limits, with the default burst. */
  public static QuotaLimits of(int perMinute, int perHour) {
    return new QuotaLimits(perMinute, defaultBurst(perMinute), perHour);
  }

  public static QuotaLimits perMinuteOnly(int perMinute) {
    return of(perMinute, 0);
  }

  public boolean hasHourlyLimit() {
    return perHour != 0;
  }

  static int defaultBurst(int limit) {
    return Math.max(1, limit / 20);
  }
}
