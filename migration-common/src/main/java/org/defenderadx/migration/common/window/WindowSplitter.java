package org.defenderadx.migration.common.window;

import java.time.Instant;
import java.util.List;
import org.defenderadx.migration.common.kql.KustoTime;

/**
 * Splits a window that was too big for one call (truncated, over the byte cap, preempted). A window wider than
 * one tick splits into its two halves at the tick midpoint (the same midpoint the grid's tree uses); a one-tick
 * instant splits into hash buckets 0/2 and 1/2; a bucket b/N splits into b/2N and (b+N)/2N. Children are
 * returned in planning order.
 */
public final class WindowSplitter {
  /** Enough for 2^20 buckets of 100k rows in one 100-ns tick, far beyond any real instant. */
  public static final int DEFAULT_MAX_BUCKETS = 1 << 20;

  private final int maxBuckets;

  public WindowSplitter() {
    this(DEFAULT_MAX_BUCKETS);
  }

  public WindowSplitter(int maxBuckets) {
    if (maxBuckets < 2 || Integer.bitCount(maxBuckets) != 1) {
      throw new IllegalArgumentException("max bucket count must be a power of two >= 2, got " + maxBuckets);
    }
    this.maxBuckets = maxBuckets;
  }

  public List<Window> split(Window window) {
    if (!window.isInstant()) {
      long lo = KustoTime.toTicks(window.lo());
      long hi = KustoTime.toTicks(window.hi());
      Instant mid = KustoTime.fromTicks(WindowGrid.midpoint(lo, hi));
      return List.of(Window.of(window.lo(), mid), Window.of(mid, window.hi()));
    }
    if (window.bucket().count() * 2L > maxBuckets) {
      throw new WindowNotSplittableException("window " + window + " is already paged into "
          + window.bucket().count() + " buckets, the most allowed (" + maxBuckets + ")");
    }
    Bucket[] children = window.bucket().children();
    return List.of(new Window(window.lo(), window.hi(), children[0]),
        new Window(window.lo(), window.hi(), children[1]));
  }
}
