package org.defenderadx.migration.worker.ops;

import static org.defenderadx.migration.worker.testing.StandIns.await;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.testing.StandIns;

/** Configuration rows with a watermark already committed, as a table part-way through its export has them. */
final class ConfigRows {
  private ConfigRows() {
  }

  static void incremental(StandIns env, String tenant, String table, Instant watermark, long version)
      throws Exception {
    Instant w = KustoTime.truncate(watermark);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("SourceTable", table);
    row.put("DestinationTable", table + "Raw");
    row.put("WatermarkColumn", "None");
    row.put("LastRefreshedTime", w);
    row.put("LastRefreshedTimeInString", KustoTime.format(w));
    row.put("LoadType", "Incremental");
    row.put("IsActive", true);
    row.put("TenantId", tenant);
    row.put("Version", version);
    await(env.appender.append(MigrationStateStore.CONFIG_TABLE, List.of(row)));
  }
}
