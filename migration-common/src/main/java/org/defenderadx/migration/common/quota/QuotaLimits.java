package org.defenderadx.migration.common.quota;

/**
 * A per-minute and a per-hour call budget for one tenant, with the burst each bucket may hold. A token bucket of
 * capacity B refilled at (L - B) per period grants at most B + (L - B) = L in any period-long sliding window, so
 * the sliding-window limit L holds exactly; the price is a sustained rate of (L - B) / L of the budget, which is
 * why the default burst is small (one twentieth: 95%).
 *
 * @param perHour 0 means no hourly limit (Graph documents none)
 */
public record QuotaLimits(int perMinute, int minuteBurst, int perHour, int hourBurst) {
  public QuotaLimits {
    requireLimit("per-minute", perMinute, minuteBurst);
    if (perHour != 0) {
      requireLimit("per-hour", perHour, hourBurst);
    }
  }

  /** Both limits with the default bursts. */
  public static QuotaLimits of(int perMinute, int perHour) {
    return new QuotaLimits(perMinute, defaultBurst(perMinute), perHour, perHour == 0 ? 0 : defaultBurst(perHour));
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

  private static void requireLimit(String name, int limit, int burst) {
    if (limit < 2) {
      throw new IllegalArgumentException(name + " limit must be at least 2, got " + limit);
    }
    if (burst < 1 || burst >= limit) {
      throw new IllegalArgumentException(name + " burst must be in 1.." + (limit - 1) + ", got " + burst);
    }
  }
}
