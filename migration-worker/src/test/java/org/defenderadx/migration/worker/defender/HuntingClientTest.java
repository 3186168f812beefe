package org.defenderadx.migration.worker.defender;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client against a plain HTTP server that sends a body in many small pieces. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class HuntingClientTest {

  private static final Provenance PROVENANCE = new Provenance("t1", "DeviceEvents", "w1", null);

  private final Vertx vertx = Vertx.vertx();
  private final AtomicReference<byte[]> body = new AtomicReference<>();
  private final AtomicReference<Future<Void>> sent = new AtomicReference<>();
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    server = await(vertx.createHttpServer().requestHandler(req -> {
      HttpServerResponse resp = req.response().setChunked(true).putHeader("Content-Type", "application/json");
      byte[] bytes = body.get();
      Future<Void> last = Future.succeededFuture();
      for (int at = 0; at < bytes.length; at += 1000) { // small pieces, multi-byte characters split too
        last = resp.write(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + 1000))));
      }
      sent.set(last.compose(v -> resp.end()));
    }).listen(0, "127.0.0.1"));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private static byte[] graphBody(int rows) {
    JsonArray results = new JsonArray();
    for (int i = 0; i < rows; i++) {
      results.add(new JsonObject().put("Timestamp", "2026-11-01T00:00:00." + (1000000 + i) + "Z")
          .put("DeviceName", "h\u00f6st-" + i + " \u4e2d\u6587 \ud83d\ude00").put("Seq", i)
          .put("__SourceIngestionTime", "2026-11-01T00:00:01." + (1000000 + i) + "Z").put("__WindowTotal", rows));
    }
    return new JsonObject().put("schema", new JsonArray()).put("results", results).encode()
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The blob the writer makes when fed the whole body at once on this thread. */
  private static byte[] direct(byte[] bytes) throws Exception {
    WindowBlobWriter writer = new WindowBlobWriter(PROVENANCE, 0);
    HuntingResultStreamParser parser = new HuntingResultStreamParser(writer);
    parser.feed(bytes, 0, bytes.length);
    parser.end();
    return writer.finish();
  }

  private Future<HuntingResponse> call(HuntingClient client, WindowBlobWriter writer) {
    return client.run(URI.create("http://127.0.0.1:" + server.actualPort() + "/hunt"), Optional.empty(), "{}", writer);
  }

  private HuntingClient client(WorkerExecutor pool) {
    return new HuntingClient(vertx, vertx.createHttpClient(new HttpClientOptions()), Clock.systemUTC(),
        Duration.ofSeconds(30), pool);
  }

  @Test
  void makesTheSameBlobAsFeedingTheBodyAtOnce() throws Exception {
    // GIVEN a body of several MB, large enough for the response to be paused while it waits for the parser
    byte[] bytes = graphBody(40_000);
    assertThat(bytes.length).isGreaterThan(3 * WorkerPoolFeed.PAUSE_AT);
    body.set(bytes);
    WindowBlobWriter writer = new WindowBlobWriter(PROVENANCE, 0);

    // WHEN
    HuntingResponse resp = await(call(client(vertx.createSharedWorkerExecutor("test-parse", 2)), writer));

    // THEN
    assertThat(resp).isInstanceOf(HuntingResponse.Rows.class);
    assertThat(writer.rows()).isEqualTo(40_000);
    assertThat(writer.windowTotal()).isEqualTo(40_000);
    assertThat(writer.minSourceIngestionTime()).isEqualTo("2026-11-01T00:00:01.1000000Z");
    assertThat(writer.maxSourceIngestionTime()).isEqualTo("2026-11-01T00:00:01.1039999Z");
    assertThat(writer.finish()).isEqualTo(direct(bytes));
  }

  @Test
  void parsesOnTheWorkerPoolNotTheEventLoop() throws Exception {
    // GIVEN the pool's only thread is busy
    WorkerExecutor pool = vertx.createSharedWorkerExecutor("test-parse-1", 1);
    CountDownLatch release = new CountDownLatch(1);
    pool.executeBlocking(() -> release.await(30, TimeUnit.SECONDS));
    byte[] bytes = graphBody(100);
    body.set(bytes);
    WindowBlobWriter writer = new WindowBlobWriter(PROVENANCE, 0);

    // WHEN the whole body has been sent
    Future<HuntingResponse> resp = call(client(pool), writer);
    while (sent.get() == null) {
      Thread.onSpinWait();
    }
    await(sent.get());

    // THEN no row was parsed until the pool was free
    assertThat(writer.rows()).isZero();
    release.countDown();
    assertThat(await(resp)).isInstanceOf(HuntingResponse.Rows.class);
    assertThat(writer.rows()).isEqualTo(100);
    assertThat(writer.finish()).isEqualTo(direct(bytes));
  }

  @Test
  void aMalformedBodyIsATransportErrorThatSaysSo() throws Exception {
    String text = new String(graphBody(50), StandardCharsets.UTF_8);
    int at = text.indexOf("\"Seq\":25");
    body.set((text.substring(0, at) + "\"Seq\"!25" + text.substring(at + 8)).getBytes(StandardCharsets.UTF_8));

    HuntingResponse resp = await(call(client(vertx.createSharedWorkerExecutor("test-parse", 2)),
        new WindowBlobWriter(PROVENANCE, 0)));

    assertThat(resp).isInstanceOf(HuntingResponse.TransportError.class);
    assertThat(((HuntingResponse.TransportError) resp).cause()).hasMessageStartingWith("unreadable result");
  }

  @Test
  void aBodyThatEndsEarlyIsATransportError() throws Exception {
    byte[] bytes = graphBody(50);
    body.set(java.util.Arrays.copyOf(bytes, bytes.length - 10));

    HuntingResponse resp = await(call(client(vertx.createSharedWorkerExecutor("test-parse", 2)),
        new WindowBlobWriter(PROVENANCE, 0)));

    assertThat(resp).isInstanceOf(HuntingResponse.TransportError.class);
    assertThat(((HuntingResponse.TransportError) resp).timedOut()).isFalse();
  }
}
