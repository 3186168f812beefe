package org.defenderadx.simulator.defender;

import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.defenderadx.simulator.defender.data.Profile;

/**
 * Measures how fast the simulator serves query results, in MB/s of JSON, for big windows of the agreed window
 * query. Not a test (no assertion on timing); run it by hand:
 * {@code ServingRateBenchmark [profile] [table] [windowHours] [repetitions]}.
 */
public final class ServingRateBenchmark {
  private static final int WARM_UP = 3;

  private ServingRateBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    Profile profile = Profile.parse(args.length > 0 ? args[0] : "medium");
    String table = args.length > 1 ? args[1] : "DeviceProcessEvents";
    int hours = args.length > 2 ? Integer.parseInt(args[2]) : 48;
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    Instant anchor = Instant.parse("2026-11-15T00:00:00Z");
    Vertx vertx = Vertx.vertx();
    long t0 = System.nanoTime();
    DefenderSimulator sim = DefenderSimulator.start(vertx, DefenderSimConfig.builder().profile(profile)
        .anchor(anchor).limits(DefenderSimConfig.Limits.documented().withCallRates(10_000, 100_000)
            .withCpu(Duration.ofDays(1), new DefenderSimConfig.CostModel(1_000, 1_000, Duration.ofMillis(5)),
                Duration.ofDays(1)))
        .build()).await();
    Runtime rt = Runtime.getRuntime();
    System.out.printf("profile=%s laid out in %.1f s, heap used %d MB of max %d MB%n", profile,
        (System.nanoTime() - t0) / 1e9, (rt.totalMemory() - rt.freeMemory()) >> 20, rt.maxMemory() >> 20);
    SimClient c = new SimClient(sim.baseUrl());
    String token = c.token(ApiFlavour.GRAPH);
    HttpClient http = HttpClient.newHttpClient();
    long totalBytes = 0;
    long totalNanos = 0;
    for (int i = 0; i < reps; i++) {
      Instant hi = anchor.minus(Duration.ofHours((long) hours * (i + 1)));
      Instant lo = hi.minus(Duration.ofHours(hours));
      String body = new io.vertx.core.json.JsonObject().put("Query", Queries.window(table, lo, hi))
          .put("Timespan", "P60D").encode();
      HttpRequest req = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1.0/security/runHuntingQuery"))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build();
      long start = System.nanoTime();
      HttpResponse<java.io.InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      long bytes = 0;
      byte[] chunk = new byte[1 << 16];
      try (java.io.InputStream in = r.body()) {
        for (int n; (n = in.read(chunk)) > 0; ) {
          bytes += n;
        }
      }
      long nanos = System.nanoTime() - start;
      boolean warmUp = i < WARM_UP;
      if (!warmUp) {
        totalBytes += bytes;
        totalNanos += nanos;
      }
      System.out.printf("window %s..%s: status %d, %.1f MB in %.2f s = %.1f MB/s%s%n", lo, hi, r.statusCode(),
          bytes / 1e6, nanos / 1e9, bytes / 1e6 / (nanos / 1e9), warmUp ? " (warm-up)" : "");
    }
    System.out.printf("after warm-up: %.1f MB/s (%s)%n", totalBytes / 1e6 / (totalNanos / 1e9), sim.stats().toJson());
    sim.stop().await();
    vertx.close().await();
  }
}
