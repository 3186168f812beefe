package org.defenderadx.migration.worker.export;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.defenderadx.migration.common.window.MergePolicy;
import org.defenderadx.migration.common.window.UnitFill;

/**
 * What a table's own fetches taught about sizing its units, per tenant and table, over every run of one exporter:
 * the average response bytes per row (the measure the service's byte cap applies to: the answer as received, not our
 * blob, which carries provenance too), and the share of the effective cap units can aim at ({@link UnitFill}).
 */
final class UnitSizing {

  /** Per tenant and table: response bytes and rows of the windows fetched so far. */
  private final Map<String, long[]> sizes = new ConcurrentHashMap<>();
  private final Map<String, UnitFill> fills = new ConcurrentHashMap<>();

  /** The average row's bytes in the service's answers; empty until enough rows were measured to trust it. */
  OptionalLong rowBytes(String tenantKey, String sourceTable) {
    long[] m = sizes.get(key(tenantKey, sourceTable));
    return m == null || m[1] < MergePolicy.ROWS_TO_MEASURE ? OptionalLong.empty()
        : OptionalLong.of(Math.max(1, m[0] / m[1]));
  }

  void measure(String tenantKey, String sourceTable, Fetched.Complete c) {
    if (c.rows() > 0) {
      sizes.compute(key(tenantKey, sourceTable), (k, m) -> m == null
          ? new long[] {c.responseBytes(), c.rows()} : new long[] {m[0] + c.responseBytes(), m[1] + c.rows()});
    }
  }

  /** The share of the effective cap the table's next units aim at. */
  double share(String tenantKey, String sourceTable) {
    return fills.getOrDefault(key(tenantKey, sourceTable), UnitFill.NEW).share();
  }

  /** Whether the table's units have taught its share yet. */
  boolean shareLearned(String tenantKey, String sourceTable) {
    return fills.getOrDefault(key(tenantKey, sourceTable), UnitFill.NEW).learned();
  }

  /** A unit that promised {@code plannedLoad} of the binding cap came back whole, taking {@code load}. */
  void unitFetched(String tenantKey, String sourceTable, double plannedLoad, double load) {
    fills.merge(key(tenantKey, sourceTable), UnitFill.NEW.fetched(plannedLoad, load),
        (old, ignored) -> old.fetched(plannedLoad, load));
  }

  /** A unit that promised {@code plannedLoad} of the binding cap was cut by the service. */
  void unitCut(String tenantKey, String sourceTable, double plannedLoad) {
    fills.merge(key(tenantKey, sourceTable), UnitFill.NEW.cut(plannedLoad), (old, ignored) -> old.cut(plannedLoad));
  }

  private static String key(String tenantKey, String sourceTable) {
    return tenantKey + "\u0000" + sourceTable;
  }
}
