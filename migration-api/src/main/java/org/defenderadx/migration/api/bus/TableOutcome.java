package org.defenderadx.migration.api.bus;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Optional;

/** How a {@link TableWork} ended: caught up, paused until a time, or failed with a reason. */
public record TableOutcome(String tenantKey, String sourceTable, long rowsExported, int windowsCommitted,
                           boolean caughtUp, Optional<Instant> watermark, Optional<Instant> pausedUntil,
                           Optional<String> failure, String node) {

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("tenantKey", tenantKey).put("sourceTable", sourceTable)
        .put("rowsExported", rowsExported).put("windowsCommitted", windowsCommitted).put("caughtUp", caughtUp)
        .put("node", node);
    watermark.ifPresent(w -> j.put("watermark", w.toString()));
    pausedUntil.ifPresent(p -> j.put("pausedUntil", p.toString()));
    failure.ifPresent(f -> j.put("failure", f));
    return j;
  }

  public static TableOutcome fromJson(JsonObject j) {
    return new TableOutcome(j.getString("tenantKey"), j.getString("sourceTable"), j.getLong("rowsExported"),
        j.getInteger("windowsCommitted"), j.getBoolean("caughtUp"),
        Optional.ofNullable(j.getString("watermark")).map(Instant::parse),
        Optional.ofNullable(j.getString("pausedUntil")).map(Instant::parse),
        Optional.ofNullable(j.getString("failure")), j.getString("node"));
  }
}
