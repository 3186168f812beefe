package org.defenderadx.migration.worker.bench;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The command line of a benchmark run. {@code --smoke}: small data, one run each, about two minutes, report to
 * {@code target/BENCHMARKS-smoke.md}. Otherwise the full run, report to {@code BENCHMARKS.md}. {@code
 * --keep-others}: the scenarios not selected keep their sections from the report already there, each labelled with
 * the run that measured it, instead of "not selected".
 */
record SuiteOptions(boolean smoke, int runs, int backfillRuns, double backfillTimeScale, Set<Integer> scenarios,
                    java.util.List<String> tables, Path out, Path workDir, String command, boolean keepOthers) {

  static SuiteOptions parse(String[] args) {
    boolean smoke = false;
    int runs = 3;
    int backfillRuns = 1;
    double backfillScale = 1;
    Set<Integer> scenarios = new LinkedHashSet<>();
    Path out = null;
    java.util.List<String> tables = java.util.List.of();
    boolean keepOthers = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--smoke" -> smoke = true;
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--backfill-runs" -> backfillRuns = Integer.parseInt(args[++i]);
        case "--backfill-time-scale" -> backfillScale = Double.parseDouble(args[++i]);
        case "--scenario" -> scenarios.add(Integer.parseInt(args[++i]));
        case "--out" -> out = Path.of(args[++i]);
        case "--tables" -> tables = java.util.List.of(args[++i].split(","));
        case "--keep-others" -> keepOthers = true;
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --smoke, --runs N, "
            + "--backfill-runs N, --backfill-time-scale X, --scenario N (repeatable), --tables T1,T2 (scenarios 1 and 2), "
            + "--out FILE, --keep-others (with --scenario: keep the other scenarios' sections of the existing report)");
      }
    }
    if (smoke) {
      runs = 1;
      backfillRuns = 1;
      backfillScale = 60;
    }
    if (scenarios.isEmpty()) {
      scenarios.addAll(Set.of(1, 2, 3, 4, 5));
    }
    // bin/benchmarks runs the JVM in migration-worker (the test fixtures find kql/ from there) and names the root.
    Path root = Path.of(System.getProperty("bench.root", ".."));
    out = root.resolve(out != null ? out : Path.of(smoke ? "target/BENCHMARKS-smoke.md" : "BENCHMARKS.md"));
    return new SuiteOptions(smoke, runs, backfillRuns, backfillScale, scenarios, tables, out,
        root.resolve("target").resolve("benchmarks"), ("bin/benchmarks " + String.join(" ", args)).trim(),
        keepOthers);
  }

  boolean includes(int scenario) {
    return scenarios.contains(scenario);
  }
}
