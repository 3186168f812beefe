package org.defenderadx.migration.worker.defender;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Hostile answers against the real client in a JVM of its own with a small heap ({@link
 * HostileResponsesSmallHeapTest} starts it with {@code -Xmx256m} and exits on the first OutOfMemoryError): a 512 MB
 * body under the documented 50 MB byte cap, a single 300 MB row, four 60 MB rows at once, and a gigabyte of rows let
 * through whole. Each case prints {@code OK <case>: <outcome>} or {@code FAIL <case>: <outcome>}; exit code 0 only when
 * every case ended as expected.
 */
public final class HostileResponsesUnderSmallHeap {
  private static final long MB = 1024 * 1024;
  private static final byte[] ROW = ("{\"Timestamp\":\"2026-11-01T00:00:00.1234567Z\",\"DeviceName\":\"host-1\","
      + "\"AdditionalFields\":\"" + "x".repeat(3_000) + "\"},").getBytes(StandardCharsets.UTF_8);

  private HostileResponsesUnderSmallHeap() {
  }

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      String path = req.path();
      HttpServerResponse resp = req.response().setChunked(true).putHeader("Content-Type", "application/json");
      switch (path) {
        case "/body-512mb" -> stream(resp, "{\"schema\":[],\"results\":[", rows(), 512 * MB, lastRow() + "]}");
        case "/row-300mb" -> stream(resp, "{\"schema\":[],\"results\":[{\"Huge\":\"", filler(), 300 * MB, "\"}]}");
        case "/row-60mb" -> stream(resp, "{\"schema\":[],\"results\":[{\"Huge\":\"", filler(), 60 * MB, "\"}]}");
        case "/rows-1gb" -> stream(resp, "{\"schema\":[],\"results\":[", rows(), 1024 * MB, lastRow() + "]}");
        default -> resp.setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS);
    WorkerExecutor pool = vertx.createSharedWorkerExecutor("small-heap-parse", 2);
    boolean allOk = true;
    // The documented caps: 50 MB a result, rows up to 16 MB.
    ResponseLimits documented = new ResponseLimits(50 * MB, 16 * MB);
    allOk &= check("a 512 MB body under the 50 MB byte cap", call(vertx, pool, server, "/body-512mb", documented),
        r -> r instanceof HuntingResponse.Cut);
    allOk &= check("a single 300 MB row", call(vertx, pool, server, "/row-300mb", documented),
        r -> r instanceof HuntingResponse.Unusable u && u.reason().contains("too large"));
    List<Future<HuntingResponse>> four = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      four.add(call(vertx, pool, server, "/row-60mb", documented));
    }
    for (int i = 0; i < 4; i++) {
      allOk &= check("one of four 60 MB rows at once", four.get(i),
          r -> r instanceof HuntingResponse.Unusable u && u.reason().contains("too large"));
    }
    allOk &= check("a gigabyte of rows let through whole",
        call(vertx, pool, server, "/rows-1gb", new ResponseLimits(2048 * MB, MB)),
        r -> r instanceof HuntingResponse.Rows rows && rows.blob().rows() > 300_000);
    System.out.println("max heap " + Runtime.getRuntime().maxMemory() / MB + " MB");
    vertx.close().await(10, TimeUnit.SECONDS);
    System.exit(allOk ? 0 : 1);
  }

  private static Future<HuntingResponse> call(Vertx vertx, WorkerExecutor pool, HttpServer server, String path,
                                              ResponseLimits limits) throws Exception {
    HuntingClient client = new HuntingClient(vertx, vertx.createHttpClient(new HttpClientOptions()),
        Clock.systemUTC(), Duration.ofMinutes(3), pool, limits);
    URI url = URI.create("http://127.0.0.1:" + server.actualPort() + path);
    return client.run(url, Optional.empty(), "{}",
        new WindowBlobWriter(new Provenance("t1", "DeviceEvents", "w1", null), 0));
  }

  private static boolean check(String name, Future<HuntingResponse> call, Predicate<HuntingResponse> expected)
      throws Exception {
    HuntingResponse r = call.await(4, TimeUnit.MINUTES);
    String outcome = r instanceof HuntingResponse.Rows rows ? "Rows[" + rows.blob().rows() + " rows]"
        : String.valueOf(r).replace('\n', ' ');
    boolean ok = expected.test(r);
    System.out.println((ok ? "OK " : "FAIL ") + name + ": "
        + (outcome.length() > 300 ? outcome.substring(0, 300) + "..." : outcome));
    return ok;
  }

  /** Streams {@code head}, then {@code block} until {@code total} bytes, then {@code tail}, as fast as read. */
  private static void stream(HttpServerResponse resp, String head, byte[] block, long total, String tail) {
    resp.write(head);
    Buffer chunk = Buffer.buffer(block);
    long[] sent = {0};
    boolean[] gone = {false};
    resp.exceptionHandler(e -> gone[0] = true);
    resp.closeHandler(v -> gone[0] = true);
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (sent[0] < total && !resp.writeQueueFull() && !gone[0]) {
        resp.write(chunk);
        sent[0] += chunk.length();
      }
      if (gone[0]) {
        return;
      }
      if (sent[0] < total) {
        resp.drainHandler(v -> pump[0].run());
      } else {
        resp.end(tail);
      }
    };
    pump[0].run();
  }

  private static byte[] rows() {
    Buffer b = Buffer.buffer();
    while (b.length() < 64 * 1024) {
      b.appendBytes(ROW);
    }
    return b.getBytes();
  }

  private static String lastRow() {
    return "{\"DeviceName\":\"last\"}";
  }

  private static byte[] filler() {
    return "z".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);
  }
}
