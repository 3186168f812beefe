package org.defenderadx.simulator.defender;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Simulated API time: starts at a chosen instant and runs {@code scale} times faster than a base clock, so
 * minutes of quota windows pass in seconds. {@link #advance(Duration)} jumps ahead (never back) for tests that
 * want no waiting at all. Thread-safe; clocks derived with {@link #withZone} share the same timeline.
 */
public final class ScaledClock extends Clock {

  private static final class Timeline {
    final Clock base;
    final Instant baseOrigin;
    final Instant simOrigin;
    final double scale;
    volatile long advancedNanos;

    Timeline(Clock base, Instant simOrigin, double scale) {
      this.base = base;
      this.baseOrigin = base.instant();
      this.simOrigin = simOrigin;
      this.scale = scale;
    }
  }

  private final Timeline timeline;
  private final ZoneId zone;

  private ScaledClock(Timeline timeline, ZoneId zone) {
    this.timeline = timeline;
    this.zone = zone;
  }

  /**
   * @param base      the clock that really passes (usually {@link Clock#systemUTC()})
   * @param simOrigin the simulated instant at the moment of construction
   * @param scale     simulated seconds per base second; 1 is real time, 60 makes a minute pass per second
   */
  public static ScaledClock start(Clock base, Instant simOrigin, double scale) {
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("time scale must be a positive number, got " + scale);
    }
    return new ScaledClock(new Timeline(base, simOrigin, scale), ZoneOffset.UTC);
  }

  public double scale() {
    return timeline.scale;
  }

  /** Moves simulated time forward by {@code d} at once. */
  public synchronized void advance(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("the simulated clock only moves forward, got " + d);
    }
    timeline.advancedNanos += d.toNanos();
  }

  /** How long a simulated duration takes on the base clock. */
  public Duration toBase(Duration simulated) {
    return Duration.ofNanos((long) (simulated.toNanos() / timeline.scale));
  }

  @Override
  public Instant instant() {
    long elapsed = Duration.between(timeline.baseOrigin, timeline.base.instant()).toNanos();
    long scaled = (long) (elapsed * timeline.scale);
    return timeline.simOrigin.plusNanos(scaled + timeline.advancedNanos);
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId z) {
    return new ScaledClock(timeline, z);
  }
}
