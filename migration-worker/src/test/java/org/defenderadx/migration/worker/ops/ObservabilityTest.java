package org.defenderadx.migration.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.node.MigrationNode;
import org.defenderadx.migration.worker.testing.Prometheus;
import org.defenderadx.migration.worker.testing.Simulators;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node started from configuration exports three tables; then its ops endpoints are checked against what really
 * happened: the simulator's own call counts, the audit log and the watermarks in ADX.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ObservabilityTest {

  private static final List<String> TABLES = List.of("DeviceLogonEvents", "DeviceInfo", "DeviceNetworkEvents");

  private static StandIns env;
  private static MigrationNode node;
  private static WebClient http;
  private static Map<String, TableOutcome> outcomes;

  @BeforeAll
  static void exportThreeTables() throws Exception {
    env = StandIns.start(Vertx.vertx());
    env.configureIncremental(TABLES);
    node = await(MigrationNode.start(settings(env, "1h"), new MigrationNode.Environment(env.time,
        Optional.of(Simulators.trusting(env.sim)), "node-1")));
    http = WebClient.create(env.vertx);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (!caughtUp(node.coordinator().lastOutcomes()) && System.nanoTime() < deadline) {
      await(env.vertx.timer(500));
    }
    outcomes = node.coordinator().lastOutcomes();
    assertThat(caughtUp(outcomes)).as("outcomes %s", outcomes).isTrue();
  }

  /**
   * A node on the stand-ins with its ops HTTP server on a free port. With one hour between cycles (a minute of real
   * time), a node that caught up makes no call while a test looks.
   */
  static MigrationSettings settings(StandIns env, String cycleInterval) {
    return ConfigLoader.parse(settingsTree(env, cycleInterval), secrets());
  }

  /** The ops token of the nodes {@link #settingsTree} describes: the status over the event bus is read with it. */
  static final String OPS_TOKEN = "observability-test-token";

  /** The environment {@link #settingsTree} reads its secrets from. */
  static Map<String, String> secrets() {
    return Map.of("SIM_SECRET", DefenderSimConfig.DEFAULT_CLIENT_SECRET, "NODE_OPS_TOKEN", OPS_TOKEN);
  }

  /** Delivery options carrying the ops token, as migrationctl sends them. */
  static DeliveryOptions withToken() {
    return new DeliveryOptions().addHeader(Addresses.OPS_TOKEN_HEADER, OPS_TOKEN);
  }

  /** The configuration tree of {@link #settings}, to change before parsing. */
  static JsonObject settingsTree(StandIns env, String cycleInterval) {
    return new JsonObject()
        .put("tenants", new JsonArray().add(new JsonObject().put("key", "")
            .put("tenantId", DefenderSimConfig.DEFAULT_TENANT).put("authorityHost", env.sim.tlsBaseUrl())
            .put("credential", new JsonObject().put("kind", "client-secret")
                .put("clientId", DefenderSimConfig.DEFAULT_CLIENT_ID).put("clientSecretEnv", "SIM_SECRET"))
            .put("api", new JsonObject().put("flavour", "graph").put("baseUrl", env.sim.baseUrl()))))
        .put("adx", new JsonObject().put("clusterUrl", env.adx.url()).put("database", StandIns.DATABASE)
            .put("credential", new JsonObject().put("kind", "none")))
        .put("migration", new JsonObject().put("windowGrid", "1d").put("cycleInterval", cycleInterval).put("settleLag", "5m"))
        .put("ops", new JsonObject().put("tokenEnv", "NODE_OPS_TOKEN"))
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      await(node.stop());
    }
    env.close();
  }

  @Test
  void metricsCountWhatTheSourceServedAndWhatAdxCommitted() throws Exception {
    Prometheus metrics = new Prometheus(get("/metrics").bodyAsString());
    Map<String, Long> committed = committedRows();

    // The simulator counted every runHuntingQuery it answered; the node counted every answer it got.
    assertThat(metrics.value("migration_api_calls_total", "tenant", "", "status", "200"))
        .isEqualTo((double) env.sim.stats().calls("graph", 200)).isGreaterThan(0);
    for (String table : TABLES) {
      assertThat(committed.get(table)).as("rows committed for %s", table).isPositive();
      assertThat(metrics.value("migration_rows_ingested_total", "tenant", "", "table", table))
          .as(table).isEqualTo((double) committed.get(table));
      assertThat(metrics.value("migration_rows_fetched_total", "tenant", "", "table", table))
          .as(table).isGreaterThanOrEqualTo(committed.get(table));
      Instant watermark = outcomes.get(TableLeases.key("", table)).watermark().orElseThrow();
      double lag = metrics.value("migration_watermark_lag_seconds", "tenant", "", "table", table);
      // The gauge has fractions of a second, taken at the scrape, before now: bound it by the exact duration.
      assertThat(lag).as(table).isBetween(0.0, Duration.between(watermark, env.time.now()).toNanos() / 1e9);
      assertThat(metrics.find("migration_windows_committed_total", "table", table)).isNotEmpty();
    }
    assertThat(metrics.value("migration_ingestion_latency_seconds_count", "result", "Succeeded")).isPositive();
    assertThat(metrics.value("migration_breaker_state", "tenant", "")).isEqualTo(0.0);
    assertThat(metrics.value("migration_call_budget_permits", "tenant", "", "bucket", "minute")).isPositive();
    // No 429 and no late commit in this run, but the meters are documented names: absent until they happen.
    assertThat(metrics.find("migration_throttled_total")).allSatisfy(s -> assertThat(s.labels()).containsKey("kind"));
    // Vert.x's own meters share the registry.
    assertThat(metrics.find("vertx_http_client_requests_total")).isNotEmpty();
  }

  @Test
  void statusDocumentTellsEachTablesWatermarkRowsAndStateFromAdx() throws Exception {
    // Outcomes reach the coordinator just after the workers let go of the tables; nodes publish what they do every
    // 2 seconds and the status is cached for 3: it follows within seconds.
    JsonObject doc = get("/api/status").bodyAsJsonObject();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (doc.getJsonArray("tables").stream().map(JsonObject.class::cast)
        .anyMatch(t -> "running".equals(t.getString("state")) || t.getString("node") == null)
        && System.nanoTime() < deadline) {
      await(env.vertx.timer(500));
      doc = get("/api/status").bodyAsJsonObject();
    }
    Map<String, Long> committed = committedRows();

    assertThat(doc.getString("node")).isEqualTo("node-1");
    assertThat(Instant.parse(doc.getString("clock"))).isBefore(env.time.now());
    JsonObject tenant = doc.getJsonArray("tenants").getJsonObject(0);
    assertThat(tenant.getString("key")).isEqualTo("");
    assertThat(tenant.getInteger("callsPerMinute")).isEqualTo(45);
    assertThat(tenant.getString("breaker")).isEqualTo("CLOSED");
    assertThat(tenant.getBoolean("paused")).isFalse();
    assertThat(tenant.getLong("callsLastHour")).isPositive();

    JsonArray tables = doc.getJsonArray("tables");
    assertThat(tables).hasSize(TABLES.size());
    for (String table : TABLES) {
      JsonObject t = tables.stream().map(JsonObject.class::cast)
          .filter(o -> o.getString("sourceTable").equals(table)).findFirst().orElseThrow();
      TableOutcome outcome = outcomes.get(TableLeases.key("", table));
      assertThat(t.getString("kind")).isEqualTo("incremental");
      assertThat(t.getString("state")).as(table).isEqualTo("caught-up");
      assertThat(Instant.parse(t.getString("watermark"))).isEqualTo(outcome.watermark().orElseThrow());
      assertThat(t.getLong("rowsTotal")).isEqualTo(committed.get(table));
      assertThat(t.getLong("rowsLastCycle")).isPositive().isLessThanOrEqualTo(committed.get(table));
      assertThat(t.getLong("lagSeconds")).isPositive().isLessThan(Duration.ofDays(2).toSeconds());
      assertThat(t.getValue("lastError")).isNull();
      assertThat(t.getValue("backfill")).isNull();
      assertThat(t.getValue("atRisk")).isNull();
      assertThat(t.getString("node")).isEqualTo("node-1");
    }
  }

  @Test
  void theNodeAnswersTheStatusAddressAndIsLiveAndReadyOnceCaughtUp() throws Exception {
    // The document over the event bus, as the ops CLI asks for it: the same tables as over HTTP.
    JsonObject overBus = await(node.vertx().eventBus().<JsonObject>request(Addresses.OPS_STATUS, new JsonObject(),
        withToken())).body();
    Throwable withoutToken = await(node.vertx().eventBus().request(Addresses.OPS_STATUS, new JsonObject())
        .<Throwable>map(m -> null).otherwise(e -> e));
    assertThat(withoutToken).as("the status without the ops token").isInstanceOfSatisfying(ReplyException.class,
        e -> assertThat(e.failureCode()).isEqualTo(401));
    assertThat(overBus.getJsonArray("tables")).isEqualTo(get("/api/status").bodyAsJsonObject().getJsonArray("tables"));

    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> ready = get("/health/ready");
    assertThat(ready.statusCode()).as(ready.bodyAsString()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("check")))
        .containsExactly("adx", "token:", "horizon");
    assertThat(get("/health").statusCode()).isEqualTo(200);
    assertThat(get("/").bodyAsString()).contains("<script src=\"/status.js\">");
    assertThat(get("/status.js").getHeader("Content-Type")).startsWith("text/javascript");
    assertThat(get("/nothing-here").statusCode()).isEqualTo(404);
  }

  private static HttpResponse<Buffer> get(String path) throws Exception {
    return await(http.get(node.ops().httpPort(), "127.0.0.1", path).send());
  }

  private static Map<String, Long> committedRows() throws Exception {
    Map<String, Long> rows = new HashMap<>();
    for (Map<String, Object> r : await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Succeeded' | summarize n = sum(RecordCount) by SourceTable"))) {
      rows.put(String.valueOf(r.get("SourceTable")), ((Number) r.get("n")).longValue());
    }
    return rows;
  }

  private static boolean caughtUp(Map<String, TableOutcome> outcomes) {
    return TABLES.stream().allMatch(t -> {
      TableOutcome o = outcomes.get(TableLeases.key("", t));
      return o != null && o.caughtUp() && o.failure().isEmpty() && o.watermark().isPresent();
    });
  }
}
