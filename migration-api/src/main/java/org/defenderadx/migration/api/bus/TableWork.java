package org.defenderadx.migration.api.bus;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;

/**
 * An offer of one table to export up to a close point. The fetch verticle that takes it acquires the table's lease
 * itself; the offer carries none.
 *
 * @param tenantKey   the tenant ({@code ""} is the default tenant)
 * @param configRow   the table's configuration row in force, by column name, as read by the coordinator
 * @param horizonStart the oldest point planned (the start of a never-loaded table)
 * @param closePoint  windows end at or before this point
 */
public record TableWork(String tenantKey, String sourceTable, Map<String, Object> configRow, Instant horizonStart,
                        Instant closePoint, String runId) {

  public JsonObject toJson() {
    return new JsonObject().put("tenantKey", tenantKey).put("sourceTable", sourceTable)
        .put("configRow", new JsonObject(Codec.plain(configRow))).put("horizonStart", horizonStart.toString())
        .put("closePoint", closePoint.toString()).put("runId", runId);
  }

  public static TableWork fromJson(JsonObject j) {
    return new TableWork(j.getString("tenantKey"), j.getString("sourceTable"), j.getJsonObject("configRow").getMap(),
        Instant.parse(j.getString("horizonStart")), Instant.parse(j.getString("closePoint")), j.getString("runId"));
  }
}
