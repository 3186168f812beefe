package org.defenderadx.migration.worker.bench;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark suite's entry point (run it with {@code bin/benchmarks}): runs the selected scenarios against the
 * simulators and writes the Markdown report. A scenario that fails is reported as not run, with the failure, and
 * the others still run.
 */
public final class BenchmarkSuite {
  private BenchmarkSuite() {
  }

  interface Scenario {
    ScenarioReport run(SuiteOptions options) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    SuiteOptions options = SuiteOptions.parse(args);
    Machine machine = Machine.describe();
    // Read before the first write replaces the file.
    Map<Integer, String> kept = options.keepOthers()
        ? BenchmarkReport.keptSections(options.out(), options.scenarios()) : Map.of();
    long start = System.nanoTime();
    List<String> titles = List.of("Backfill on one node", "The original script's strategy (baseline) against ours",
        "Incremental steady state with live arrivals: export lag", TenantShareScenario.TITLE,
        "The fetch → parse → gzip → upload path alone");
    List<String> measures = List.of(BackfillScenario.MEASURES,
        "The same data exported by a re-implementation of the original script's paging (a labelled baseline) and "
            + "by our node: calls, rates, memory, and rows missing or duplicated at the end.",
        "Lag p50 and p95 from a row's ingestion at the source to its ingestion in ADX, with the stand-in's batching "
            + "at its default and at a low-latency setting.",
        TenantShareScenario.MEASURES,
        "MB/s and rows/s per core, bytes allocated per row, for narrow and wide rows.");
    List<Scenario> scenarios = List.of(BackfillScenario::run, BaselineComparisonScenario::run,
        IncrementalLagScenario::run, TenantShareScenario::run, HotPathBenchmark::run);
    List<ScenarioReport> reports = new ArrayList<>();
    for (int i = 0; i < titles.size(); i++) {
      reports.add(ScenarioReport.notRun(titles.get(i), measures.get(i), options.includes(i + 1)
          ? "the run was stopped before this scenario finished." : "not selected for this run (`--scenario`)."));
    }
    // Cheapest and most telling first (the baseline, the hot path), the long backfill last; the report is rewritten
    // after each scenario, so a run stopped early still leaves what it measured.
    for (int n : new int[] {2, 5, 3, 4, 1}) {
      if (options.includes(n)) {
        reports.set(n - 1, run(options, n, titles.get(n - 1), measures.get(n - 1), scenarios.get(n - 1), start));
        BenchmarkReport.write(options.out(), machine, options, reports, kept,
            (System.nanoTime() - start) / 1e9);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    BenchmarkReport.write(options.out(), machine, options, reports, kept, seconds);
    System.out.printf(Locale.ROOT, "benchmarks: wrote %s in %.1f minutes%n", options.out(), seconds / 60);
    System.exit(0);
  }

  private static ScenarioReport run(SuiteOptions options, int number, String title, String measures,
                                    Scenario scenario, long suiteStart) {
    if (!options.includes(number)) {
      return ScenarioReport.notRun(title, measures, "not selected for this run (`--scenario`).");
    }
    System.out.printf(Locale.ROOT, "benchmarks: scenario %d (%s) starting at %.1f min, load average %s%n", number,
        title, (System.nanoTime() - suiteStart) / 60e9, Machine.loadAverage());
    try {
      ScenarioReport r = scenario.run(options);
      System.out.printf(Locale.ROOT, "benchmarks: scenario %d done in %.0f s%n", number, r.seconds);
      return r;
    } catch (Exception | Error e) {
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      System.out.println("benchmarks: scenario " + number + " failed: " + trace);
      return ScenarioReport.notRun(title, measures, "the scenario failed in this run: `" + e + "` (the harness's "
          + "output and target/benchmarks/*.log have the details).");
    }
  }
}
