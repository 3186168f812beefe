package org.defenderadx.migration.worker.defender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.TenantConfig;
import org.defenderadx.migration.common.model.ApiFlavour;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.outcome.Action;
import org.defenderadx.migration.common.outcome.Attempt;
import org.defenderadx.migration.common.outcome.Outcome;
import org.defenderadx.migration.common.outcome.OutcomeClassifier;
import org.defenderadx.migration.common.outcome.RetryPolicy;
import org.defenderadx.migration.common.quota.QuotaLimits;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowSplitter;
import org.defenderadx.migration.worker.auth.AccessTokenSource;
import org.defenderadx.migration.worker.export.Fetched;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.export.WindowFetcher;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client against a real HTTP server on loopback that answers the way no well-behaved service would: too much, too
 * large, too long, the wrong thing, or not at all. Every answer ends as a clear {@link HuntingResponse}, soon, in
 * bounded memory.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HostileResponsesTest {

  private static final Provenance PROVENANCE = new Provenance("t1", "DeviceEvents", "w1", null);
  private static final long MB = 1024 * 1024;
  /** Small limits, so the hostile cases are cheap: 1 MB bodies, 64 KB rows. */
  private static final ResponseLimits SMALL = new ResponseLimits(MB, 64 * 1024);
  private static final byte[] ROW = ("{\"Timestamp\":\"2026-11-01T00:00:00.1234567Z\",\"DeviceName\":\"host-1\","
      + "\"ActionType\":\"ProcessCreated\",\"AdditionalFields\":\"" + "x".repeat(3_000) + "\"}")
      .getBytes(StandardCharsets.UTF_8);

  private final Vertx vertx = Vertx.vertx();
  private final AtomicReference<Handler<HttpServerRequest>> behaviour = new AtomicReference<>();
  /** Body bytes the server got written before it stopped or the client went away. */
  private final AtomicLong served = new AtomicLong();
  private final AtomicBoolean clientLeft = new AtomicBoolean();
  private HttpServer server;
  private WorkerExecutor pool;

  @BeforeEach
  void start() throws Exception {
    server = await(vertx.createHttpServer().requestHandler(req -> {
      req.connection().closeHandler(v -> clientLeft.set(true));
      behaviour.get().handle(req);
    }).listen(0, "127.0.0.1"));
    pool = vertx.createSharedWorkerExecutor("hostile-parse", 2);
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(150, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private URI url() {
    return URI.create("http://127.0.0.1:" + server.actualPort() + "/v1.0/security/runHuntingQuery");
  }

  private HuntingResponse call(ResponseLimits limits, Duration timeout) throws Exception {
    HuntingClient client = new HuntingClient(vertx, vertx.createHttpClient(new HttpClientOptions()),
        Clock.systemUTC(), timeout, pool, limits);
    return await(client.run(url(), Optional.empty(), "{}", new WindowBlobWriter(PROVENANCE, 0)));
  }

  private HuntingResponse call() throws Exception {
    return call(SMALL, Duration.ofSeconds(20));
  }

  private void answer(int status, String contentType, String body) {
    behaviour.set(req -> {
      HttpServerResponse resp = req.response().setStatusCode(status);
      if (contentType != null) {
        resp.putHeader("Content-Type", contentType);
      }
      resp.end(body);
    });
  }

  private static String hunting(int rows) {
    JsonArray results = new JsonArray();
    for (int i = 0; i < rows; i++) {
      results.add(new JsonObject().put("DeviceName", "h" + i).put("Seq", i));
    }
    return new JsonObject().put("schema", new JsonArray()).put("results", results).encode();
  }

  /** Streams {@code head}, then {@code block} until {@code total} bytes, then {@code tail}, as fast as read. */
  private void stream(int status, String head, byte[] block, long total, String tail) {
    behaviour.set(req -> {
      HttpServerResponse resp = req.response().setStatusCode(status).setChunked(true)
          .putHeader("Content-Type", "application/json; charset=utf-8");
      resp.write(head);
      served.addAndGet(head.length());
      Buffer chunk = Buffer.buffer(block);
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        while (served.get() < total && !resp.writeQueueFull() && !clientLeft.get()) {
          resp.write(chunk);
          served.addAndGet(chunk.length());
        }
        if (clientLeft.get()) {
          return;
        }
        if (served.get() < total) {
          resp.drainHandler(v -> pump[0].run());
        } else {
          resp.end(tail);
        }
      };
      pump[0].run();
    });
  }

  /** Rows of {@link #ROW}, 64 KB of them at a time, each followed by a comma (the last row closes the array). */
  private static byte[] rowBlock() {
    Buffer b = Buffer.buffer();
    while (b.length() < 64 * 1024) {
      b.appendBytes(ROW).appendString(",");
    }
    return b.getBytes();
  }

  private static String reason(HuntingResponse resp) {
    assertThat(resp).isInstanceOf(HuntingResponse.Unusable.class);
    return ((HuntingResponse.Unusable) resp).reason();
  }

  // --- Too much ---

  @Test
  void aBodyPastTheByteCapIsCutOffThereNotReadToTheEnd() throws Exception {
    // GIVEN a 200 of 1 GB of rows
    stream(200, "{\"schema\":[],\"results\":[", rowBlock(), 1024 * MB, new String(ROW, StandardCharsets.UTF_8) + "]}");

    // WHEN read with a 1 MB cap
    HuntingResponse resp = call();

    // THEN it is reported as cut, and the server was stopped long before the end
    assertThat(resp).isInstanceOf(HuntingResponse.Cut.class);
    HuntingResponse.Cut cut = (HuntingResponse.Cut) resp;
    assertThat(cut.bytesRead()).isGreaterThan(MB).isLessThan(2 * MB);
    assertThat(cut.limit()).isEqualTo(MB);
    assertThat(served.get()).isLessThan(64 * MB);
  }

  @Test
  void aBodyJustUnderTheCapIsRead() throws Exception {
    int rows = (int) (MB / (ROW.length + 1)) - 2;
    stream(200, "{\"schema\":[],\"results\":[", (new String(ROW, StandardCharsets.UTF_8) + ",")
        .getBytes(StandardCharsets.UTF_8), (long) rows * (ROW.length + 1), new String(ROW, StandardCharsets.UTF_8) + "]}");

    HuntingResponse resp = call();

    assertThat(resp).isInstanceOf(HuntingResponse.Rows.class);
    assertThat(((HuntingResponse.Rows) resp).blob().rows()).isEqualTo(rows + 1);
  }

  @Test
  void aCutResponseSplitsTheWindowInsteadOfFailingIt() throws Exception {
    stream(200, "{\"schema\":[],\"results\":[", rowBlock(), 1024 * MB, new String(ROW, StandardCharsets.UTF_8) + "]}");
    Window window = Window.of(Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-01T01:00:00Z"));

    Fetched f = fetch(window);

    assertThat(f).isInstanceOf(Fetched.Split.class);
    assertThat(((Fetched.Split) f).children()).hasSize(2);
    assertThat(((Fetched.Split) f).reason()).contains("cut off").contains(String.valueOf(MB));
  }

  @Test
  void anEndlessErrorBodyIsReadOnlyAsFarAsTheClassifierNeeds() throws Exception {
    stream(429, "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"", "y".repeat(64 * 1024)
        .getBytes(StandardCharsets.UTF_8), 1024 * MB, "\"}}");

    HuntingResponse resp = call();

    assertThat(resp).isInstanceOf(HuntingResponse.HttpError.class);
    HuntingResponse.HttpError error = (HuntingResponse.HttpError) resp;
    assertThat(error.status()).isEqualTo(429);
    assertThat(error.body()).hasSize(HuntingBodyCodec.MAX_ERROR_BODY).startsWith("{\"error\"");
    assertThat(served.get()).isLessThan(64 * MB);
  }

  @Test
  void aGigabyteOfRowsStreamsThroughInBoundedMemory() throws Exception {
    // GIVEN 1 GB of rows (twice what -Xmx2g could hold as text) generated as they are sent, and limits that let it all
    // through; live heap is measured after a collection at every 64 MB sent
    System.gc();
    long baseline = liveHeap();
    AtomicLong peak = new AtomicLong();
    byte[] block = rowBlock();
    long total = 1024 * MB;
    behaviour.set(req -> {
      HttpServerResponse resp = req.response().setChunked(true).putHeader("Content-Type", "application/json");
      resp.write("{\"schema\":[],\"results\":[");
      Buffer chunk = Buffer.buffer(block);
      long[] nextSample = {64 * MB};
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        while (served.get() < total && !resp.writeQueueFull()) {
          resp.write(chunk);
          if (served.addAndGet(chunk.length()) >= nextSample[0]) {
            nextSample[0] += 64 * MB;
            System.gc();
            peak.accumulateAndGet(liveHeap(), Math::max);
          }
        }
        if (served.get() < total) {
          resp.drainHandler(v -> pump[0].run());
        } else {
          resp.end(new String(ROW, StandardCharsets.UTF_8) + "]}");
        }
      };
      pump[0].run();
    });

    // WHEN
    HuntingResponse resp = call(new ResponseLimits(2048 * MB, MB), Duration.ofMinutes(3));

    // THEN every row arrived, and live memory never grew by more than the blob (gzip'd, a few MB) and buffers: a
    // quarter of what the body would take as bytes (held as a String it would be twice that again)
    assertThat(resp).isInstanceOf(HuntingResponse.Rows.class);
    long rowsPerBlock = block.length / (ROW.length + 1);
    long blocks = (total + block.length - 1) / block.length;
    assertThat(((HuntingResponse.Rows) resp).blob().rows()).isEqualTo(blocks * rowsPerBlock + 1);
    assertThat(peak.get()).isGreaterThan(0);
    assertThat(peak.get() - baseline).as("live heap growth while 1 GB streamed").isLessThan(256 * MB);
  }

  private static long liveHeap() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  // --- Too large a row ---

  @Test
  void aRowPastTheRowLimitFailsTheCallNamingTableAndWindow() throws Exception {
    answer(200, "application/json", "{\"schema\":[],\"results\":[{\"a\":1},{\"Huge\":\"" + "z".repeat(300_000)
        + "\"}]}");

    String reason = reason(call());

    assertThat(reason).contains("DeviceEvents").contains("window w1").contains("tenant 't1'")
        .contains("migration.maxRowSize").contains("row 2");
  }

  @Test
  void aRowOfManySmallValuesPastTheLimitFailsToo() throws Exception {
    answer(200, "application/json", "{\"results\":[{\"Many\":[" + "1,".repeat(200_000) + "1]}]}");

    assertThat(reason(call())).contains("too large").contains("DeviceEvents");
  }

  @Test
  void aRowPastTheLimitFailsTheWindowRatherThanSplittingIt() throws Exception {
    answer(200, "application/json", "{\"results\":[{\"Huge\":\"" + "z".repeat(300_000) + "\"}]}");
    Window window = Window.of(Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-01T01:00:00Z"));

    Fetched f = fetch(window);

    assertThat(f).isInstanceOf(Fetched.Failed.class);
    assertThat(((Fetched.Failed) f).reason()).contains("too large").contains("DeviceEvents");
  }

  @Test
  void theRowBufferNeverGrowsPastTheRowLimit() throws Exception {
    WindowBlobWriter writer = new WindowBlobWriter(PROVENANCE, 0);
    HuntingResultStreamParser parser = new HuntingResultStreamParser(writer, 100_000);
    byte[] start = "{\"results\":[{\"Many\":[".getBytes(StandardCharsets.UTF_8);
    parser.feed(start, 0, start.length);
    byte[] piece = "1,".repeat(4_096).getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> {
      for (int i = 0; i < 10_000; i++) { // 80 MB if it were kept
        parser.feed(piece, 0, piece.length);
        assertThat(parser.rowBufferBytes()).isLessThanOrEqualTo(100_000);
      }
    }).isInstanceOf(HuntingResultStreamParser.RowTooLargeException.class);
    assertThat(parser.rowBufferBytes()).isLessThanOrEqualTo(100_000);
  }

  @Test
  void aHugeStringOutsideTheRowsIsRefusedToo() throws Exception {
    answer(200, "application/json", "{\"Stats\":{\"note\":\"" + "s".repeat(300_000) + "\"},\"results\":[]}");

    assertThat(reason(call())).contains("not an Advanced Hunting response").contains("limit");
  }

  @Test
  void aSchemaOfEndlessColumnsIsNotAHuntingResponse() throws Exception {
    ResponseLimits roomy = new ResponseLimits(10 * MB, 64 * 1024);
    answer(200, "application/json", "{\"schema\":[" + "{\"name\":\"c\",\"type\":\"String\"},".repeat(20_000)
        + "{\"name\":\"c\",\"type\":\"String\"}],\"results\":[]}");

    assertThat(reason(call(roomy, Duration.ofSeconds(20)))).contains("more than 10000 columns");
  }

  // --- The wrong thing ---

  @Test
  void anHtmlPageWithStatus200SaysWhatCameBack() throws Exception {
    answer(200, "text/html; charset=utf-8", "<!DOCTYPE html>\n<html><head><title>Sign in to your account</title>"
        + "</head><body>\r\n" + "<p>x</p>".repeat(2_000) + "</body></html>");

    String reason = reason(call());

    assertThat(reason).contains("HTTP 200").contains("'text/html; charset=utf-8'").contains("not JSON")
        .contains("Sign in to your account").doesNotContain("\n").doesNotContain("\r").hasSizeLessThan(700);
  }

  @ParameterizedTest(name = "a hunting body sent as \"{0}\" is refused")
  @ValueSource(strings = {"text/plain", "text/html", "application/octet-stream", "application/xml",
      "application/jsonp", "multipart/mixed; boundary=x"})
  void aHuntingBodyOfTheWrongContentTypeIsRefused(String contentType) throws Exception {
    answer(200, contentType, hunting(3));

    assertThat(reason(call())).contains("'" + contentType + "'").contains("{\"schema\"");
  }

  @Test
  void aBodyWithoutAContentTypeIsRefused() throws Exception {
    answer(200, null, hunting(3));

    assertThat(reason(call())).contains("Content-Type (none)").contains("no Content-Type");
  }

  @ParameterizedTest(name = "a hunting body sent as \"{0}\" is read")
  @ValueSource(strings = {"application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
      "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
      "text/json", "application/vnd.microsoft+json"})
  void jsonContentTypesAreRead(String contentType) throws Exception {
    answer(200, contentType, hunting(3));

    HuntingResponse resp = call();

    assertThat(resp).isInstanceOf(HuntingResponse.Rows.class);
    assertThat(((HuntingResponse.Rows) resp).blob().rows()).isEqualTo(3);
  }

  static Stream<Arguments> notHuntingShapes() {
    return Stream.of(
        Arguments.of("{\"foo\":1}", "no 'results'"),
        Arguments.of("{\"value\":[{\"a\":1}],\"@odata.nextLink\":\"x\"}", "no 'results'"),
        Arguments.of("{\"error\":{\"code\":\"Unknown\",\"message\":\"but status 200\"}}", "no 'results'"),
        Arguments.of("{\"results\":\"none\"}", "no 'results'"),
        Arguments.of("{\"results\":[1,2]}", "row 1 is a JSON number"),
        Arguments.of("{\"results\":[[\"a\"]]}", "row 1 is a JSON array"),
        Arguments.of("[]", "JSON array, not an object"),
        Arguments.of("[{\"results\":[]}]", "JSON array, not an object"),
        Arguments.of("\"results\"", "JSON string, not an object"),
        Arguments.of("42", "JSON number, not an object"),
        Arguments.of("null", "JSON null, not an object"),
        Arguments.of("<html><body>Gateway</body></html>", "not JSON"),
        Arguments.of("\u0000\u0001\u0002binary\u00ff", "not JSON"));
  }

  @ParameterizedTest(name = "{0} is not a hunting response ({1})")
  @MethodSource("notHuntingShapes")
  void jsonThatIsNotAHuntingResponseSaysWhatCameBack(String body, String why) throws Exception {
    answer(200, "application/json", body);

    String reason = reason(call());

    assertThat(reason).contains("HTTP 200").contains("'application/json'").contains(why).contains("it began: \"");
  }

  @Test
  void theQuotedStartOfABodyIsShortAndOnOneLine() throws Exception {
    answer(200, "text/plain", "line one\nline\ttwo\r\n\u0007bell\u0000nul" + "\n".repeat(10_000) + "z".repeat(100_000));

    String reason = reason(call());

    assertThat(reason).contains("line one line two bell nul").doesNotContain("\n").doesNotContain("\t")
        .doesNotContain("\u0000").doesNotContain("\u0007").hasSizeLessThan(700).contains("...");
  }

  // --- Not at all, or not all of it ---

  @Test
  void anEmptyBodyIsABrokenCallWorthARetry() throws Exception {
    answer(200, "application/json", "");

    HuntingResponse resp = call();

    assertThat(resp).isInstanceOf(HuntingResponse.TransportError.class);
    assertThat(((HuntingResponse.TransportError) resp).cause()).hasMessageContaining("body is empty");
  }

  @Test
  void aConnectionClosedMidRowIsATransportError() throws Exception {
    behaviour.set(req -> {
      HttpServerResponse resp = req.response().setChunked(true).putHeader("Content-Type", "application/json");
      resp.write("{\"schema\":[],\"results\":[{\"DeviceName\":\"h1\"},{\"DeviceName\":\"h")
          .onComplete(v -> vertx.setTimer(50, id -> req.connection().close()));
    });

    HuntingResponse resp = call();

    assertThat(resp).isInstanceOf(HuntingResponse.TransportError.class);
    assertThat(((HuntingResponse.TransportError) resp).timedOut()).isFalse();
  }

  @Test
  void aConnectionClosedRightAfterTheHeadIsATransportError() throws Exception {
    behaviour.set(req -> {
      HttpServerResponse resp = req.response().setChunked(true).putHeader("Content-Type", "application/json");
      resp.write(Buffer.buffer()).onComplete(v -> vertx.setTimer(50, id -> req.connection().close()));
    });

    assertThat(call()).isInstanceOf(HuntingResponse.TransportError.class);
  }

  @Test
  void aBodyThatStallsTimesOutAndTheConnectionIsDropped() throws Exception {
    behaviour.set(req -> req.response().setChunked(true).putHeader("Content-Type", "application/json")
        .write("{\"schema\":[],\"results\":[{\"DeviceName\":\"h1\"},"));

    HuntingResponse resp = call(SMALL, Duration.ofSeconds(1));

    assertThat(resp).isInstanceOf(HuntingResponse.TransportError.class);
    HuntingResponse.TransportError t = (HuntingResponse.TransportError) resp;
    // The call's own deadline, or the connection's idle timeout set to the same length: both are timeouts.
    assertThat(t.timedOut() || t.cause().getClass().getSimpleName().contains("Timeout")).as(t.toString()).isTrue();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!clientLeft.get() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(clientLeft).as("the stalled connection was closed").isTrue();
  }

  // --- Waits of years ---

  private static final Instant NOW = Instant.parse("2026-11-01T10:07:30Z");

  private Outcome classify(HuntingResponse resp) {
    HuntingResponse.HttpError e = (HuntingResponse.HttpError) resp;
    return new OutcomeClassifier(Clock.fixed(NOW, java.time.ZoneOffset.UTC), new Random(1), RetryPolicy.defaults())
        .classify(ApiFlavour.GRAPH, e.status(), e.retryAfter().map(v -> Map.of("Retry-After", List.of(v)))
            .orElse(Map.of()), e.body(), Attempt.first());
  }

  @ParameterizedTest(name = "a 429 with Retry-After \"{0}\" waits at most 15 minutes")
  @ValueSource(strings = {"1e12", "99999999999999999999", "-1", "garbage", "Fri, 31 Dec 9999 23:59:59 GMT", "NaN",
      "1E+999999999"})
  void aRetryAfterOfYearsWaitsNoLongerThanTheMaximum(String retryAfter) throws Exception {
    behaviour.set(req -> req.response().setStatusCode(429).putHeader("Content-Type", "application/json")
        .putHeader("Retry-After", retryAfter).end("{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"x\"}}"));

    Outcome o = classify(call());

    assertThat(o.action()).isEqualTo(Action.WAIT);
    assertThat(o.resumeAt().orElseThrow()).isBetween(NOW, NOW.plus(Duration.ofMinutes(15)));
  }

  @ParameterizedTest(name = "a CPU quota 429 saying \"again in {0}\" pauses at most 15 minutes")
  @ValueSource(strings = {"99999999999999999999.00:00:00", "00:99999999999999999999:00", "9999 hours",
      "10675199.02:48:05.4775807"})
  void anAbsurdAgainInPausesNoLongerThanTheMaximum(String wait) throws Exception {
    answer(429, "application/json", "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"You have exceeded "
        + "processing resources allocated to this tenant. You can run queries again in " + wait + ".\"}}");

    Outcome o = classify(call());

    assertThat(o.action()).isEqualTo(Action.PAUSE_TENANT);
    assertThat(o.resumeAt()).contains(NOW.plus(Duration.ofMinutes(15)));
  }

  // --- Through the fetcher ---

  private Fetched fetch(Window window) throws Exception {
    TimeSource time = TimeSource.system();
    TenantConfig config = ConfigLoader.parse(new JsonObject()
        .put("tenants", new JsonArray().add(new JsonObject().put("key", "t1")
            .put("credential", new JsonObject().put("kind", "none"))
            .put("api", new JsonObject().put("flavour", "graph").put("baseUrl", "http://127.0.0.1:"
                + server.actualPort()))))
        .put("adx", new JsonObject().put("clusterUrl", "http://localhost:1").put("database", "db")
            .put("credential", new JsonObject().put("kind", "none"))), Map.of()).tenants().get(0);
    TenantContext tenant = new TenantContext(config,
        new AccessTokenSource(vertx, Optional::empty, config.api().scope(), time.clock()),
        QuotaLimits.of(config.api().callsPerMinute(), config.api().callsPerHour()),
        CircuitBreaker.create("hostile", vertx, new CircuitBreakerOptions().setMaxFailures(5).setTimeout(-1)));
    HuntingClient client = new HuntingClient(vertx, vertx.createHttpClient(new HttpClientOptions()), time.clock(),
        Duration.ofSeconds(20), pool, SMALL);
    WindowFetcher fetcher = new WindowFetcher(vertx, client, new SharedCallBudget(vertx, time),
        new OutcomeClassifier(time.clock(), new Random(1), RetryPolicy.defaults()), new WindowSplitter(), time,
        100 * MB);
    ResolvedTable table = MigrationConfigRow.fromColumns(Map.of("SourceTable", "DeviceEvents", "DestinationTable",
        "DeviceEventsRaw", "WatermarkColumn", "None", "LoadType", "Incremental", "IsActive", true)).resolve();
    return await(fetcher.fetch(tenant, table, window, WindowFetcher.query(table, window), PROVENANCE));
  }
}
