package org.defenderadx.migration.worker.export;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.defenderadx.migration.common.window.MergePolicy;

/**
 * The average row size measured per tenant and table over the windows fetched so far (by every run of one
 * exporter), which unit recording uses to size merged units.
 */
final class RowSizes {

  /** Per tenant and table: bytes and rows of the windows fetched so far. */
  private final Map<String, long[]> sizes = new ConcurrentHashMap<>();

  /** The average row's uncompressed bytes; empty until enough rows were measured to trust it. */
  OptionalLong measured(String tenantKey, String sourceTable) {
    long[] m = sizes.get(key(tenantKey, sourceTable));
    return m == null || m[1] < MergePolicy.ROWS_TO_MEASURE ? OptionalLong.empty()
        : OptionalLong.of(Math.max(1, m[0] / m[1]));
  }

  void measure(String tenantKey, String sourceTable, Fetched.Complete c) {
    if (c.rows() > 0) {
      sizes.compute(key(tenantKey, sourceTable), (k, m) -> m == null
          ? new long[] {c.uncompressedBytes(), c.rows()} : new long[] {m[0] + c.uncompressedBytes(), m[1] + c.rows()});
    }
  }

  private static String key(String tenantKey, String sourceTable) {
    return tenantKey + "\u0000" + sourceTable;
  }
}
