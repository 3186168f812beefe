package org.defenderadx.migration.api.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.defenderadx.migration.api.bus.OpsTime;
import java.util.Locale;

/**
 * Renders the cluster status document ({@link org.defenderadx.migration.api.bus.Addresses#OPS_STATUS}) for a
 * terminal: tenants (quota used, breaker, pause), tables (state, watermark, lag, rows, last error), and a progress
 * bar with ETA per backfill under way.
 */
public final class StatusView {
  private StatusView() {
  }

  static final int BAR_WIDTH = 24;

  public static String render(JsonObject status) {
    StringBuilder sb = new StringBuilder();
    sb.append("cluster status from node ").append(text(status.getValue("node"))).append(" at ")
        .append(text(status.getValue("generatedAt")));
    if (status.getValue("clock") != null) {
      sb.append(" (service clock ").append(status.getValue("clock")).append(')');
    }
    sb.append("\n\n");

    JsonArray tenants = status.getJsonArray("tenants", new JsonArray());
    TextTable t = new TextTable("TENANT", "CALLS/MIN", "CALLS/HOUR", "BREAKER", "PAUSED");
    for (Object o : tenants) {
      JsonObject j = (JsonObject) o;
      t.row(tenant(j.getString("key")), used(j.getValue("callsLastMinute"), j.getValue("callsPerMinute")),
          used(j.getValue("callsLastHour"), j.getValue("callsPerHour")), text(j.getValue("breaker")),
          Boolean.TRUE.equals(j.getBoolean("paused"))
              ? "yes" + (j.getValue("pausedUntil") == null ? "" : " until " + j.getValue("pausedUntil")) : "no");
    }
    sb.append(t.render()).append('\n');

    JsonArray tables = status.getJsonArray("tables", new JsonArray());
    TextTable tt = new TextTable("TENANT", "TABLE", "KIND", "STATE", "WATERMARK", "LAG", "ROWS LAST CYCLE",
        "ROWS TOTAL", "NODE", "LAST ERROR");
    StringBuilder backfills = new StringBuilder();
    for (Object o : tables) {
      JsonObject j = (JsonObject) o;
      Number lag = j.getNumber("lagSeconds");
      tt.row(tenant(j.getString("tenantKey")), j.getString("sourceTable"), text(j.getValue("kind")),
          text(j.getValue("state")), text(j.getValue("watermark")),
          lag == null ? "-" : OpsTime.span(lag.longValue()), text(j.getValue("rowsLastCycle")),
          text(j.getValue("rowsTotal")), text(j.getValue("node")), shorten(j.getString("lastError"), 60));
      JsonObject b = j.getJsonObject("backfill");
      if (b != null) {
        Number eta = b.getNumber("etaSeconds");
        double done = b.getNumber("done") == null ? 0 : b.getNumber("done").doubleValue();
        backfills.append(String.format(Locale.ROOT, "%-28s %s %3d%%  ETA %-8s %s .. %s%n",
            tenant(j.getString("tenantKey")) + "/" + j.getString("sourceTable"), bar(done),
            Math.round(done * 100), eta == null ? "-" : OpsTime.span(eta.longValue()), b.getValue("from"),
            b.getValue("to")));
      }
    }
    sb.append(tt.render());
    if (backfills.length() > 0) {
      sb.append("\nbackfills under way\n").append(backfills);
    }
    return sb.toString();
  }

  /** {@code [##########--------------]} for a fraction 0..1. */
  static String bar(double done) {
    double d = Math.max(0, Math.min(1, done));
    int filled = (int) Math.round(d * BAR_WIDTH);
    return "[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "]";
  }

  private static String used(Object used, Object limit) {
    if (used == null) {
      return "-";
    }
    if (!(limit instanceof Number l) || l.longValue() <= 0) {
      return String.valueOf(used);
    }
    long pct = Math.round(((Number) used).doubleValue() * 100 / l.doubleValue());
    return used + "/" + limit + " (" + pct + "%)";
  }

  static String tenant(String key) {
    return key == null || key.isEmpty() ? "(default)" : key;
  }

  private static String text(Object v) {
    return v == null ? "-" : String.valueOf(v);
  }

  private static String shorten(String s, int max) {
    if (s == null || s.isEmpty()) {
      return "-";
    }
    String one = s.replace('\n', ' ');
    return one.length() <= max ? one : one.substring(0, max - 3) + "...";
  }
}
