package org.defenderadx.simulator.defender;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.defenderadx.simulator.defender.auth.AadError;
import org.defenderadx.simulator.defender.auth.TokenService;
import org.defenderadx.simulator.defender.data.SimulatedTenant;
import org.defenderadx.simulator.defender.data.SimulatedTenant.TimestampFilter;
import org.defenderadx.simulator.defender.http.HuntingQueryService;
import org.defenderadx.simulator.defender.http.Reply;
import org.defenderadx.simulator.defender.limits.CallRateLimiter;
import org.defenderadx.simulator.defender.limits.CpuBudget;
import org.defenderadx.simulator.defender.limits.FaultPlan;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.defenderadx.simulator.kql.KqlEngine;
import org.defenderadx.simulator.kql.StoredRow;
import org.defenderadx.simulator.kql.TableSource;

/**
 * The Defender Advanced Hunting stand-in: token endpoints, the three hunting endpoints, and {@code /_sim/}
 * introspection, on a loopback HTTP server. Embed it with {@link #start(Vertx, DefenderSimConfig)}, or run
 * {@link DefenderSimulatorMain}.
 *
 * <p>Routes: {@code POST /{tenant}/oauth2/v2.0/token}, {@code POST /{tenant}/oauth2/token},
 * {@code POST /v1.0/security/runHuntingQuery} (also {@code /beta/...}), {@code POST /api/advancedhunting/run},
 * {@code POST /api/advancedqueries/run}, {@code GET /api/advancedqueries?key=<query>}; {@code GET /_sim/stats}, {@code GET /_sim/clock},
 * {@code POST /_sim/clock/advance?seconds=N}, {@code GET /_sim/truth?table=T&from=&to=&at=[&digests=false]}
 * (instants in ISO-8601; from/to a half-open ingestion-time range, either may be absent; at defaults to now),
 * {@code POST /_sim/faults} with {@code {"faults":["PREEMPTED",...]}}, {@code GET /_sim/info}.
 */
public final class DefenderSimulator {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DefenderSimulator.class);
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final Vertx vertx;
  private final DefenderSimConfig config;
  private final ScaledClock clock;
  private final SimulatedTenant tenant;
  private final TokenService tokens;
  private final FaultPlan faults;
  private final SimStats stats = new SimStats();
  private final HuntingQueryService hunting;
  private HttpServer server;
  private HttpServer tlsServer;
  private SelfSignedCertificate certificate;

  private DefenderSimulator(Vertx vertx, DefenderSimConfig config, SimulatedTenant tenant, Clock base) {
    this.vertx = vertx;
    this.config = config;
    this.tenant = tenant;
    this.clock = ScaledClock.start(base, config.anchor(), config.timeScale());
    this.tokens = new TokenService(clock, config.tokenLifetime(), config.clients());
    this.faults = new FaultPlan(config.faults());
    DefenderSimConfig.Limits limits = config.limits();
    this.hunting = new HuntingQueryService(vertx, config, clock, tokens, tenant, new KqlEngine(),
        new CallRateLimiter(limits.callsPerMinute(), limits.callsPerHour(), limits.rejectedCallsCount()),
        new CpuBudget(limits.cpuBudget(), limits.cpuCycle()), faults, stats);
  }

  /** Lays out the tenant (off the event loop: the large profile takes seconds) and binds the server. */
  public static Future<DefenderSimulator> start(Vertx vertx, DefenderSimConfig config) {
    return start(vertx, config, Clock.systemUTC());
  }

  /** As {@link #start(Vertx, DefenderSimConfig)}, with the clock that really passes under the scaled one. */
  public static Future<DefenderSimulator> start(Vertx vertx, DefenderSimConfig config, Clock base) {
    return vertx.executeBlocking(() -> new SimulatedTenant(config.seed(), config.profile(), config.anchor(),
            config.limits().horizon(), config.snapshotRefreshInterval()), false)
        .compose(tenant -> new DefenderSimulator(vertx, config, tenant, base).listen());
  }

  private Future<DefenderSimulator> listen() {
    Router router = Router.router(vertx);
    router.route().handler(ctx -> {
      ctx.addHeadersEndHandler(v -> ctx.response().putHeader("Date",
          HTTP_DATE.format(clock.instant().plus(config.dateSkew()))));
      ctx.next();
    });
    // No file uploads: otherwise Vert.x creates a file-uploads folder in the working directory.
    router.route().handler(BodyHandler.create(false).setBodyLimit(16L * 1024 * 1024));
    router.post("/:tenant/oauth2/v2.0/token").handler(ctx -> token(ctx, true));
    router.post("/:tenant/oauth2/token").handler(ctx -> token(ctx, false));
    router.post("/v1.0/security/runHuntingQuery").handler(ctx -> hunt(ctx, ApiFlavour.GRAPH));
    router.post("/beta/security/runHuntingQuery").handler(ctx -> hunt(ctx, ApiFlavour.GRAPH));
    router.post("/api/advancedhunting/run").handler(ctx -> hunt(ctx, ApiFlavour.XDR));
    router.post("/api/advancedqueries/run").handler(ctx -> hunt(ctx, ApiFlavour.MDE));
    // The undocumented GET variant the Power BI sample uses: the query rides in ?key=.
    router.get("/api/advancedqueries").handler(ctx -> {
      String key = ctx.request().getParam("key");
      JsonObject body = key == null ? new JsonObject() : new JsonObject().put("Query", key);
      hunting.run(ApiFlavour.MDE, ctx.request().getHeader("Authorization"), body.toBuffer(),
              ctx.request().getHeader("client-request-id"))
          .onSuccess(reply -> send(ctx, reply))
          .onFailure(ctx::fail);
    });
    router.get("/_sim/stats").handler(ctx -> sendJson(ctx, 200, stats.toJson()));
    router.get("/_sim/info").handler(ctx -> sendJson(ctx, 200, info()));
    router.get("/_sim/clock").handler(ctx -> sendJson(ctx, 200, clockJson()));
    router.post("/_sim/clock/advance").handler(this::advance);
    router.post("/_sim/faults").handler(this::faults);
    router.get("/_sim/truth").handler(this::truth);
    // The same routes over TLS as well, on a port of their own: identity libraries (MSAL) refuse a token
    // authority that is not https, so clients that use them get their tokens from here.
    certificate = SelfSignedCertificate.create("localhost");
    Future<HttpServer> tls = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(0)
            .setSsl(true).setKeyCertOptions(certificate.keyCertOptions()).setCompressionSupported(false))
        .requestHandler(router)
        .listen()
        .onSuccess(s -> tlsServer = s);
    return tls.compose(t -> vertx.createHttpServer(new HttpServerOptions().setHost(config.host())
            .setPort(config.port()).setCompressionSupported(false))
        .requestHandler(router)
        .listen())
        .map(s -> {
          server = s;
          LOG.info("Defender simulator on {} (profile {}, seed {}, anchor {}, time scale {})", baseUrl(),
              config.profile(), config.seed(), config.anchor(), config.timeScale());
          return this;
        });
  }

  public int port() {
    return server.actualPort();
  }

  /** {@code http://127.0.0.1:port}: use it as the base of every API and token URL. */
  public String baseUrl() {
    return "http://" + config.host() + ":" + port();
  }

  /**
   * {@code https://localhost:port}: the same API over TLS with a self-signed certificate for {@code localhost}
   * (see {@link #certificatePath()}), for token clients that insist on an https authority.
   */
  public String tlsBaseUrl() {
    return "https://localhost:" + tlsServer.actualPort();
  }

  /** The PEM certificate the TLS port presents; tests add it to a trust store. */
  public String certificatePath() {
    return certificate.certificatePath();
  }

  public Future<Void> stop() {
    Future<Void> tls = tlsServer == null ? Future.succeededFuture() : tlsServer.close();
    return tls.compose(v -> server == null ? Future.succeededFuture() : server.close());
  }

  public DefenderSimConfig config() {
    return config;
  }

  /** The simulated clock the API runs on; tests may {@link ScaledClock#advance} it. */
  public ScaledClock clock() {
    return clock;
  }

  public SimStats stats() {
    return stats;
  }

  public SimulatedTenant tenant() {
    return tenant;
  }

  /** The next query calls meet these faults, in order, before any random ones. */
  public void injectFaults(SimFault... next) {
    faults.inject(List.of(next));
  }

  /**
   * Ground truth: the {@link RowDigest}s (sorted) of the rows a table held at {@code at} whose ingestion time falls
   * in {@code range}, as the API would serve them with the table's full schema at that moment. Ignores
   * Graph's Timespan (it is what the source held, not what a call could see).
   */
  public List<String> groundTruth(String table, IngestionTimeRange range, Instant at) {
    TableSource source = tenant.at(at, TimestampFilter.NONE).table(table)
        .orElseThrow(() -> new IllegalArgumentException("no such table: " + table));
    List<String> digests = new ArrayList<>();
    for (Iterator<StoredRow> it = source.scan(range); it.hasNext(); ) {
      StoredRow row = it.next();
      if (range.contains(row.ingestionTime())) {
        digests.add(RowDigest.of(source.columns(), row.values()));
      }
    }
    digests.sort(null);
    return digests;
  }

  private void hunt(RoutingContext ctx, ApiFlavour flavour) {
    hunting.run(flavour, ctx.request().getHeader("Authorization"), ctx.body().buffer(),
            ctx.request().getHeader("client-request-id"))
        .onSuccess(reply -> send(ctx, reply))
        .onFailure(err -> sendJson(ctx, 500, new JsonObject().put("error", new JsonObject()
            .put("code", "InternalServerError").put("message", "simulator failure: " + err))));
  }

  private void send(RoutingContext ctx, Reply reply) {
    Runnable write = () -> {
      HttpServerResponse resp = ctx.response().setStatusCode(reply.status());
      reply.headers().forEach(resp::putHeader);
      resp.end(reply.body());
    };
    if (reply.delay().isZero()) {
      write.run();
    } else {
      vertx.setTimer(Math.max(1, clock.toBase(reply.delay()).toMillis()), id -> write.run());
    }
  }

  private void token(RoutingContext ctx, boolean v2) {
    String tenantId = ctx.pathParam("tenant");
    Map<String, String> form = new HashMap<>();
    ctx.request().formAttributes().forEach(e -> form.put(e.getKey(), e.getValue()));
    TokenService.Issued issued = v2 ? tokens.issueV2(tenantId, form) : tokens.issueV1(tenantId, form);
    String kind = v2 ? "token-v2" : "token-v1";
    if (issued.error() != null) {
      stats.call(kind, issued.error().status());
      sendJson(ctx, issued.error().status(), aadError(issued.error()));
    } else {
      stats.call(kind, 200);
      ctx.response().putHeader("Cache-Control", "no-store, no-cache");
      sendJson(ctx, 200, issued.token());
    }
  }

  private JsonObject aadError(AadError e) {
    String trace = UUID.randomUUID().toString();
    String correlation = UUID.randomUUID().toString();
    String ts = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC)
        .format(clock.instant());
    return new JsonObject()
        .put("error", e.error())
        .put("error_description", "AADSTS" + e.aadstsCode() + ": " + e.description() + "\r\nTrace ID: " + trace
            + "\r\nCorrelation ID: " + correlation + "\r\nTimestamp: " + ts)
        .put("error_codes", new JsonArray().add(e.aadstsCode()))
        .put("timestamp", ts)
        .put("trace_id", trace)
        .put("correlation_id", correlation)
        .put("error_uri", "https://login.microsoftonline.com/error?code=" + e.aadstsCode());
  }

  private JsonObject info() {
    DefenderSimConfig.ClientRegistration c = config.clients().isEmpty() ? null : config.clients().get(0);
    return new JsonObject()
        .put("baseUrl", baseUrl())
        .put("tenantId", c == null ? null : c.tenantId())
        .put("clientId", c == null ? null : c.clientId())
        .put("profile", config.profile().name().toLowerCase(Locale.ROOT))
        .put("seed", config.seed())
        .put("anchor", ServedValues.datetime(config.anchor()))
        .put("tables", new JsonArray(tenant.tableNames()));
  }

  private JsonObject clockJson() {
    return new JsonObject().put("now", ServedValues.datetime(clock.instant())).put("scale", clock.scale());
  }

  private void advance(RoutingContext ctx) {
    try {
      double seconds = Double.parseDouble(ctx.request().getParam("seconds", "0"));
      clock.advance(Duration.ofNanos((long) (seconds * 1e9)));
      sendJson(ctx, 200, clockJson());
    } catch (IllegalArgumentException e) {
      sendJson(ctx, 400, new JsonObject().put("error", e.getMessage()));
    }
  }

  private void faults(RoutingContext ctx) {
    try {
      JsonArray names = ctx.body().asJsonObject().getJsonArray("faults");
      List<SimFault> list = new ArrayList<>();
      for (Object n : names) {
        list.add(SimFault.valueOf(n.toString().toUpperCase(Locale.ROOT)));
      }
      faults.inject(list);
      sendJson(ctx, 200, new JsonObject().put("injected", list.size()));
    } catch (RuntimeException e) {
      sendJson(ctx, 400, new JsonObject().put("error", "expected {\"faults\":[\"PREEMPTED\",...]}: " + e.getMessage()));
    }
  }

  private void truth(RoutingContext ctx) {
    String table = ctx.request().getParam("table");
    Instant at;
    IngestionTimeRange range;
    try {
      String atParam = ctx.request().getParam("at");
      at = atParam == null ? clock.instant() : Instant.parse(atParam);
      String from = ctx.request().getParam("from");
      String to = ctx.request().getParam("to");
      range = new IngestionTimeRange(from == null ? null : Instant.parse(from), to == null ? null : Instant.parse(to));
    } catch (RuntimeException e) {
      sendJson(ctx, 400, new JsonObject().put("error", "from, to and at are ISO-8601 instants: " + e.getMessage()));
      return;
    }
    if (table == null || tenant.at(at, TimestampFilter.NONE).table(table).isEmpty()) {
      sendJson(ctx, 404, new JsonObject().put("error", "no such table: " + table));
      return;
    }
    boolean withDigests = !"false".equalsIgnoreCase(ctx.request().getParam("digests"));
    vertx.executeBlocking(() -> groundTruth(table, range, at), false)
        .onSuccess(d -> {
          JsonObject body = new JsonObject()
              .put("table", table)
              .put("at", ServedValues.datetime(at))
              .put("from", range.from() == null ? null : ServedValues.datetime(range.from()))
              .put("to", range.to() == null ? null : ServedValues.datetime(range.to()))
              .put("count", d.size());
          if (withDigests) {
            body.put("digests", new JsonArray(d));
          }
          sendJson(ctx, 200, body);
        })
        .onFailure(ctx::fail);
  }

  private static void sendJson(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(body.toBuffer());
  }
}
