package org.defenderadx.simulator.defender.data;

import java.time.Duration;
import java.time.Instant;

/** Kusto's time unit: 100-nanosecond ticks, here counted from the Unix epoch and kept in a long. */
public final class Ticks {
  public static final long PER_SECOND = 10_000_000L;

  private Ticks() {
  }

  public static long of(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), PER_SECOND), t.getNano() / 100);
  }

  public static long of(Duration d) {
    return Math.addExact(Math.multiplyExact(d.getSeconds(), PER_SECOND), d.getNano() / 100);
  }

  public static Instant instant(long ticks) {
    return Instant.ofEpochSecond(Math.floorDiv(ticks, PER_SECOND), Math.floorMod(ticks, PER_SECOND) * 100);
  }

  /** First index in a sorted array whose value is {@code >= key} (the array length when none is). */
  public static int lowerBound(long[] sorted, long key) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
