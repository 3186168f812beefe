package org.defenderadx.migration.api.bus;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;

/**
 * One table to export up to a close point, under a lease.
 *
 * @param tenantKey   the tenant ({@code ""} is the default tenant)
 * @param configRow   the table's configuration row in force, by column name, as read by the coordinator
 * @param horizonStart the oldest point planned (the start of a never-loaded table)
 * @param closePoint  windows end at or before this point
 * @param leaseId     the lease this work runs under; a commit under a lease that is no longer held is refused
 */
public record TableWork(String tenantKey, String sourceTable, Map<String, Object> configRow, Instant horizonStart,
                        Instant closePoint, String runId, String leaseId) {

  public JsonObject toJson() {
    return new JsonObject().put("tenantKey", tenantKey).put("sourceTable", sourceTable)
        .put("configRow", new JsonObject(Codec.plain(configRow))).put("horizonStart", horizonStart.toString())
        .put("closePoint", closePoint.toString()).put("runId", runId).put("leaseId", leaseId);
  }

  public static TableWork fromJson(JsonObject j) {
    return new TableWork(j.getString("tenantKey"), j.getString("sourceTable"), j.getJsonObject("configRow").getMap(),
        Instant.parse(j.getString("horizonStart")), Instant.parse(j.getString("closePoint")), j.getString("runId"),
        j.getString("leaseId"));
  }
}
