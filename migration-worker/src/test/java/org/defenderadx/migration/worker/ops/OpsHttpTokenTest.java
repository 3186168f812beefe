package org.defenderadx.migration.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.worker.adx.AdxRowAppender;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The ops HTTP server with a token configured ({@code http.tokenEnv}): the data ({@code /api/status},
 * {@code /metrics}) only with {@code Authorization: Bearer <token>}, 401 otherwise; the health endpoints and the
 * page's files (which hold no data) stay open.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class OpsHttpTokenTest {

  private static final String TOKEN = "http-t0ken";

  private StandIns env;
  private OpsHttpServer server;
  private WebClient http;

  @BeforeAll
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
    JsonObject tree = new JsonObject()
        .put("tenants", new JsonArray().add(new JsonObject().put("key", "")
            .put("tenantId", DefenderSimConfig.DEFAULT_TENANT).put("authorityHost", env.sim.tlsBaseUrl())
            .put("credential", new JsonObject().put("kind", "client-secret")
                .put("clientId", DefenderSimConfig.DEFAULT_CLIENT_ID).put("clientSecretEnv", "SIM_SECRET"))
            .put("api", new JsonObject().put("flavour", "graph").put("baseUrl", env.sim.baseUrl()))))
        .put("adx", new JsonObject().put("clusterUrl", env.adx.url()).put("database", StandIns.DATABASE)
            .put("credential", new JsonObject().put("kind", "none")))
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("tokenEnv", "NODE_HTTP_TOKEN"));
    MigrationSettings settings = ConfigLoader.parse(tree, Map.of("SIM_SECRET",
        DefenderSimConfig.DEFAULT_CLIENT_SECRET, "NODE_HTTP_TOKEN", TOKEN));
    StatusReport status = new StatusReport(env.vertx, new MigrationStateStore(env.adxClient,
        new AdxRowAppender(env.adxClient)), env.adxClient, Map.of(), new SharedCallBudget(env.vertx, env.time),
        env.time, Clock.systemUTC(), settings.migration(), "node-t");
    server = await(new OpsHttpServer(env.vertx, settings.http(), new Readiness(status, Map.of(), Clock.systemUTC()),
        status, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).start());
    http = WebClient.create(env.vertx);
  }

  @AfterAll
  void stop() throws Exception {
    if (server != null) {
      await(server.stop());
    }
    env.close();
  }

  @Test
  void theDataNeedsTheBearerTokenAndTheProbesDoNot() throws Exception {
    for (String path : new String[] {"/api/status", "/metrics"}) {
      HttpResponse<Buffer> none = get(path, null);
      assertThat(none.statusCode()).as(path + " without a token").isEqualTo(401);
      assertThat(none.getHeader("WWW-Authenticate")).startsWith("Bearer");
      assertThat(none.bodyAsString()).doesNotContain(TOKEN);
      assertThat(get(path, "Bearer " + TOKEN + "x").statusCode()).as(path + " with a wrong token").isEqualTo(401);
      assertThat(get(path, "Basic " + TOKEN).statusCode()).as(path + " not as a bearer token").isEqualTo(401);
      assertThat(get(path, "Bearer " + TOKEN).statusCode()).as(path + " with the token").isEqualTo(200);
    }
    assertThat(get("/api/status", "bearer " + TOKEN).bodyAsJsonObject().getString("node")).isEqualTo("node-t");

    assertThat(get("/health/live", null).statusCode()).isEqualTo(200);
    assertThat(get("/health/ready", null).statusCode()).as("a probe is never asked for a token").isIn(200, 503);
    assertThat(get("/", null).statusCode()).as("the page's files hold no data").isEqualTo(200);
    assertThat(get("/status.js", null).statusCode()).isEqualTo(200);
  }

  private HttpResponse<Buffer> get(String path, String authorization) throws Exception {
    HttpRequest<Buffer> request = http.get(server.port(), "127.0.0.1", path);
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    return await(request.send());
  }
}
