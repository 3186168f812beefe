package org.defenderadx.migration.worker.export;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.time.TimeSource;

/** Builds the audit rows of one table run's windows: who (node, run), what (table, window) and what it cost. */
final class WindowAudits {

  private final TenantContext tenant;
  private final ResolvedTable table;
  private final String runId;
  private final String node;
  private final TimeSource time;

  WindowAudits(TenantContext tenant, ResolvedTable table, String runId, String node, TimeSource time) {
    this.tenant = tenant;
    this.table = table;
    this.runId = runId;
    this.node = node;
    this.time = time;
  }

  AuditRecord audit(String status, String reason, long count, Instant lo, Instant hi, String windowId, FetchStats s) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("serverErrors", s.serverErrors());
    s.serviceDate().ifPresent(d -> details.put("serviceDate", KustoTime.format(d)));
    return new AuditRecord(table.destinationTable(), time.now(), status, reason, count, tenant.key(),
        table.sourceTable(), runId, windowId, lo, hi, s.calls(), s.callQuota429(), s.cpuQuota429(), s.elapsed(),
        node, details);
  }
}
