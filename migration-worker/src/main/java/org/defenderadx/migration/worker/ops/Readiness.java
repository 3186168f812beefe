package org.defenderadx.migration.worker.ops;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.worker.export.TenantContext;

/**
 * Whether the node is ready: ADX answers a query (the status document is read from it), every tenant's Defender
 * token can be obtained, and no table is about to lose rows at the source (its watermark lag, or its backfill's
 * projected lag, within {@code migration.horizonMargin} of the 30-day horizon; see {@link StatusReport}). The verdict
 * names each check, and for a failed one says why, naming the table.
 *
 * <p>A tenant's token check is remembered for {@link #TOKEN_CHECK_TTL}, success or failure, and probes arriving
 * while one is under way share it: the identity provider is asked at most once per tenant in that time however often
 * the node is probed (a failing credential is not cached by {@code AccessTokenSource}, and every probe would ask).
 */
public final class Readiness {

  static final long CHECK_TIMEOUT_SECONDS = 10;
  static final Duration TOKEN_CHECK_TTL = Duration.ofSeconds(30);

  private final StatusReport status;
  private final Map<String, TenantContext> tenants;
  private final Clock clock;
  private final Map<String, TokenCheck> tokenChecks = new ConcurrentHashMap<>();

  /** The last token check of a tenant, and when it began. */
  private record TokenCheck(Future<JsonObject> outcome, Instant began) {
  }

  /** @param clock the wall clock the token checks' age is measured on */
  public Readiness(StatusReport status, Map<String, TenantContext> tenants, Clock clock) {
    this.status = status;
    this.tenants = tenants;
    this.clock = clock;
  }

  /** {@code {"ready": bool, "checks": [{"check", "ok", "detail"}]}}; never fails. */
  public Future<JsonObject> check() {
    List<Future<JsonObject>> checks = new ArrayList<>();
    // Bounded: a probe must answer even when ADX or the identity provider hangs.
    Future<JsonObject> doc = status.current().timeout(CHECK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    checks.add(doc.map(d -> ok("adx", "ADX answered"))
        .otherwise(e -> failed("adx", "ADX does not answer a query: " + e.getMessage())));
    tenants.values().forEach(t -> checks.add(tokenCheck(t)));
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

  private Future<JsonObject> tokenCheck(TenantContext t) {
    Instant now = clock.instant();
    return tokenChecks.compute(t.key(), (key, last) -> {
      if (last != null && (!last.outcome().isComplete() || now.isBefore(last.began().plus(TOKEN_CHECK_TTL)))) {
        return last;
      }
      Future<JsonObject> outcome = t.tokens().authorization().timeout(CHECK_TIMEOUT_SECONDS, TimeUnit.SECONDS)
          .map(a -> ok("token:" + key, "a Defender token for tenant '" + key + "' was obtained"))
          .otherwise(e -> failed("token:" + key, "no Defender token for tenant '" + key + "': " + e.getMessage()))
          .map(c -> c.put("checkedAt", now.toString()));
      return new TokenCheck(outcome, now);
    }).outcome();
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
