package org.defenderadx.migration.worker.bench;

import static org.defenderadx.migration.worker.testing.StandIns.await;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.defenderadx.migration.common.model.WatermarkSource;
import org.defenderadx.migration.common.query.HuntingQueries;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.defenderadx.migration.worker.defender.HuntingResultStreamParser;
import org.defenderadx.migration.worker.defender.Provenance;
import org.defenderadx.migration.worker.defender.WindowBlobWriter;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.data.Profile;

/**
 * Scenario 5: the per-window data path alone, in the harness's JVM on one thread. A real response is fetched once
 * from the simulator (the window query the node sends); then, repeatedly, it is fed in 64 KiB chunks, as the HTTP
 * client delivers it, through {@link HuntingResultStreamParser} into {@link WindowBlobWriter} (rows copied with
 * provenance, gzip'd), timed by the thread's CPU time, with the thread's allocated bytes. The upload of the gzip'd
 * blob through the Kusto SDK to Azurite ({@link WindowIngestion#send}) is timed separately, by wall clock, as is
 * the simulator's serving of the response.
 */
final class HotPathBenchmark {
  private static final int CHUNK = 64 * 1024;

  private HotPathBenchmark() {
  }

  record Sample(double jsonBytes, double rows, double cpuSeconds, double allocatedBytes, int iterations,
                byte[] gzip) {
  }

  static ScenarioReport run(SuiteOptions o) throws Exception {
    ScenarioReport report = new ScenarioReport("The fetch → parse → gzip → upload path alone",
        "An equivalent of a JMH benchmark, without the dependency: one thread, warm-up first, then each run repeats "
            + "the parse and gzip of one real simulator response until it has used "
            + (o.smoke() ? "0.5" : "3") + " s of CPU; rates are per core (bytes of JSON per second of the thread's "
            + "CPU time), allocation per row from the JVM's per-thread allocation counter. Narrow rows: "
            + "DeviceLogonEvents; wide rows: DeviceProcessEvents. Upload (Kusto SDK to Azurite) and the simulator's "
            + "serving rate are wall-clock rates over loopback.");
    long start = System.nanoTime();
    Profile profile = o.smoke() ? Profile.SMALL : Profile.MEDIUM;
    try (BenchEnvironment env = BenchEnvironment.start(profile, 60, Duration.ofSeconds(10), true)) {
      Instant now = env.now();
      String[][] kinds = {{"narrow", "DeviceLogonEvents", o.smoke() ? "25" : "10"},
          {"wide", "DeviceProcessEvents", o.smoke() ? "25" : "1"}};
      for (String[] kind : kinds) {
        Instant hi = now.minus(Duration.ofHours(2)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Window window = Window.of(hi.minus(Duration.ofDays(Long.parseLong(kind[2]))), hi);
        String query = HuntingQueries.window(kind[1], WatermarkSource.ingestionTime(), window);
        long t0 = System.nanoTime();
        byte[] response = SimProbe.graphQuery(env.env.sim.baseUrl(), query);
        double serveSeconds = (System.nanoTime() - t0) / 1e9;
        Provenance provenance = new Provenance("", kind[1], "bench-window", null);
        measure(response, provenance, o.smoke() ? 0.3 : 2); // warm-up
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < o.runs(); i++) {
          samples.add(measure(response, provenance, o.smoke() ? 0.5 : 3));
        }
        List<Double> uploads = new ArrayList<>();
        WindowIngestion ingestion = new WindowIngestion(env.env.ingestClient, StandIns.DATABASE, env.env.sdkPool);
        byte[] gzip = samples.get(0).gzip();
        for (int i = 0; i < Math.max(2, o.runs()); i++) {
          long u0 = System.nanoTime();
          await(ingestion.send(kind[1] + "Raw", gzip, "bench-" + UUID.randomUUID(), UUID.randomUUID(), window.lo()));
          uploads.add(response.length / 1e6 / ((System.nanoTime() - u0) / 1e9));
        }
        double rows = samples.get(0).rows() / samples.get(0).iterations();
        String label = kind[0] + " rows (" + kind[1] + ", " + String.format(java.util.Locale.ROOT, "%.0f", rows)
            + " rows, " + String.format(java.util.Locale.ROOT, "%.0f", response.length / rows) + " bytes each)";
        report.add(Figure.of(label + ": parse + gzip per core", samples(samples,
                s -> s.jsonBytes() / 1e6 / s.cpuSeconds()), "MB/s", "%.1f")
            .target("≥ 80 MB/s", v -> v >= 80, "Parsing every row (Jackson's streaming parser) and gzip (zlib at "
                + "BEST_SPEED, most of the CPU) cost more CPU per byte than the target allows on this machine (shared, load average "
                + Machine.loadAverage() + ")."));
        report.add(Figure.of(label + ": rows per second per core", samples(samples,
            s -> s.rows() / s.cpuSeconds()), "rows/s", "%.0f"));
        report.add(Figure.of(label + ": bytes allocated per row", samples(samples,
            s -> s.allocatedBytes() / s.rows()), "B", "%.0f"));
        report.add(Figure.of(label + ": gzip ratio", samples(samples,
            s -> s.jsonBytes() / s.iterations() / s.gzip().length), "×", "%.1f"));
        report.add(Figure.of(label + ": upload through the SDK to Azurite (JSON-equivalent MB/s, wall)",
            new Samples(uploads), "MB/s", "%.1f"));
        report.add(Figure.of(label + ": simulator serving the response (wall, loopback)",
            Samples.of(response.length / 1e6 / serveSeconds), "MB/s", "%.1f"));
      }
    }
    report.runs = o.runs();
    report.seconds = (System.nanoTime() - start) / 1e9;
    report.note("The two figures the previous BENCHMARKS.md carried by hand are measured here now: the simulator's "
        + "serving rate (last row of each group; one response, over loopback, including the query's execution) and "
        + "the upload path. The stand-in's own ingestion rate (gunzip, parse, map) is still printed by "
        + "`IngestionRateMeasurementTest` in migration-simulator and not part of this report.");
    return report;
  }

  private static Sample measure(byte[] response, Provenance provenance, double cpuSeconds) throws Exception {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long alloc0 = threads.getThreadAllocatedBytes(thread);
    long rows = 0;
    int iterations = 0;
    byte[] gzip = null;
    while (threads.getCurrentThreadCpuTime() - cpu0 < cpuSeconds * 1e9) {
      WindowBlobWriter writer = new WindowBlobWriter(provenance, response.length / 8);
      HuntingResultStreamParser parser = new HuntingResultStreamParser(writer);
      for (int at = 0; at < response.length; at += CHUNK) {
        parser.feed(response, at, Math.min(CHUNK, response.length - at));
      }
      parser.end();
      gzip = writer.finish();
      rows = writer.rows();
      iterations++;
    }
    double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
    double allocated = threads.getThreadAllocatedBytes(thread) - alloc0;
    return new Sample((double) response.length * iterations, (double) rows * iterations, cpu, allocated, iterations,
        gzip);
  }

  private static Samples samples(List<Sample> s, java.util.function.ToDoubleFunction<Sample> f) {
    List<Double> v = new ArrayList<>();
    s.forEach(x -> v.add(f.applyAsDouble(x)));
    return new Samples(v);
  }
}
