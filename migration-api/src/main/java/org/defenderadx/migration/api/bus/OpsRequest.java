package org.defenderadx.migration.api.bus;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Optional;

/**
 * An ops command's arguments (see {@link Addresses} for which command reads which). Absent fields are omitted from
 * the JSON.
 *
 * @param tenant     a tenant key ({@code ""} is the default tenant); for a table command, the table's tenant
 * @param table      a source table name
 * @param from       start of a range, or the point an audit listing starts at, as typed ({@link OpsTime})
 * @param to         end of a range (exclusive), or the new watermark of a reset, as typed ({@link OpsTime})
 * @param node       the node a drain is meant for (every node when empty)
 * @param force      confirms a command that skips rows (a watermark moved forward)
 * @param limit      at most this many rows ({@code audit})
 * @param requestedBy who asked, for the configuration row's UpdatedBy and the audit log (user@host of the CLI)
 * @param note       why, for the configuration row's Notes
 */
public record OpsRequest(Optional<String> tenant, Optional<String> table, Optional<String> from,
                         Optional<String> to, Optional<String> node, boolean force, int limit, String requestedBy,
                         String note) {

  public static OpsRequest empty(String requestedBy) {
    return new OpsRequest(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        false, 0, requestedBy, "");
  }

  /** {@link #from()} resolved against {@code now}; IllegalArgumentException when it is not a time. */
  public Optional<Instant> fromAt(Instant now) {
    return from.map(f -> OpsTime.parse(f, now));
  }

  public Optional<Instant> toAt(Instant now) {
    return to.map(t -> OpsTime.parse(t, now));
  }

  public String tenantKey() {
    return tenant.orElse("");
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("force", force).put("limit", limit).put("requestedBy", requestedBy)
        .put("note", note);
    tenant.ifPresent(v -> j.put("tenant", v));
    table.ifPresent(v -> j.put("table", v));
    from.ifPresent(v -> j.put("from", v));
    to.ifPresent(v -> j.put("to", v));
    node.ifPresent(v -> j.put("node", v));
    return j;
  }

  public static OpsRequest fromJson(JsonObject j) {
    return new OpsRequest(Optional.ofNullable(j.getString("tenant")), Optional.ofNullable(j.getString("table")),
        Optional.ofNullable(j.getString("from")), Optional.ofNullable(j.getString("to")), Optional.ofNullable(j.getString("node")),
        j.getBoolean("force", false), j.getInteger("limit", 0), j.getString("requestedBy", "unknown"),
        j.getString("note", ""));
  }
}
