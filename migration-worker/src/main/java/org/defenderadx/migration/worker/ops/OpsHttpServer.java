package org.defenderadx.migration.worker.ops;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.PrometheusRequestHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import org.defenderadx.migration.common.config.HttpConfig;

/**
 * The node's ops endpoints, on Vert.x core's HTTP server (a handful of fixed GET routes need no router):
 * <ul>
 *   <li>{@code /health/live}: 200 while the event loop answers</li>
 *   <li>{@code /health/ready}: 200 when {@link Readiness} says ready, else 503; the JSON body names each check</li>
 *   <li>{@code /health}: both; 200 only when live and ready</li>
 *   <li>{@code /metrics}: the node's Prometheus registry (Vert.x meters and {@link MigrationMetrics})</li>
 *   <li>{@code /api/status}: the {@link StatusReport} document</li>
 *   <li>{@code /}: the status page ({@code ops/status.html}, {@code ops/status.js}, {@code ops/status.css} from the
 *       class path)</li>
 * </ul>
 * With {@code http.tokenEnv} / {@code http.tokenFile} set, {@code /api/status} and {@code /metrics} (the data) answer
 * 401 unless the request bears the token ({@code Authorization: Bearer}, compared in constant time by
 * {@link OpsToken}); the health endpoints stay open for probes, and the page's files hold no data.
 */
public final class OpsHttpServer {

  private static final Map<String, String> PAGE = Map.of(
      "/", "ops/status.html", "/status.js", "ops/status.js", "/status.css", "ops/status.css");

  private final Vertx vertx;
  private final HttpConfig config;
  private final Readiness readiness;
  private final StatusReport status;
  private final Handler<HttpServerRequest> metrics;
  /** Empty: the data endpoints are open. */
  private final Optional<OpsToken> token;
  /** The page's files, read once: the event loop never reads the class path. */
  private final Map<String, Buffer> page = new java.util.HashMap<>();
  private HttpServer server;

  public OpsHttpServer(Vertx vertx, HttpConfig config, Readiness readiness, StatusReport status,
                       PrometheusMeterRegistry registry) {
    this.vertx = vertx;
    this.config = config;
    this.readiness = readiness;
    this.status = status;
    this.metrics = PrometheusRequestHandler.create(registry, "/metrics");
    this.token = config.token().map(t -> new OpsToken(Optional.of(t)));
    PAGE.forEach((path, name) -> page.put(path, resource(name)));
  }

  private static Buffer resource(String name) {
    try (InputStream in = OpsHttpServer.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is not on the class path: the jar is incomplete");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Listens on the configured host and port (port 0: a free one, see {@link #port()}). */
  public Future<OpsHttpServer> start() {
    return vertx.createHttpServer().requestHandler(this::handle).listen(config.port(), config.host())
        .map(s -> {
          server = s;
          return this;
        });
  }

  /** The port bound. */
  public int port() {
    return server.actualPort();
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest req) {
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      req.response().setStatusCode(405).putHeader("Allow", "GET").end();
      return;
    }
    String path = req.path();
    if ((path.equals("/metrics") || path.equals("/api/status")) && !authorized(req)) {
      req.response().putHeader("WWW-Authenticate", "Bearer realm=\"defender-adx-migration\"");
      json(req, 401, new JsonObject().put("error", "this node's " + path + " needs its ops HTTP token "
          + "(http.tokenEnv / http.tokenFile) as 'Authorization: Bearer <token>'"));
      return;
    }
    switch (path) {
      case "/health/live" -> json(req, 200, live());
      case "/health/ready" -> readiness.check().onComplete(ar -> {
        JsonObject verdict = ar.result();
        json(req, verdict.getBoolean("ready") ? 200 : 503, verdict);
      });
      case "/health" -> readiness.check().onComplete(ar -> {
        JsonObject verdict = ar.result();
        json(req, verdict.getBoolean("ready") ? 200 : 503,
            new JsonObject().put("live", live()).put("ready", verdict));
      });
      case "/metrics" -> metrics.handle(req);
      case "/api/status" -> status.current().onComplete(ar -> {
        if (ar.succeeded()) {
          json(req, 200, ar.result());
        } else {
          json(req, 503, new JsonObject().put("error", "the status cannot be read from ADX: "
              + ar.cause().getMessage()));
        }
      });
      default -> resource(req, path);
    }
  }

  private boolean authorized(HttpServerRequest req) {
    if (token.isEmpty()) {
      return true;
    }
    String header = req.getHeader("Authorization");
    String prefix = "Bearer ";
    return header != null && header.regionMatches(true, 0, prefix, 0, prefix.length())
        && token.get().matches(header.substring(prefix.length()).strip());
  }

  private static JsonObject live() {
    return new JsonObject().put("live", true);
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("Cache-Control", "no-store").end(body.encodePrettily());
  }

  private void resource(HttpServerRequest req, String path) {
    Buffer body = page.get(path);
    if (body == null) {
      req.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
          .end("not found: " + path + " (try /, /api/status, /health, /metrics)\n");
      return;
    }
    String type = path.endsWith(".js") ? "text/javascript" : path.endsWith(".css") ? "text/css" : "text/html";
    req.response().putHeader("Content-Type", type + "; charset=utf-8").putHeader("Cache-Control", "no-cache")
        .end(body);
  }
}
