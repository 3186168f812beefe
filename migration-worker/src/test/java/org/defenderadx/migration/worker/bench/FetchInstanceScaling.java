package org.defenderadx.migration.worker.bench;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.defenderadx.simulator.defender.data.Profile;

/**
 * Part of scenario 1: the same backfill with one and with two fetch verticle instances ({@code
 * migration.fetchInstances}) on one node, each on fresh simulators, one after the other on the same machine; and how
 * busy the node and the whole machine were, since on a small machine the node shares its cores with the simulators.
 */
final class FetchInstanceScaling {
  /** Two event tables of the same size, so that two instances can each run one from start to end. */
  static final List<String> TABLES = List.of("DeviceEvents", "DeviceRegistryEvents");
  static final int[] INSTANCES = {1, 2};
  /**
   * The full run back-fills the last week of the two tables (about 230,000 rows each): two more backfills of 30
   * days would double scenario 1's time, and a rate needs minutes, not the whole horizon. The smoke run takes its
   * usual two days.
   */
  static final Duration LOOKBACK = Duration.ofDays(7);
  /** The machine counts as CPU-bound when this share of its cores was busy on average. */
  private static final double CPU_BOUND = 0.85;

  private FetchInstanceScaling() {
  }

  /** One backfill with {@code instances} fetch instances. */
  record Result(int instances, BackfillScenario.Run run, double machineCores, double load) {
    double rowsPerSecond() {
      return run.rows() / run.seconds();
    }

    /** The node's CPU seconds over its wall seconds: how many cores it kept busy on average. */
    double nodeCores() {
      return run.process().cpuSeconds() / run.seconds();
    }
  }

  static void measure(ScenarioReport report, SuiteOptions o) throws Exception {
    Profile profile = o.smoke() ? Profile.SMALL : Profile.LARGE;
    List<Result> results = new ArrayList<>();
    for (int instances : INSTANCES) {
      try (BenchEnvironment env = BenchEnvironment.start(profile, o.backfillTimeScale(), Duration.ofMinutes(5),
          true)) {
        JsonObject tuning = tuning(o).put("fetchInstances", instances);
        long[] before = Machine.cpuTicks();
        BackfillScenario.Run run = BackfillScenario.once(env, TABLES, o.workDir(), "instances-" + instances, tuning);
        results.add(new Result(instances, run, Machine.coresBusy(before, Machine.cpuTicks()), Machine.load()));
      }
    }
    String tables = String.join(", ", TABLES);
    for (Result r : results) {
      String who = r.instances() + " fetch instance" + (r.instances() == 1 ? "" : "s") + " (" + tables + "): ";
      report.add(Figure.of(who + "rows per second", Samples.of(r.rowsPerSecond()), "rows/s", "%.0f"));
      report.add(Figure.of(who + "rows exported", Samples.of(r.run().rows()), "rows", "%.0f"));
      report.add(Figure.of(who + "node CPU (CPU seconds ÷ wall seconds)", Samples.of(r.nodeCores()), "cores", "%.2f"));
      report.add(Figure.of(who + "machine CPU, all processes (busy cores of " + cores() + ")",
          Samples.of(r.machineCores()), "cores", "%.2f"));
    }
    Result single = results.get(0);
    Result two = results.get(results.size() - 1);
    double ratio = two.rowsPerSecond() / single.rowsPerSecond();
    report.add(Figure.of("rows per second, " + two.instances() + " fetch instances ÷ 1", Samples.of(ratio), "×", "%.2f"));
    report.note(note(profile, o, single, two, ratio));
  }

  private static String note(Profile profile, SuiteOptions o, Result single, Result two, double ratio) {
    boolean cpuBound = two.machineCores() >= CPU_BOUND * cores();
    String verdict;
    if (cpuBound && ratio >= 1.2) {
      verdict = String.format(Locale.ROOT, "The machine was CPU-bound in both runs (%.2f and %.2f of %d cores busy "
          + "on average, all processes: the simulators, the ADX stand-in and Azurite in the harness, and other work "
          + "on the machine). The node kept %.2f cores busy with %d instances against %.2f with one: on a saturated "
          + "machine a second event loop also wins a larger share of the contended CPU from the other processes, so "
          + "part of the ×%.2f is that share, and the ratio is not what a second instance gains where cores are "
          + "spare.", single.machineCores(), two.machineCores(), cores(), two.nodeCores(), two.instances(),
          single.nodeCores(), ratio);
    } else if (cpuBound) {
      verdict = String.format(Locale.ROOT, "The machine was CPU-bound in the %d-instance run (%.2f of %d cores busy "
          + "on average, the node itself %.2f; the rest is the simulators, the ADX stand-in and Azurite in the "
          + "harness, and other work on the machine): a second instance had no idle core to run on, so this ratio "
          + "shows the node and its simulated services sharing %d cores, not what a second instance gains where "
          + "cores are spare.", two.instances(), two.machineCores(), cores(), two.nodeCores(), cores());
    } else if (ratio < 1.2) {
      verdict = String.format(Locale.ROOT, "The machine had CPU to spare in the %d-instance run (%.2f of %d cores "
          + "busy on average, the node itself %.2f), yet the rate barely moved: the limit was not the machine's CPU, "
          + "and this harness does not say what it was.", two.instances(), two.machineCores(), cores(),
          two.nodeCores());
    } else {
      verdict = String.format(Locale.ROOT, "The second instance ran on CPU the first left idle: the node kept %.2f "
          + "cores busy with %d instances against %.2f with one (the machine %.2f and %.2f of %d).",
          two.nodeCores(), two.instances(), single.nodeCores(), two.machineCores(), single.machineCores(), cores());
    }
    return String.format(Locale.ROOT, "Fetch instances: the %s profile's %s back-filled by one node with "
            + "`migration.fetchInstances` 1, then %d (node settings %s plus the instances), each on fresh "
            + "simulators at time scale %.0f, one after the other on this machine. %.0f rows/s with 1 instance, "
            + "%.0f with %d: ×%.2f. %s Load average (1 min) at the end of each run: %.1f and %.1f.",
        profile.name().toLowerCase(Locale.ROOT), String.join(" and ", TABLES), two.instances(),
        tuning(o).encode(), o.backfillTimeScale(), single.rowsPerSecond(), two.rowsPerSecond(),
        two.instances(), ratio, verdict, single.load(), two.load());
  }

  private static JsonObject tuning(SuiteOptions o) {
    return o.smoke() ? BackfillScenario.tuning(o) : new JsonObject().put("initialLookback", LOOKBACK.toDays() + "d");
  }

  private static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }
}
