package org.defenderadx.migration.common.quota;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The call budget of one tenant as an immutable value, so it can live in a cluster-wide map and be updated with
 * compare-and-set.
 *
 * <p>The minute is a token bucket (see {@link QuotaLimits}): its small burst costs a twentieth of the rate, and its
 * rate is the one the learned-rate logic lowers and probes back up. Its level is kept in integer units where one
 * permit is worth a minute in nanoseconds: refilling by {@code (limit - burst)} units per nanosecond is then exact,
 * with no rounding drift.
 *
 * <p>The hour is a sliding window of minute slots ({@link HourWindow}), not a second token bucket: a bucket strict
 * enough for the sliding hour would pace the hour's 1,500 calls evenly (about 24 a minute after a burst of 75), so a
 * backfill shorter than an hour could not spend the 45 a minute the service allows. The window lets calls go at the
 * minute bucket's rate until the hour's calls are spent, then waits for the oldest counted minute to drop out. The
 * service does not document whether its hour is a clock hour or a sliding one; the window keeps the harsher, sliding
 * one.
 *
 * @param limits      the configured limits
 * @param hour        the calls counted in the hour, up to the minute of {@code updatedAt}; {@link HourWindow#NONE}
 *                    without an hourly limit
 * @param pausedUntil no permit before this instant (a CPU-quota or Retry-After pause); EPOCH when not paused
 * @param learned     the per-minute rate the tenant's 429s taught, when below the configured one
 */
public record QuotaState(QuotaLimits limits, long minuteUnits, HourWindow hour, Instant updatedAt,
    Instant pausedUntil, LearnedRate learned) {
  static final long MINUTE_NANOS = Duration.ofMinutes(1).toNanos();

  public QuotaState {
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(hour, "hour");
    Objects.requireNonNull(updatedAt, "updatedAt");
    Objects.requireNonNull(pausedUntil, "pausedUntil");
    Objects.requireNonNull(learned, "learned");
    if (minuteUnits < 0 || minuteUnits > capacity(limits.minuteBurst())) {
      throw new IllegalArgumentException("minute bucket level outside its capacity");
    }
    if (hour.kept() != limits.hasHourlyLimit()) {
      throw new IllegalArgumentException("an hour window is kept exactly when there is an hourly limit");
    }
    if (hour.kept() && hour.newestSlot() > HourWindow.slotOf(updatedAt)) {
      throw new IllegalArgumentException("hour window newer than the state's clock");
    }
    if (hour.busiestSlot() > limits.perHour()) {
      throw new IllegalArgumentException("a minute slot counts more calls than the hourly limit");
    }
  }

  /** A tenant that has made no call yet: the minute bucket holds its burst, the hour counts no call. */
  public static QuotaState full(QuotaLimits limits, Instant now) {
    return new QuotaState(limits, capacity(limits.minuteBurst()), emptyHour(limits, now), now, Instant.EPOCH,
        LearnedRate.NONE);
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
        limits.perHour());
  }

  /**
   * After a call-quota 429 at {@code now}: the rate in force is lowered ({@link LearnedRate#throttled}) for every
   * node sharing this state, and the minute bucket holds no more than its new burst.
   */
  public QuotaState throttled(Instant now, OptionalInt statedPerMinute) {
    LearnedRate next = learned.throttled(now, limits.perMinute(), statedPerMinute);
    QuotaState lowered = new QuotaState(limits, minuteUnits, hour, updatedAt, pausedUntil, next);
    long cap = capacity(lowered.effective().minuteBurst());
    return minuteUnits <= cap ? lowered
        : new QuotaState(limits, cap, hour, updatedAt, pausedUntil, next);
  }

  /** Takes one permit if both budgets allow it now, else says when the first one will. */
  public QuotaDecision tryTake(Instant now) {
    Instant at = now.isAfter(updatedAt) ? now : updatedAt;
    LearnedRate probed = learned.probed(at, limits.perMinute());
    QuotaLimits eff = probed == learned ? effective()
        : new QuotaState(limits, minuteUnits, hour, updatedAt, pausedUntil, probed).effective();
    long minute = Math.min(capacity(eff.minuteBurst()),
        refill(minuteUnits, nanosBetween(updatedAt, at), eff.perMinute(), eff.minuteBurst()));
    long slot = HourWindow.slotOf(at);
    HourWindow window = hour.at(slot);

    Instant ready = at.plusNanos(waitNanos(minute, eff.perMinute(), eff.minuteBurst()));
    if (limits.hasHourlyLimit()) {
      Instant room = HourWindow.startOf(window.firstSlotWithRoom(slot, limits.perHour()));
      ready = room.isAfter(ready) ? room : ready;
    }
    if (pausedUntil.isAfter(ready)) {
      ready = pausedUntil;
    }
    if (!ready.isAfter(at)) {
      QuotaState taken = new QuotaState(limits, minute - MINUTE_NANOS,
          limits.hasHourlyLimit() ? window.plusCall(slot) : window, at, pausedUntil, probed);
      return new QuotaDecision(taken, true, at);
    }
    return new QuotaDecision(new QuotaState(limits, minute, window, at, pausedUntil, probed), false, ready);
  }

  /** Permits the minute bucket holds at {@code now}, refilled (for status and metrics; changes nothing). */
  public double minutePermits(Instant now) {
    long elapsed = nanosBetween(updatedAt, now.isAfter(updatedAt) ? now : updatedAt);
    QuotaLimits eff = effective();
    return (double) Math.min(capacity(eff.minuteBurst()),
        refill(minuteUnits, elapsed, eff.perMinute(), eff.minuteBurst())) / MINUTE_NANOS;
  }

  /** Calls the hour has left at {@code now}: the hourly limit less the calls its window counts; 0 without a limit. */
  public double hourPermits(Instant now) {
    if (!limits.hasHourlyLimit()) {
      return 0;
    }
    long counted = hour.at(HourWindow.slotOf(now.isAfter(updatedAt) ? now : updatedAt)).calls();
    return Math.max(0, limits.perHour() - counted);
  }

  /** No permit before {@code until} (keeps the later of this and any pause already set). */
  public QuotaState pausedUntil(Instant until) {
    return until.isAfter(pausedUntil) ? new QuotaState(limits, minuteUnits, hour, updatedAt, until, learned)
        : this;
  }

  /**
   * The same budget under new limits (configuration reload): the minute bucket clamped to the new burst, the hour's
   * calls kept (a window starts empty when an hourly limit appears, and goes when it does).
   */
  public QuotaState withLimits(QuotaLimits newLimits) {
    HourWindow kept = !newLimits.hasHourlyLimit() ? HourWindow.NONE
        : hour.kept() ? hour.cappedAt(newLimits.perHour()) : emptyHour(newLimits, updatedAt);
    return new QuotaState(newLimits, Math.min(minuteUnits, capacity(newLimits.minuteBurst())), kept, updatedAt,
        pausedUntil, learned);
  }

  private static HourWindow emptyHour(QuotaLimits limits, Instant now) {
    return limits.hasHourlyLimit() ? HourWindow.empty(HourWindow.slotOf(now)) : HourWindow.NONE;
  }

  private static long capacity(int burst) {
    return burst * MINUTE_NANOS;
  }

  private static long refill(long level, long elapsedNanos, int limit, int burst) {
    long cap = capacity(burst);
    long rate = limit - burst;
    long missing = cap - level;
    if (elapsedNanos >= ceilDiv(missing, rate)) {
      return cap;
    }
    return level + elapsedNanos * rate;
  }

  private static long waitNanos(long level, int limit, int burst) {
    return level >= MINUTE_NANOS ? 0 : ceilDiv(MINUTE_NANOS - level, limit - burst);
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  private static long nanosBetween(Instant from, Instant to) {
    Duration d = Duration.between(from, to);
    // Anything beyond a few minutes refills the bucket; saturate instead of overflowing toNanos().
    return d.compareTo(Duration.ofDays(1)) > 0 ? Duration.ofDays(1).toNanos() : d.toNanos();
  }
}
