package org.defenderadx.migration.common.window;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.defenderadx.migration.common.kql.KustoTime;

/**
 * A half-open interval {@code [lo, hi)} of the watermark (ingestion time or a configured column), optionally
 * restricted to one hash {@link Bucket} when it is a single-tick "instant" too big for one call. Bounds are whole
 * 100-ns ticks.
 */
public record Window(Instant lo, Instant hi, Bucket bucket) {
  public Window {
    Objects.requireNonNull(lo, "lo");
    Objects.requireNonNull(hi, "hi");
    Objects.requireNonNull(bucket, "bucket");
    if (!KustoTime.truncate(lo).equals(lo) || !KustoTime.truncate(hi).equals(hi)) {
      throw new IllegalArgumentException("window bounds must be whole 100-ns ticks: [" + lo + ", " + hi + ")");
    }
    if (!lo.isBefore(hi)) {
      throw new IllegalArgumentException("empty window [" + lo + ", " + hi + ")");
    }
    if (!bucket.isAll() && widthTicks(lo, hi) != 1) {
      throw new IllegalArgumentException("only a one-tick window is paged by buckets: [" + lo + ", " + hi + ")");
    }
  }

  public static Window of(Instant lo, Instant hi) {
    return new Window(lo, hi, Bucket.ALL);
  }

  public long widthTicks() {
    return widthTicks(lo, hi);
  }

  public Duration width() {
    return Duration.between(lo, hi);
  }

  /** A one-tick window: it cannot be halved in time any more, only paged by buckets. */
  public boolean isInstant() {
    return widthTicks() == 1;
  }

  public boolean isBucketed() {
    return !bucket.isAll();
  }

  private static long widthTicks(Instant lo, Instant hi) {
    return KustoTime.toTicks(hi) - KustoTime.toTicks(lo);
  }

  @Override
  public String toString() {
    return "[" + KustoTime.format(lo) + ", " + KustoTime.format(hi) + ")" + (bucket.isAll() ? "" : " b=" + bucket);
  }
}
