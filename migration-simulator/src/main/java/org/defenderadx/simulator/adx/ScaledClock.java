package org.defenderadx.simulator.adx;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that runs {@code scale} times faster than real time from a starting instant and can be moved forward by
 * hand, so tests see minutes of batching or a slow data-management service in seconds.
 */
public final class ScaledClock extends Clock {
  private final Instant start;
  private final long startNanos;
  private final double scale;
  private volatile long offsetNanos;

  public ScaledClock(Instant start, double scale) {
    if (scale <= 0) {
      throw new IllegalArgumentException("scale must be positive, got " + scale);
    }
    this.start = start;
    this.scale = scale;
    this.startNanos = System.nanoTime();
  }

  /** Starts now, running {@code scale} times faster than real time. */
  public static ScaledClock startingNow(double scale) {
    return new ScaledClock(Instant.now(), scale);
  }

  public double scale() {
    return scale;
  }

  /** Moves the clock forward. */
  public synchronized void advance(Duration d) {
    offsetNanos += d.toNanos();
  }

  @Override
  public Instant instant() {
    long elapsed = (long) ((System.nanoTime() - startNanos) * scale);
    return start.plusNanos(elapsed + offsetNanos);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("ScaledClock is always UTC");
  }
}
