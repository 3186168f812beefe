package org.defenderadx.migration.common.window;

import java.util.ArrayList;
import java.util.List;
import org.defenderadx.migration.common.window.Bucket;

/**
 * How many hash buckets a snapshot table is read in. The table is counted first; each call should stay well
 * under the effective cap, the smaller of the row cap and the byte cap divided by the average row size, less a
 * safety margin (rows vary in size, and the table may grow between the count and the reads).
 */
public final class SnapshotPaging {
  private SnapshotPaging() {
  }

  /**
   * Rows to aim for per call: {@code floor(min(rowCap, byteCap / averageRowBytes) * safetyFactor)}, at least 1.
   *
   * @param safetyFactor in (0, 1], e.g. 0.5
   */
  public static long targetRowsPerCall(long rowCap, long byteCap, long averageRowBytes, double safetyFactor) {
    if (rowCap < 1 || byteCap < 1 || averageRowBytes < 1) {
      throw new IllegalArgumentException("caps and average row size must be positive");
    }
    if (!(safetyFactor > 0 && safetyFactor <= 1)) {
      throw new IllegalArgumentException("safety factor must be in (0, 1], got " + safetyFactor);
    }
    long effectiveCap = Math.min(rowCap, byteCap / averageRowBytes);
    return Math.max(1, (long) Math.floor(effectiveCap * safetyFactor));
  }

  /** The smallest power of two N with {@code ceil(rowCount / targetRowsPerCall) <= N}; 1 for an empty table. */
  public static int bucketCount(long rowCount, long targetRowsPerCall) {
    if (rowCount < 0 || targetRowsPerCall < 1) {
      throw new IllegalArgumentException("row count must be >= 0 and target >= 1");
    }
    long calls = Math.max(1, (rowCount + targetRowsPerCall - 1) / targetRowsPerCall);
    if (calls > Bucket.MAX_COUNT) {
      throw new IllegalArgumentException(rowCount + " rows would need more than " + Bucket.MAX_COUNT + " buckets");
    }
    int n = Integer.highestOneBit((int) calls);
    return n == calls ? n : n * 2;
  }

  /** The buckets 0/N .. (N-1)/N of a snapshot read in N buckets, in reading order. */
  public static List<Bucket> buckets(int count) {
    List<Bucket> all = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      all.add(new Bucket(i, count));
    }
    return all;
  }

  public static int bucketCount(long rowCount, long rowCap, long byteCap, long averageRowBytes, double safetyFactor) {
    return bucketCount(rowCount, targetRowsPerCall(rowCap, byteCap, averageRowBytes, safetyFactor));
  }
}
