package org.defenderadx.migration.worker.ops;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.worker.export.TenantContext;

/**
 * Whether the node is ready: ADX answers a query (the status document is read from it), every tenant's Defender
 * token can be obtained, and no table is about to lose rows at the source (its watermark lag, or its backfill's
 * projected lag, within {@code migration.horizonMargin} of the 30-day horizon; see {@link StatusReport}). The verdict
 * names each check, and for a failed one says why, naming the table.
 */
public final class Readiness {

  static final long CHECK_TIMEOUT_SECONDS = 10;

  private final StatusReport status;
  private final Map<String, TenantContext> tenants;

  public Readiness(StatusReport status, Map<String, TenantContext> tenants) {
    this.status = status;
    this.tenants = tenants;
  }

  /** {@code {"ready": bool, "checks": [{"check", "ok", "detail"}]}}; never fails. */
  public Future<JsonObject> check() {
    List<Future<JsonObject>> checks = new ArrayList<>();
    // Bounded: a probe must answer even when ADX or the identity provider hangs.
    Future<JsonObject> doc = status.current().timeout(CHECK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    checks.add(doc.map(d -> ok("adx", "ADX answered"))
        .otherwise(e -> failed("adx", "ADX does not answer a query: " + e.getMessage())));
    tenants.values().forEach(t -> checks.add(t.tokens().authorization().timeout(CHECK_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .map(a -> ok("token:" + t.key(), "a Defender token for tenant '" + t.key() + "' was obtained"))
        .otherwise(e -> failed("token:" + t.key(), "no Defender token for tenant '" + t.key() + "': "
            + e.getMessage()))));
    checks.add(doc.map(this::horizon).otherwise(e -> failed("horizon", "unknown: the status could not be read")));
    return Future.join(checks).otherwiseEmpty().map(x -> {
      JsonArray results = new JsonArray();
      boolean ready = true;
      for (Future<JsonObject> c : checks) {
        results.add(c.result());
        ready &= c.result().getBoolean("ok");
      }
      return new JsonObject().put("ready", ready).put("checks", results);
    });
  }

  private JsonObject horizon(JsonObject doc) {
    List<String> risks = new ArrayList<>();
    doc.getJsonArray("tables").forEach(o -> {
      JsonObject t = (JsonObject) o;
      if (t.getString("atRisk") != null) {
        risks.add(t.getString("sourceTable") + " (tenant '" + t.getString("tenantKey") + "'): " + t.getString("atRisk"));
      }
    });
    return risks.isEmpty()
        ? ok("horizon", "no table is within " + StatusReport.human(java.time.Duration.ofDays(30)
            .minus(status.riskThreshold())) + " of the 30-day horizon")
        : failed("horizon", String.join("; ", risks));
  }

  private static JsonObject ok(String check, String detail) {
    return new JsonObject().put("check", check).put("ok", true).put("detail", detail);
  }

  private static JsonObject failed(String check, String detail) {
    return new JsonObject().put("check", check).put("ok", false).put("detail", detail);
  }
}
