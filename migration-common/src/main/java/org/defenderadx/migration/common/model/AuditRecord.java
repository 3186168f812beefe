package org.defenderadx.migration.common.model;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code MigrationAuditLog} row: per window or snapshot bucket, and per table failure. The first five columns
 * are the original script's ({@code TableName} is the destination table, as there).
 *
 * @param status Succeeded, Skipped, Failed, Quarantined, Paused, Queued, AtRisk, AgedOut, LateCommit, ...
 */
public record AuditRecord(String destinationTable, Instant timestamp, String status, String failureReason,
                          long recordCount, String tenantId, String sourceTable, String runId, String windowId,
                          Instant windowStart, Instant windowEnd, int apiCalls, int callQuota429, int cpuQuota429,
                          Duration duration, String node, Map<String, Object> details) {

  /** The row by column name (the audit table may be in either column order). */
  public Map<String, Object> row() {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("TableName", destinationTable);
    r.put("Timestamp", timestamp);
    r.put("Status", status);
    r.put("FailureReason", failureReason == null ? "" : failureReason);
    r.put("RecordCount", (int) Math.min(Integer.MAX_VALUE, recordCount));
    r.put("TenantId", tenantId);
    r.put("SourceTable", sourceTable);
    r.put("RunId", runId);
    r.put("WindowId", windowId);
    r.put("WindowStart", windowStart);
    r.put("WindowEnd", windowEnd);
    r.put("ApiCalls", apiCalls);
    r.put("CallQuota429", callQuota429);
    r.put("CpuQuota429", cpuQuota429);
    r.put("DurationMs", duration == null ? null : duration.toMillis());
    r.put("Node", node);
    r.put("Details", details == null ? Map.of() : details);
    return r;
  }
}
