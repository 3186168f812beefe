package org.defenderadx.migration.worker.bench;

import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.TableExporter;
import org.defenderadx.simulator.defender.data.Profile;

/**
 * Part of scenario 1: the ADX control commands a committed window costs, with each window committed alone
 * ({@code migration.maxCommitBatch} 1, as before commits were batched) and with the default batch. The stand-in
 * records every management command it receives; the watermark and audit appends are counted by their target table.
 * Runs on the quota-bound run's setup (scaled caps, so many small windows), one day of the medium profile.
 */
final class CommitCommandCount {
  static final int[] BATCHES = {1, 32};

  private CommitCommandCount() {
  }

  /** What one run's node sent, from its start to every table caught up. */
  record Result(int maxCommitBatch, long windows, long configAppends, long auditAppends, long allCommands) {
    double perWindow(long commands) {
      return windows == 0 ? Double.NaN : (double) commands / windows;
    }

    double controlPerWindow() {
      return perWindow(configAppends + auditAppends);
    }

    /** Each commit appends one watermark row, so this is the mean number of windows a commit held. */
    double windowsPerCommit() {
      return configAppends == 0 ? Double.NaN : (double) windows / configAppends;
    }
  }

  static void measure(ScenarioReport report, SuiteOptions o) throws Exception {
    TenantShareScenario.Setup quota = TenantShareScenario.Setup.of(o);
    // The medium profile even in the smoke run: a day of the small one is one window per table, nothing to batch.
    TenantShareScenario.Setup setup = new TenantShareScenario.Setup(Profile.MEDIUM, Duration.ofDays(1),
        quota.timeScale(), quota.batching(), o.smoke() ? List.of("DeviceEvents") : quota.tables());
    List<Result> results = new ArrayList<>();
    for (int batch : BATCHES) {
      results.add(once(setup, batch, o.workDir()));
    }
    for (Result r : results) {
      String who = "maxCommitBatch " + r.maxCommitBatch() + (r.maxCommitBatch() == 1 ? " (before batching)" : "")
          + ": ";
      report.add(Figure.of(who + "windows committed", Samples.of(r.windows()), "windows", "%.0f"));
      report.add(Figure.of(who + "watermark and audit appends per committed window", Samples.of(r.controlPerWindow()),
          "commands", "%.2f"));
      report.add(Figure.of(who + "all management commands per committed window",
          Samples.of(r.perWindow(r.allCommands())), "commands", "%.2f"));
      report.add(Figure.of(who + "windows per commit (windows ÷ watermark appends)",
          Samples.of(r.windowsPerCommit()), "windows", "%.2f"));
    }
    Result before = results.get(0);
    Result after = results.get(results.size() - 1);
    double ratio = before.controlPerWindow() / after.controlPerWindow();
    report.add(Figure.of("watermark and audit appends per window, before batching ÷ after", Samples.of(ratio), "×",
        "%.1f"));
    report.note(String.format(Locale.ROOT, "Control commands per committed window: the node back-fills the last "
            + "day of the %s profile's %s with the quota-bound run's scaled caps (many small windows), once with "
            + "`migration.maxCommitBatch` 1 (each window committed alone, as before batching) and once with %d (the "
            + "default), fresh simulators each time; the ADX stand-in records every management command it receives "
            + "from the node. Counted: `.set-or-append %s` (watermark rows) and `.set-or-append %s` (audit rows), "
            + "divided by the windows committed. Before: %d + %d appends for %d windows (%.2f a window); after: %d + "
            + "%d for %d windows (%.2f a window), ×%.1f fewer. A commit is one watermark append and one audit "
            + "append whatever the number of windows in it, but a table's commit can only take the windows "
            + "confirmed at the head of its pipeline (at most %d fetched and delivered at once), and here a "
            + "commit held %.2f windows on average%s. The audit count also holds the appends that are not commits "
            + "(planning censuses, failures). All management commands include the ingestion-status and state reads.",
        setup.profile().name().toLowerCase(Locale.ROOT), String.join(", ", setup.tables()), after.maxCommitBatch(),
        MigrationStateStore.CONFIG_TABLE, MigrationStateStore.AUDIT_TABLE, before.configAppends(),
        before.auditAppends(), before.windows(), before.controlPerWindow(), after.configAppends(),
        after.auditAppends(), after.windows(), after.controlPerWindow(), ratio,
        TableExporter.Options.defaults("").pipelineDepth(), after.windowsPerCommit(), after.windowsPerCommit() < 1.5
            ? ": most windows' ingestion was confirmed one at a time, so most commits still held one window" : ""));
  }

  private static Result once(TenantShareScenario.Setup setup, int batch, Path work) throws Exception {
    try (BenchEnvironment env = BenchEnvironment.start(setup.profile(), setup.timeScale(), setup.batching(), true,
        setup.limits(), 42, true)) {
      env.env.configureIncremental(setup.tables());
      String name = "commit-batch-" + batch;
      // Each window reserves a 1 MiB blob, as in the quota-bound run: at 100 MB, few windows could be in flight.
      Path config = env.writeNodeConfig(work, name, setup.migration().put("maxCommitBatch", batch),
          new JsonObject().put("blobTargetSize", "1MiB"));
      int from = env.managementCommands().size();
      ChildJvm.run(NodeProcess.class, "512m",
          List.of(config.toString(), env.env.sim.certificatePath(), "bench-node", String.join(",", setup.tables()),
              "0"), BenchEnvironment.nodeEnvironment(), work.resolve(name + ".log"), 3600);
      List<String> commands = env.managementCommands();
      commands = commands.subList(from, commands.size());
      // From the audit log, not the tables' last outcomes: a table's backfill can span several runs.
      List<Map<String, Object>> audit = await(env.env.adxClient.query(MigrationStateStore.AUDIT_TABLE
          + " | where Status == 'Succeeded' | summarize N = dcount(WindowId)"));
      long windows = audit.isEmpty() ? 0 : ((Number) audit.get(0).get("N")).longValue();
      return new Result(batch, windows, count(commands, MigrationStateStore.CONFIG_TABLE),
          count(commands, MigrationStateStore.AUDIT_TABLE), commands.size());
    }
  }

  private static long count(List<String> commands, String table) {
    String prefix = ".set-or-append " + table + " ";
    return commands.stream().filter(c -> c.startsWith(prefix)).count();
  }
}
