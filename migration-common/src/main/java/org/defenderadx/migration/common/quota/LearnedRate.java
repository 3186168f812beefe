package org.defenderadx.migration.common.quota;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The per-minute call rate a tenant's 429s have taught, below the configured one (Microsoft documents "at least" 45
 * calls a minute: a tenant's real limit is the one its 429s state). At a call-quota 429 the rate drops to the one the
 * service states ("maximum allowed 4 per 00:00:10": 24); else (Graph's 429 states no rate) back to the rate of the
 * last cut when it was raised since, to one less when it is at the rate of an earlier 429, or to half. It climbs back
 * halfway towards just below the rate of the last 429 after each {@link #FAST_PROBE_AFTER} without one, and past it by
 * a tenth (at least one call) after each {@link #PROBE_AFTER}, until it is back at the configured rate, where it is
 * forgotten.
 *
 * @param perMinute 0 when nothing was learned (the configured rate holds)
 * @param calmSince the last 429 or the last raise
 * @param ceiling   the rate in force at the last cut (0: none): the limit lies below it
 * @param cutAt     the last cut
 * @param cutTo     the rate the last cut set (raises since are probes; a 429 takes them back)
 */
public record LearnedRate(int perMinute, Instant calmSince, int ceiling, Instant cutAt, int cutTo) {

  public static final LearnedRate NONE = new LearnedRate(0, Instant.EPOCH, 0, Instant.EPOCH, 0);

  /** How long without a 429 before the rate is raised past the last 429's. */
  public static final Duration PROBE_AFTER = Duration.ofMinutes(5);

  /** How long without a 429 before the rate is raised towards the last 429's. */
  public static final Duration FAST_PROBE_AFTER = Duration.ofMinutes(1);

  /**
   * 429s this close after a lowering answer calls made under the quota window of before (the documented window is a
   * minute, and a service may count the calls it refused in it): they lower the rate only to a rate the service
   * states, not again each (calls in flight at once, or a window still full, would otherwise cut it several times).
   */
  public static final Duration DECREASE_SPACING = Duration.ofMinutes(1);

  public LearnedRate {
    Objects.requireNonNull(calmSince, "calmSince");
    Objects.requireNonNull(cutAt, "cutAt");
    if (perMinute != 0 && perMinute < 2) {
      throw new IllegalArgumentException("a learned rate is at least 2 a minute, got " + perMinute);
    }
  }

  public boolean learned() {
    return perMinute != 0;
  }

  /** The rate in force under {@code configured} per minute. */
  public int effective(int configured) {
    return learned() ? Math.min(perMinute, configured) : configured;
  }

  /** After a call-quota 429 at {@code now}. */
  public LearnedRate throttled(Instant now, int configured, OptionalInt stated) {
    int current = effective(configured);
    boolean statedLower = stated.isPresent() && stated.getAsInt() < current;
    if (!statedLower && learned() && now.isBefore(cutAt.plus(DECREASE_SPACING))) {
      return new LearnedRate(perMinute, now, ceiling, cutAt, cutTo); // not calm: no raise, no second cut yet either
    }
    int next;
    if (statedLower) {
      next = stated.getAsInt();
    } else if (learned() && cutTo >= 2 && current > cutTo) {
      next = cutTo; // a probe above the last cut's rate met the limit: back to where it was calm
    } else if (ceiling > 0 && Math.abs(current - ceiling) <= 1 && current > 2) {
      next = current - 1; // probing just past the last 429's rate: the limit is right below
    } else {
      next = Math.max(2, current / 2);
    }
    // A stated rate is the limit itself: nothing to climb back towards, only the slow probe past it.
    int limitAbove = statedLower ? next + 1 : current;
    return next >= configured ? new LearnedRate(0, now, limitAbove, now, 0)
        : new LearnedRate(next, now, limitAbove, now, next);
  }

  /** At {@code now}: a step up after a calm while, forgotten once back at the configured rate. */
  public LearnedRate probed(Instant now, int configured) {
    if (!learned()) {
      return this;
    }
    int below = ceiling - 1;
    int next;
    if (perMinute < below && !now.isBefore(calmSince.plus(FAST_PROBE_AFTER))) {
      next = perMinute + Math.max(1, (below - perMinute) / 2);
    } else if (perMinute >= below && !now.isBefore(calmSince.plus(PROBE_AFTER))) {
      next = perMinute + Math.max(1, perMinute / 10);
    } else {
      return this;
    }
    return next >= configured ? NONE : new LearnedRate(next, now, ceiling, cutAt, cutTo);
  }
}
