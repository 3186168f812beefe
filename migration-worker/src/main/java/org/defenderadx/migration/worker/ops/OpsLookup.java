package org.defenderadx.migration.worker.ops;

import io.vertx.core.Future;
import java.util.Map;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.SnapshotTables;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.TenantContext;

/**
 * Looks up what an ops command names on this node: a configured tenant, the configuration row in force for a table,
 * and what kind of table it is. A name that does not fit is a {@link BadRequest}.
 */
final class OpsLookup {

  private final MigrationStateStore state;
  private final Map<String, TenantContext> tenants;
  private final String node;

  OpsLookup(MigrationStateStore state, Map<String, TenantContext> tenants, String node) {
    this.state = state;
    this.tenants = tenants;
    this.node = node;
  }

  TenantContext requireTenant(String key) {
    TenantContext t = tenants.get(key);
    if (t == null) {
      throw new BadRequest("tenant '" + key + "' is not configured on node " + node + " (configured: "
          + tenants.keySet().stream().map(k -> "'" + k + "'").toList() + ")");
    }
    return t;
  }

  Future<MigrationConfigRow> row(String tenant, String table) {
    return state.latest().map(rows -> rows.rows().stream()
        .filter(r -> r.tenantId().equals(tenant) && r.sourceTable().equals(table)).findFirst()
        .orElseThrow(() -> new BadRequest("no table " + table + " in MigrationConfiguration for tenant '" + tenant
            + "'")));
  }

  /** The row's configuration version (0 for a row of the original script, which has none). */
  static long version(MigrationConfigRow row) {
    return row.version().orElse(0);
  }

  /** "snapshot" or "incremental"; a row that does not resolve is judged by its table's name. */
  static String kind(MigrationConfigRow r) {
    try {
      return r.resolve().kind() == TableKind.SNAPSHOT ? "snapshot" : "incremental";
    } catch (ConfigRowException e) {
      return SnapshotTables.isKnownSnapshot(r.sourceTable()) ? "snapshot" : "incremental";
    }
  }
}
