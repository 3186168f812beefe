package org.defenderadx.migration.demo;

import static org.defenderadx.migration.demo.DemoStandIns.await;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.typed.TypedTable;
import org.defenderadx.simulator.adx.store.Database;
import org.defenderadx.simulator.adx.store.Table;
import org.defenderadx.migration.worker.export.HourlyCounts;
import org.defenderadx.migration.worker.export.Verifier;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.node.MigrationNode;

/**
 * The whole demo, in order: the simulators, one node migrating the configured tables until each has caught up to
 * its close point, the engine's hourly verify of every table, a row-by-row check against the simulator's ground
 * truth, and the summary. Progress lines go to {@code out} as it runs.
 */
public final class DemoDriver implements AutoCloseable {

  /** A step between the backfill and the checks; tests use it to break ADX on purpose. */
  @FunctionalInterface
  public interface AfterBackfill {
    void run(DemoStandIns standIns) throws Exception;

    AfterBackfill NOTHING = s -> { };
  }

  /** Kept clear of the source's horizon edge when rows are compared. */
  private static final Duration EDGE_MARGIN = Duration.ofHours(1);

  private final DemoOptions options;
  private final PrintStream out;
  private final Path project;
  private final AfterBackfill afterBackfill;
  private volatile Vertx vertx;
  private volatile DemoStandIns standIns;
  private volatile MigrationNode node;

  public DemoDriver(DemoOptions options, PrintStream out, Path project, AfterBackfill afterBackfill) {
    this.options = options;
    this.out = out;
    this.project = project;
    this.afterBackfill = afterBackfill;
  }

  /** Runs the demo (blocking: call it from a plain thread) and returns its summary, already printed. */
  public Summary run() throws Exception {
    long started = System.nanoTime();
    out.printf("Starting Azurite, the Defender simulator (%s profile, time x%s) and the ADX stand-in...%n",
        options.profileName(), trim(options.timeScale()));
    // The simulators make their TLS certificate and lay out the tenant at start-up, which holds an event loop for
    // a few seconds on a busy machine: warn only past 10 s, so the progress lines stay readable.
    vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(10).setMaxEventLoopExecuteTimeUnit(
        java.util.concurrent.TimeUnit.SECONDS));
    standIns = DemoStandIns.start(vertx, options.profile(), options.timeScale(), project);
    Instant simStart = standIns.sim.clock().instant();
    List<String> tables = tables();
    standIns.keepActive(tables);
    out.printf("Defender simulator %s, ADX stand-in %s (database %s); kql/setup.kql and "
        + "kql/seed-configuration.kql applied.%n", standIns.sim.baseUrl(), standIns.adx.url(), DemoStandIns.DATABASE);
    out.printf("Migrating %d table(s), %s days back: %s%n", tables.size(),
        standIns.settings.migration().initialLookback().toDays(), String.join(", ", tables));

    node = await(MigrationNode.start(standIns.settings, new MigrationNode.Environment(standIns.time,
        Optional.of(SimulatorTrust.identityHttpClient(standIns.sim)), "demo-node")));
    out.printf("Status page: http://127.0.0.1:%d/ (also /health and /metrics) while the backfill runs.%n",
        node.ops().httpPort());
    Map<String, TableOutcome> outcomes = backfill(tables);
    long backfillMillis = (System.nanoTime() - started) / 1_000_000;
    await(node.stop());
    node = null;
    out.printf("Backfill done in %s; node stopped. Verifying...%n", Summary.human(Duration.ofMillis(backfillMillis)));

    afterBackfill.run(standIns);
    List<Summary.TableResult> results = check(tables, outcomes);
    Progress.Reading last = await(new Progress(standIns.adxClient, standIns.sim.stats())
        .read(standIns.time.now()));
    var limits = standIns.settings.tenants().get(0).api();
    Summary summary = new Summary(results, last.apiCalls(), last.throttled(), last.callQuota429(),
        last.cpuQuota429(), last.cutResults(), limits.callsPerMinute(), limits.callsPerHour(),
        Duration.ofNanos(System.nanoTime() - started), Duration.between(simStart, standIns.sim.clock().instant()));
    out.println();
    out.print(summary.render());
    return summary;
  }

  private List<String> tables() {
    List<String> available = standIns.sim.tenant().tableNames().stream()
        .filter(t -> standIns.sim.tenant().eventTable(t).isPresent()).toList();
    if (options.tables().isEmpty()) {
      return available;
    }
    for (String t : options.tables()) {
      if (!available.contains(t)) {
        throw new DemoException("--tables: '" + t + "' is not an event table of the simulator; choose from "
            + String.join(", ", available));
      }
    }
    return options.tables();
  }

  /** Prints progress until every table has caught up (or the time is up); returns the last outcome per table. */
  private Map<String, TableOutcome> backfill(List<String> tables) throws Exception {
    Progress progress = new Progress(standIns.adxClient, standIns.sim.stats());
    Instant horizonStart = standIns.time.now().minus(standIns.settings.migration().initialLookback());
    Duration settleLag = standIns.settings.migration().settleLag();
    int perMinute = standIns.settings.tenants().get(0).api().callsPerMinute();
    Progress.Reading first = await(progress.read(standIns.time.now()));
    Progress.Reading previous = first;
    long deadline = System.nanoTime() + options.timeout().toNanos();
    int lines = 0;
    while (true) {
      await(vertx.timer(options.progressEvery().toMillis()));
      Map<String, TableOutcome> outcomes = outcomes(tables);
      int done = (int) outcomes.values().stream().filter(DemoDriver::caughtUp).count();
      Progress.Reading now = await(progress.read(standIns.time.now()));
      Instant close = now.clock().minus(settleLag);
      Map<String, Double> fractions = new LinkedHashMap<>();
      for (String t : tables) {
        Progress.TableProgress p = now.tables().get(t);
        double f = p == null || p.watermark() == null ? 0
            : Math.min(1, Math.max(0, (double) Duration.between(horizonStart, p.watermark()).toMillis()
                / Math.max(1, Duration.between(horizonStart, close).toMillis())));
        fractions.put(t, caughtUp(outcomes.get(t)) ? 1.0 : f);
      }
      double overall = fractions.values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
      out.println(Progress.line(first, previous, now, done, tables.size(), overall, perMinute));
      boolean finished = done == tables.size();
      if (++lines % 6 == 0 || finished) {
        for (String t : tables) {
          Progress.TableProgress p = now.tables().get(t);
          out.println(Progress.tableLine(p == null ? new Progress.TableProgress(t, 0, 0, 0, 0, null) : p,
              fractions.get(t)));
        }
      }
      previous = now;
      if (finished) {
        return outcomes;
      }
      if (System.nanoTime() > deadline) {
        out.printf("Not every table caught up within %s; checking what there is.%n", Summary.human(options.timeout()));
        return outcomes;
      }
    }
  }

  private Map<String, TableOutcome> outcomes(List<String> tables) {
    Map<String, TableOutcome> all = node.coordinator().lastOutcomes();
    Map<String, TableOutcome> mine = new LinkedHashMap<>();
    for (String t : tables) {
      TableOutcome o = all.get(TableLeases.key("", t));
      if (o != null) {
        mine.put(t, o);
      }
    }
    return mine;
  }

  private static boolean caughtUp(TableOutcome o) {
    return o != null && o.caughtUp() && o.failure().isEmpty() && o.watermark().isPresent();
  }

  /** The engine's hourly verify, then the row digests, per table, up to its committed watermark. */
  private List<Summary.TableResult> check(List<String> tables, Map<String, TableOutcome> outcomes) throws Exception {
    Map<String, MigrationConfigRow> rows = new LinkedHashMap<>();
    for (MigrationConfigRow r : await(standIns.state.latest()).rows()) {
      if (r.tenantId().isEmpty()) {
        rows.put(r.sourceTable(), r);
      }
    }
    SourceVerification verification = new SourceVerification(standIns);
    ExactnessCheck exactness = new ExactnessCheck(standIns.sim, standIns.adx, DemoStandIns.DATABASE);
    Duration horizon = standIns.sim.config().limits().horizon();
    // Row digests cost CPU per row: two tables at a time, on plain threads (far longer than a Vert.x task may run).
    java.util.concurrent.ExecutorService digests = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      Map<String, java.util.concurrent.Future<ExactnessCheck.Result>> exact = new LinkedHashMap<>();
      Map<String, String> verified = new LinkedHashMap<>();
      Map<String, Boolean> verifiedExact = new LinkedHashMap<>();
      for (String t : tables) {
        MigrationConfigRow row = rows.get(t);
        Optional<Instant> watermark = row == null ? Optional.empty() : row.lastRefreshed();
        if (watermark.isEmpty()) {
          continue;
        }
        Instant to = HourlyCounts.hourOf(watermark.get());
        exact.put(t, digests.submit(() -> exactness.check(t, row.destinationTable(), EDGE_MARGIN, to)));
        try {
          Verifier.Report report = await(verification.verifier.verify(verification.tenant, row.resolve(),
              standIns.time.now().minus(horizon), to));
          verifiedExact.put(t, report.exact());
          verified.put(t, report.exact() ? "exact" : report.mismatches().size() + " hour(s) differ");
          if (!report.exact()) {
            out.println("verify: " + report);
          }
        } catch (Exception e) {
          verifiedExact.put(t, false);
          verified.put(t, "failed");
          out.println("verify " + t + " failed: " + e.getMessage());
        }
      }
      List<Summary.TableResult> results = new ArrayList<>();
      for (String t : tables) {
        boolean caughtUp = caughtUp(outcomes.get(t));
        java.util.concurrent.Future<ExactnessCheck.Result> e = exact.get(t);
        Summary.TypedCount typed = typedCount(rows.get(t));
        results.add(e == null ? new Summary.TableResult(t, caughtUp, Optional.empty(), "nothing committed", false,
            typed) : new Summary.TableResult(t, caughtUp, Optional.of(e.get()), verified.get(t), verifiedExact.get(t),
            typed));
      }
      return results;
    } finally {
      digests.shutdownNow();
    }
  }

  /** The typed table's rows against the raw table's, both whole, read from the stand-in's store. */
  private Summary.TypedCount typedCount(MigrationConfigRow row) {
    if (row == null) {
      return new Summary.TypedCount("", 0, 0);
    }
    String typed = TypedTable.typedTableOf(row.sourceTable(), row.resolve().kind() == TableKind.SNAPSHOT);
    Database db = standIns.adx.database(DemoStandIns.DATABASE);
    return new Summary.TypedCount(typed, db.findTable(row.destinationTable()).map(Table::rowCount).orElse(0L),
        db.findTable(typed).map(Table::rowCount).orElse(0L));
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  /** Stops whatever is running (Ctrl-C lands here too); safe to call twice. */
  @Override
  public void close() {
    MigrationNode n = node;
    node = null;
    if (n != null) {
      try {
        await(n.stop());
      } catch (Exception e) {
        // stopping anyway
      }
    }
    DemoStandIns s = standIns;
    standIns = null;
    if (s != null) {
      s.close();
    }
    Vertx v = vertx;
    vertx = null;
    if (v != null) {
      try {
        await(v.close());
      } catch (Exception e) {
        // stopping anyway
      }
    }
  }
}
