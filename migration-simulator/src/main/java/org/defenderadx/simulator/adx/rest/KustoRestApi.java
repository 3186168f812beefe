package org.defenderadx.simulator.adx.rest;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.defenderadx.simulator.adx.AdxFaults;
import org.defenderadx.simulator.adx.command.CommandException;
import org.defenderadx.simulator.adx.command.CommandExecutor;
import org.defenderadx.simulator.adx.command.TabularResult;
import org.defenderadx.simulator.adx.ingest.DataFormatParser;
import org.defenderadx.simulator.adx.ingest.IngestionFailure;
import org.defenderadx.simulator.adx.ingest.Ingestor;
import org.defenderadx.simulator.adx.ingest.ParsedData;
import org.defenderadx.simulator.adx.store.Cluster;
import org.defenderadx.simulator.adx.store.Database;
import org.defenderadx.simulator.adx.store.Extent;
import org.defenderadx.simulator.adx.store.NoSuchEntityException;
import org.defenderadx.simulator.kql.KqlEngine;
import org.defenderadx.simulator.kql.KqlException;
import org.defenderadx.simulator.kql.KqlType;
import org.defenderadx.simulator.kql.QueryContext;
import org.defenderadx.simulator.kql.QueryResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kusto REST surface the Java SDK uses: cloud metadata (404), {@code /v1/rest/mgmt}, {@code /v2/rest/query} and
 * streaming ingestion. Commands and queries run on worker threads; responses are never compressed.
 */
public final class KustoRestApi {
  private static final Logger LOG = LoggerFactory.getLogger(KustoRestApi.class);
  private static final Pattern DECLARE_PARAMS =
      Pattern.compile("^\\s*declare\\s+query_parameters\\s*\\(([^)]*)\\)\\s*;", Pattern.CASE_INSENSITIVE);

  /** Limits the REST surface enforces. */
  public record Limits(long queryRecordLimit, long streamingMaxBytes, boolean requireStreamingIngestionPolicy) {
  }

  private final Vertx vertx;
  private final Cluster cluster;
  private final CommandExecutor commands;
  private final KqlEngine engine;
  private final Ingestor ingestor;
  private final AdxFaults faults;
  private final Clock clock;
  private final Limits limits;
  private final Function<String, byte[]> blobDownloader;
  private final Consumer<String> commandLog;

  /** @param commandLog told the text of every management command received, before it runs */
  public KustoRestApi(Vertx vertx, Cluster cluster, CommandExecutor commands, KqlEngine engine, Ingestor ingestor,
                      AdxFaults faults, Clock clock, Limits limits, Function<String, byte[]> blobDownloader,
                      Consumer<String> commandLog) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.commands = commands;
    this.engine = engine;
    this.ingestor = ingestor;
    this.faults = faults;
    this.clock = clock;
    this.limits = limits;
    this.blobDownloader = blobDownloader;
    this.commandLog = commandLog;
  }

  public Router router() {
    Router r = Router.router(vertx);
    r.get("/v1/rest/auth/metadata").handler(ctx -> ctx.response().setStatusCode(404).end());
    r.post().handler(BodyHandler.create().setBodyLimit(64L * 1024 * 1024).setHandleFileUploads(false));
    r.post("/v1/rest/mgmt").handler(this::mgmt);
    r.post("/v2/rest/query").handler(this::query);
    r.post("/v1/rest/query").handler(this::query);
    r.post("/v1/rest/ingest/:db/:table").handler(this::streamingIngest);
    r.route().last().handler(ctx -> respondError(ctx, new AdxError(404, "NotFound", "Kusto.Common.Svc.Exceptions."
        + "EndpointNotFoundException", "The ADX stand-in does not serve " + ctx.request().method() + " "
        + ctx.request().path(), true)));
    return r;
  }

  private void mgmt(RoutingContext ctx) {
    JsonObject body = requestBody(ctx);
    if (body == null) {
      return;
    }
    String db = body.getString("db", "NetDefaultDb");
    String csl = body.getString("csl", "");
    commandLog.accept(csl);
    if (injectFault(ctx, AdxFaults.Endpoint.MGMT, csl)) {
      return;
    }
    Future<Buffer> f = vertx.executeBlocking(() -> {
      TabularResult result = commands.execute(db, csl);
      return KustoResponses.v1(List.of(result));
    }, false);
    respond(ctx, f, "command '" + firstLine(csl) + "'");
  }

  private void query(RoutingContext ctx) {
    JsonObject body = requestBody(ctx);
    if (body == null) {
      return;
    }
    String dbName = body.getString("db", "NetDefaultDb");
    String csl = body.getString("csl", "");
    JsonObject props = properties(body);
    if (injectFault(ctx, AdxFaults.Endpoint.QUERY, csl)) {
      return;
    }
    Future<Buffer> f = vertx.executeBlocking(() -> {
      Database db = cluster.database(dbName);
      String query = bindParameters(csl, props.getJsonObject("Parameters", new JsonObject()));
      QueryResult r = engine.execute(query, new QueryContext(db, clock.instant()));
      JsonObject options = props.getJsonObject("Options", new JsonObject());
      Object maxRecords = options.getValue("truncationmaxrecords");
      long limit = "true".equalsIgnoreCase(String.valueOf(options.getValue("notruncation"))) ? Long.MAX_VALUE
          : maxRecords instanceof Number n ? n.longValue()
          : maxRecords instanceof String t && t.matches("\\d+") ? Long.parseLong(t) : limits.queryRecordLimit();
      return KustoResponses.v2(r.columns(), r.rows(), limit);
    }, false);
    respond(ctx, f, "query '" + firstLine(csl) + "'");
  }

  /**
   * Turns {@code declare query_parameters(a:type[=default], ...);} into {@code let} statements with the values the
   * client sent (already KQL literals), so the engine sees plain lets.
   */
  static String bindParameters(String csl, JsonObject params) {
    Matcher m = DECLARE_PARAMS.matcher(csl);
    if (!m.find()) {
      return csl;
    }
    StringBuilder lets = new StringBuilder();
    for (String decl : m.group(1).split(",")) {
      String d = decl.trim();
      if (d.isEmpty()) {
        continue;
      }
      String name = d.substring(0, d.indexOf(':')).trim();
      String typeAndDefault = d.substring(d.indexOf(':') + 1).trim();
      String value = params.getValue(name) == null ? null : String.valueOf(params.getValue(name));
      if (value == null && typeAndDefault.contains("=")) {
        value = typeAndDefault.substring(typeAndDefault.indexOf('=') + 1).trim();
      }
      if (value == null) {
        throw AdxError.badRequest("Kusto.Data.Exceptions.SemanticException",
            "Query parameter '" + name + "' was declared but no value was provided");
      }
      lets.append("let ").append(name).append(" = ").append(value).append(";\n");
    }
    return lets + csl.substring(m.end());
  }

  private void streamingIngest(RoutingContext ctx) {
    String db = ctx.pathParam("db");
    String table = ctx.pathParam("table");
    String format = Optional.ofNullable(ctx.request().getParam("streamFormat")).orElse("csv");
    String mapping = ctx.request().getParam("mappingName");
    boolean fromUri = "uri".equalsIgnoreCase(ctx.request().getParam("sourceKind"));
    if (injectFault(ctx, AdxFaults.Endpoint.STREAMING_INGEST, db + "/" + table)) {
      return;
    }
    Buffer raw = ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
    Future<Buffer> f = vertx.executeBlocking(() -> {
      Database database = cluster.database(db);
      if (limits.requireStreamingIngestionPolicy() && !streamingEnabled(database, table)) {
        throw AdxError.badRequest("Kusto.DataNode.Exceptions.StreamingIngestionPolicyNotEnabledException",
            "Streaming ingestion policy is not enabled for table '" + table + "' in database '" + db + "'");
      }
      if (DataFormatParser.isJson(format) && (mapping == null || mapping.isBlank())) {
        throw AdxError.badRequest("Kusto.DataNode.Exceptions.StreamingIngestionRequestException",
            "Streaming ingestion of format '" + format + "' requires a pre-created ingestion mapping (mappingName)");
      }
      byte[] data;
      if (fromUri) {
        String uri = new JsonObject(raw).getString("sourceUri");
        data = blobDownloader.apply(uri);
      } else {
        data = raw.getBytes();
      }
      byte[] plain = Ingestor.decompressIfGzip(data);
      if (plain.length > limits.streamingMaxBytes()) {
        throw new AdxError(413, "BadRequest_StreamingIngestionDataSizeExceedsLimit",
            "Kusto.DataNode.Exceptions.StreamingIngestionRequestException", "Streaming ingestion request of "
            + plain.length + " bytes exceeds the limit of " + limits.streamingMaxBytes() + " bytes; use queued ingestion",
            true);
      }
      ParsedData parsed = ingestor.parse(database, table, plain, format, mapping, null, false);
      if (parsed.goodRecords() == 0 && parsed.badRecords() > 0) {
        throw AdxError.badRequest("Kusto.DataNode.Exceptions.StreamingIngestionRequestException",
            "No record could be parsed: " + parsed.firstError());
      }
      Extent e = ingestor.append(database, table, List.of(parsed), List.of());
      return KustoResponses.v1(List.of(TabularResult.of("ExtentId", KqlType.GUID, "RowCount", KqlType.LONG,
          "BadRecords", KqlType.LONG).row(e == null ? null : e.id(), (long) parsed.goodRecords(),
          (long) parsed.badRecords()).build()));
    }, false);
    respond(ctx, f, "streaming ingestion into " + db + "." + table);
  }

  private static boolean streamingEnabled(Database db, String table) {
    Optional<String> policy = db.findTable(table).flatMap(t -> t.policy("streamingingestion"))
        .or(() -> db.policy("streamingingestion"));
    return policy.map(p -> p.replace(" ", "").contains("\"IsEnabled\":true")).orElse(false);
  }

  // ------------------------------------------------------------------ plumbing

  private JsonObject requestBody(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body == null) {
        throw new IllegalArgumentException("empty body");
      }
      return body;
    } catch (RuntimeException e) {
      respondError(ctx, AdxError.badRequest("Kusto.Data.Exceptions.BadRequestException",
          "The request body must be a JSON object with 'db' and 'csl': " + e.getMessage()));
      return null;
    }
  }

  /** {@code properties} arrives as a JSON-encoded string from the Java SDK, or as an object from other clients. */
  private static JsonObject properties(JsonObject body) {
    Object p = body.getValue("properties");
    if (p instanceof JsonObject o) {
      return o;
    }
    if (p instanceof String s && !s.isBlank()) {
      return new JsonObject(s);
    }
    if (p instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, Object> mm = (Map<String, Object>) m;
      return new JsonObject(mm);
    }
    return new JsonObject();
  }

  private boolean injectFault(RoutingContext ctx, AdxFaults.Endpoint endpoint, String text) {
    Optional<AdxFaults.RequestFault> fault = faults.nextRequestFault(endpoint, text);
    if (fault.isEmpty()) {
      return false;
    }
    AdxFaults.RequestFault rf = fault.get();
    AdxError e = switch (rf.kind()) {
      case THROTTLE -> new AdxError(429, "TooManyRequests", "Kusto.DataNode.Exceptions.ThrottledException",
          rf.message(), false);
      case TRANSIENT -> new AdxError(503, "ServiceUnavailable", "Kusto.Common.Svc.Exceptions.ServiceUnavailable"
          + "Exception", rf.message(), false);
      case PERMANENT -> AdxError.badRequest("Kusto.Data.Exceptions.BadRequestException", rf.message());
    };
    LOG.debug("Injected {} on {}", rf.kind(), endpoint);
    respondError(ctx, e);
    return true;
  }

  private void respond(RoutingContext ctx, Future<Buffer> result, String what) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        headers(ctx);
        ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(ar.result());
      } else {
        respondError(ctx, toAdxError(ar.cause(), what));
      }
    });
  }

  static AdxError toAdxError(Throwable t, String what) {
    if (t instanceof AdxError e) {
      return e;
    }
    if (t instanceof KqlException k) {
      String type = k.kind() == KqlException.Kind.SYNTAX ? "Kusto.Data.Exceptions.SyntaxException"
          : "Kusto.Data.Exceptions.SemanticException";
      String prefix = k.kind() == KqlException.Kind.SYNTAX ? "Syntax error: " : "Semantic error: ";
      return new AdxError(400, k.kind() == KqlException.Kind.SYNTAX ? "General_BadRequest" : "SEM0100", type,
          prefix + k.getMessage(), true);
    }
    if (t instanceof NoSuchEntityException n) {
      return new AdxError(400, "General_BadRequest", "Kusto.Data.Exceptions.EntityNotFoundException", n.getMessage(),
          true);
    }
    if (t instanceof IngestionFailure f) {
      return new AdxError(400, f.errorCode(), "Kusto.DataNode.Exceptions.IngestionException", f.getMessage(),
          f.permanent());
    }
    if (t instanceof CommandException || t instanceof IllegalArgumentException) {
      return AdxError.badRequest("Kusto.Data.Exceptions.BadRequestException", t.getMessage());
    }
    LOG.warn("Unexpected failure in {}", what, t);
    return new AdxError(500, "InternalServiceError", "Kusto.Common.Svc.Exceptions.InternalServiceException",
        "Internal error in the ADX stand-in while running " + what + ": " + t, false);
  }

  private static void respondError(RoutingContext ctx, AdxError e) {
    headers(ctx);
    ctx.response().setStatusCode(e.status()).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(KustoResponses.error(e));
  }

  private static void headers(RoutingContext ctx) {
    ctx.response().putHeader("x-ms-activity-id", UUID.randomUUID().toString());
    String requestId = ctx.request().getHeader("x-ms-client-request-id");
    if (requestId != null) {
      ctx.response().putHeader("x-ms-client-request-id", requestId);
    }
  }

  private static String firstLine(String s) {
    String l = s.strip().lines().findFirst().orElse("");
    return l.length() > 100 ? l.substring(0, 100) + "..." : l;
  }
}
