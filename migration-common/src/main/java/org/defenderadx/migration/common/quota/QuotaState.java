package org.defenderadx.migration.common.quota;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The call budget of one tenant as an immutable value, so it can live in a cluster-wide map and be updated with
 * compare-and-set. Each bucket's level is kept in integer units where one permit is worth one period in
 * nanoseconds (60e9 for the minute bucket): refilling by {@code (limit - burst)} units per nanosecond is then exact,
 * with no rounding drift.
 *
 * @param limits      the configured limits
 * @param pausedUntil no permit before this instant (a CPU-quota or Retry-After pause); EPOCH when not paused
 * @param learned     the per-minute rate the tenant's 429s taught, when below the configured one
 */
public record QuotaState(QuotaLimits limits, long minuteUnits, long hourUnits, Instant updatedAt,
    Instant pausedUntil, LearnedRate learned) {
  static final long MINUTE_NANOS = Duration.ofMinutes(1).toNanos();
  static final long HOUR_NANOS = Duration.ofHours(1).toNanos();

  public QuotaState {
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(updatedAt, "updatedAt");
    Objects.requireNonNull(pausedUntil, "pausedUntil");
    Objects.requireNonNull(learned, "learned");
    if (minuteUnits < 0 || minuteUnits > capacity(limits.minuteBurst(), MINUTE_NANOS)
        || hourUnits < 0 || hourUnits > capacity(limits.hourBurst(), HOUR_NANOS)) {
      throw new IllegalArgumentException("bucket level outside its capacity");
    }
  }

  public QuotaState(QuotaLimits limits, long minuteUnits, long hourUnits, Instant updatedAt, Instant pausedUntil) {
    this(limits, minuteUnits, hourUnits, updatedAt, pausedUntil, LearnedRate.NONE);
  }

  /** A tenant that has made no call yet: both buckets hold their burst. */
  public static QuotaState full(QuotaLimits limits, Instant now) {
    return new QuotaState(limits, capacity(limits.minuteBurst(), MINUTE_NANOS),
        capacity(limits.hourBurst(), HOUR_NANOS), now, Instant.EPOCH);
  }

  /**
   * The limits in force: the configured ones, with the per-minute rate lowered to the learned one (its burst a
   * twentieth of it, as by default, never above the configured burst).
   */
  public QuotaLimits effective() {
    if (!learned.learned() || learned.perMinute() >= limits.perMinute()) {
      return limits;
    }
    int perMinute = learned.perMinute();
    return new QuotaLimits(perMinute, Math.min(limits.minuteBurst(), QuotaLimits.defaultBurst(perMinute)),
        limits.perHour(), limits.hourBurst());
  }

  /**
   * After a call-quota 429 at {@code now}: the rate in force is lowered ({@link LearnedRate#throttled}) for every
   * node sharing this state, and the minute bucket holds no more than its new burst.
   */
  public QuotaState throttled(Instant now, OptionalInt statedPerMinute) {
    LearnedRate next = learned.throttled(now, limits.perMinute(), statedPerMinute);
    QuotaState lowered = new QuotaState(limits, minuteUnits, hourUnits, updatedAt, pausedUntil, next);
    long cap = capacity(lowered.effective().minuteBurst(), MINUTE_NANOS);
    return minuteUnits <= cap ? lowered
        : new QuotaState(limits, cap, hourUnits, updatedAt, pausedUntil, next);
  }

  /** Takes one permit if both budgets allow it now, else says when the first one will. */
  public QuotaDecision tryTake(Instant now) {
    Instant at = now.isAfter(updatedAt) ? now : updatedAt;
    LearnedRate probed = learned.probed(at, limits.perMinute());
    QuotaLimits eff = probed == learned ? effective()
        : new QuotaState(limits, minuteUnits, hourUnits, updatedAt, pausedUntil, probed).effective();
    long elapsed = nanosBetween(updatedAt, at);
    long minute = Math.min(capacity(eff.minuteBurst(), MINUTE_NANOS),
        refill(minuteUnits, elapsed, eff.perMinute(), eff.minuteBurst(), MINUTE_NANOS));
    long hour = limits.hasHourlyLimit()
        ? refill(hourUnits, elapsed, limits.perHour(), limits.hourBurst(), HOUR_NANOS) : 0;

    long minuteWait = waitNanos(minute, eff.perMinute(), eff.minuteBurst(), MINUTE_NANOS);
    long hourWait = limits.hasHourlyLimit() ? waitNanos(hour, limits.perHour(), limits.hourBurst(), HOUR_NANOS) : 0;
    Instant ready = at.plusNanos(Math.max(minuteWait, hourWait));
    if (pausedUntil.isAfter(ready)) {
      ready = pausedUntil;
    }
    if (!ready.isAfter(at)) {
      QuotaState taken = new QuotaState(limits, minute - MINUTE_NANOS,
          limits.hasHourlyLimit() ? hour - HOUR_NANOS : 0, at, pausedUntil, probed);
      return new QuotaDecision(taken, true, at);
    }
    return new QuotaDecision(new QuotaState(limits, minute, hour, at, pausedUntil, probed), false, ready);
  }

  /** Permits the minute bucket holds at {@code now}, refilled (for status and metrics; changes nothing). */
  public double minutePermits(Instant now) {
    long elapsed = nanosBetween(updatedAt, now.isAfter(updatedAt) ? now : updatedAt);
    QuotaLimits eff = effective();
    return (double) Math.min(capacity(eff.minuteBurst(), MINUTE_NANOS),
        refill(minuteUnits, elapsed, eff.perMinute(), eff.minuteBurst(), MINUTE_NANOS)) / MINUTE_NANOS;
  }

  /** Permits the hour bucket holds at {@code now}, refilled; 0 without an hourly limit. */
  public double hourPermits(Instant now) {
    if (!limits.hasHourlyLimit()) {
      return 0;
    }
    long elapsed = nanosBetween(updatedAt, now.isAfter(updatedAt) ? now : updatedAt);
    return (double) refill(hourUnits, elapsed, limits.perHour(), limits.hourBurst(), HOUR_NANOS) / HOUR_NANOS;
  }

  /** No permit before {@code until} (keeps the later of this and any pause already set). */
  public QuotaState pausedUntil(Instant until) {
    return until.isAfter(pausedUntil) ? new QuotaState(limits, minuteUnits, hourUnits, updatedAt, until, learned)
        : this;
  }

  /** The same levels under new limits (configuration reload), clamped to the new capacities. */
  public QuotaState withLimits(QuotaLimits newLimits) {
    return new QuotaState(newLimits, Math.min(minuteUnits, capacity(newLimits.minuteBurst(), MINUTE_NANOS)),
        Math.min(hourUnits, capacity(newLimits.hourBurst(), HOUR_NANOS)), updatedAt, pausedUntil, learned);
  }

  private static long capacity(int burst, long periodNanos) {
    return burst * periodNanos;
  }

  private static long refill(long level, long elapsedNanos, int limit, int burst, long periodNanos) {
    long cap = capacity(burst, periodNanos);
    long rate = limit - burst;
    long missing = cap - level;
    if (elapsedNanos >= ceilDiv(missing, rate)) {
      return cap;
    }
    return level + elapsedNanos * rate;
  }

  private static long waitNanos(long level, int limit, int burst, long periodNanos) {
    return level >= periodNanos ? 0 : ceilDiv(periodNanos - level, limit - burst);
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  private static long nanosBetween(Instant from, Instant to) {
    Duration d = Duration.between(from, to);
    // Anything beyond a few hours refills every bucket; saturate instead of overflowing toNanos().
    return d.compareTo(Duration.ofDays(1)) > 0 ? Duration.ofDays(1).toNanos() : d.toNanos();
  }
}
