package org.defenderadx.migration.common.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The clock everything time-dependent reads, and how long to really wait for a span of that clock's time. Normally
 * the system clock; benchmarks and tests run it faster ({@link #scaled}) so that hours of API quota pass in minutes,
 * against a simulator that runs on the same scale.
 */
public final class TimeSource {

  private final Clock clock;
  private final double scale;

  private TimeSource(Clock clock, double scale) {
    this.clock = clock;
    this.scale = scale;
  }

  public static TimeSource system() {
    return new TimeSource(Clock.systemUTC(), 1.0);
  }

  /**
   * A clock that starts at {@code start} now and runs {@code scale} times faster than real time.
   *
   * @param scale e.g. 60: one minute of this clock per real second
   */
  public static TimeSource scaled(Instant start, double scale) {
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("time scale must be positive, got " + scale);
    }
    return new TimeSource(new ScaledClock(start, System.nanoTime(), scale), scale);
  }

  /** Any clock (a fixed one in unit tests) at the given scale. */
  public static TimeSource of(Clock clock, double scale) {
    return new TimeSource(clock, scale);
  }

  public Clock clock() {
    return clock;
  }

  public Instant now() {
    return clock.instant();
  }

  public double scale() {
    return scale;
  }

  /** Real milliseconds to wait for {@code span} of this clock to pass (at least 1). */
  public long realDelayMillis(Duration span) {
    if (span.isNegative() || span.isZero()) {
      return 1;
    }
    return Math.max(1, (long) Math.ceil(span.toNanos() / scale / 1_000_000.0));
  }

  private static final class ScaledClock extends Clock {
    private final Instant start;
    private final long startNanos;
    private final double scale;

    ScaledClock(Instant start, long startNanos, double scale) {
      this.start = start;
      this.startNanos = startNanos;
      this.scale = scale;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      long realElapsed = System.nanoTime() - startNanos;
      return start.plusNanos((long) (realElapsed * scale));
    }
  }
}
