package org.defenderadx.migration.worker.bench;

import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.bench.BenchEnvironment.Exactness;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.defender.DefenderSimConfig.ByteCap;
import org.defenderadx.simulator.defender.DefenderSimConfig.Limits;
import org.defenderadx.simulator.defender.DefenderSimulator;
import org.defenderadx.simulator.defender.data.Profile;

/**
 * Scenario 4: three tenants (three Defender simulators, different seeds, each enforcing its own call quota), one
 * ADX stand-in; first one node configured with all three tenants, then three clustered nodes with the same
 * configuration. Also the quota-bound run of scenario 1 (one tenant, one node), which is the same measurement.
 *
 * <p>The measurement needs the call quota, not the CPU, to be the limit. At the documented caps (100,000 rows and
 * 50 MB per call) a 2-core machine cannot serve, parse, compress and ingest 45 calls' worth of rows a simulated
 * minute at any useful time scale, so these runs divide both caps by {@link #CAP_DIVISOR} and take a few days of
 * a medium tenant: the same number of calls then carries a 500th of the bytes.
 */
final class TenantShareScenario {
  static final String TITLE = "Three tenants on one node and on three clustered nodes";
  static final String MEASURES = "Each tenant's share of its call quota while it back-fills, with the three tenants "
      + "(three Defender simulators, different seeds, each enforcing its own 45 calls a minute and 1,500 an hour) "
      + "on one node, then on three clustered nodes (Hazelcast on loopback, each node in a JVM of its own with "
      + "`-Xmx512m`, the same configuration on each; the cluster spreads the tables over the nodes through its "
      + "table leases), all writing to one ADX stand-in. A tenant's share is its calls from just before its first "
      + "call to the moment all its tables were caught up (each table's last outcome says so and its watermark "
      + "has reached the current day's cell: an outcome alone can say caught up a day early), against the ceiling "
      + "that simulated time allowed (the smaller of 45 a minute and 1,500 an hour over that time, pro rata). "
      + "Every tenant's rows in ADX are then compared with its simulator's ground truth.";

  /** Both documented caps are divided by this for the quota-bound runs. */
  static final int CAP_DIVISOR = 500;
  /** Event tables of similar size, so that a tenant's tables finish close together (a lone table cannot use the
   *  whole quota: its pipeline holds four windows, each waiting for its ingestion to be confirmed). */
  static final List<String> TABLES = List.of("DeviceEvents", "DeviceRegistryEvents", "DeviceFileEvents");
  static final List<String> TENANT_KEYS = List.of("tenant-a", "tenant-b", "tenant-c");

  private TenantShareScenario() {
  }

  /** The data, caps and clock of a quota-bound run. */
  record Setup(Profile profile, Duration lookback, double timeScale, Duration batching, List<String> tables) {
    static Setup of(SuiteOptions o) {
      return o.smoke()
          ? new Setup(Profile.SMALL, Duration.ofDays(1), 60, Duration.ofSeconds(5), TABLES)
          // About 1,400 calls a tenant: an hour of simulated quota, three minutes at time scale 20.
          : new Setup(Profile.MEDIUM, Duration.ofDays(2), 20, Duration.ofSeconds(5), TABLES);
    }

    /**
     * A back-fill sized to last about 20 simulated minutes at the per-minute quota: two of the three tables, so
     * about 950 calls (two thirds of {@link #of}'s), against a ceiling of 900 in 20 minutes. A minute of real time
     * at time scale 20, plus the start of the simulators and the node: too long for the smoke run.
     */
    static Setup twentyMinutes() {
      return new Setup(Profile.MEDIUM, Duration.ofDays(2), 20, Duration.ofSeconds(5), TABLES.subList(0, 2));
    }

    Limits limits() {
      Limits d = Limits.documented();
      return d.withRowCap(d.rowCap() / CAP_DIVISOR).withByteCaps(scaled(d.graphByteCap()), scaled(d.xdrByteCap()),
          scaled(d.mdeByteCap()));
    }

    private static ByteCap scaled(ByteCap c) {
      return new ByteCap(c.bytes() / CAP_DIVISOR, c.errorWhenExceeded());
    }

    /** The node's settings: the planner must know the scaled caps (a little under the simulator's, as by default). */
    JsonObject migration() {
      return new JsonObject().put("windowGrid", "1d").put("initialLookback", lookback.toDays() + "d")
          .put("rowCap", limits().rowCap())
          .put("byteCap", String.valueOf(50_000_000L / CAP_DIVISOR));
    }

    String describe() {
      Limits l = limits();
      return String.format(Locale.ROOT, "Scaled for a 2-core machine: the simulators' caps are the documented ones "
          + "divided by %d (%,d rows and %,d bytes per result instead of 100,000 rows and 50 MiB; the nodes plan "
          + "with rowCap %d and byteCap %s), and each window reserves a 1 MiB blob (`adx.blobTargetSize`, its "
          + "minimum) instead of 100 MB, since no result is larger; the call quotas are the documented ones. At the "
          + "documented caps this machine is CPU-bound long before the quota binds (scenario 1). Profile %s, the "
          + "last %d days (`initialLookback`), tables %s, time scale %.0f, stand-in batching %d simulated seconds, "
          + "node settings %s.", CAP_DIVISOR, l.rowCap(), l.graphByteCap().bytes(), l.rowCap(),
          migration().getString("byteCap"), profile.name().toLowerCase(Locale.ROOT), lookback.toDays(),
          String.join(", ", tables), timeScale, batching.toSeconds(), migration().encode());
    }
  }

  /**
   * Where a tenant's calls fell short of the pace its ceiling allowed (ceiling ÷ minutes), simulated minute by
   * minute from its first call: the calls missing in the minutes under 90% of that pace at the start, at the end,
   * and between, with how many minutes each.
   */
  record Shortfall(int startMinutes, double startCalls, int endMinutes, double endCalls, int betweenMinutes,
                   double betweenCalls) {
  }

  /** One tenant's figures in one run of a layout. */
  record TenantRun(String key, long calls, long calls429, double minutes, double ceiling, double busiestMinute,
                   Exactness exact, int callsPerMinute, int callsPerHour, Shortfall shortfall) {
    double share() {
      return 100.0 * calls / ceiling;
    }

    /** Why the share is what it is, from the same run's numbers. */
    String why(double load) {
      return String.format(Locale.ROOT, "%s used %d calls of the %.0f its %.1f simulated minutes allowed, a pace "
              + "of %.1f a minute (the per-minute quota of %d binds for a run of up to %.0f minutes, the hourly "
              + "one beyond); its busiest simulated minute had %.0f calls; %d answers were 429s. Below 90%% of that "
              + "pace it fell short by %.0f calls in its first %d minute(s), %.0f in its last %d and %.0f in %d "
              + "minute(s) between; the machine's load average reached %.1f on %d cores.",
          key.isEmpty() ? "The tenant" : key, calls, ceiling, minutes, ceiling / Math.max(minutes, 1e-9),
          callsPerMinute, (double) callsPerHour / callsPerMinute, busiestMinute, calls429,
          shortfall.startCalls(), shortfall.startMinutes(), shortfall.endCalls(), shortfall.endMinutes(),
          shortfall.betweenCalls(), shortfall.betweenMinutes(), load, Runtime.getRuntime().availableProcessors());
    }
  }

  /** A run's samples of one simulator's counters on its simulated clock. */
  private record Sample(Instant at, long calls, long calls429) {
  }

  static ScenarioReport run(SuiteOptions o) throws Exception {
    ScenarioReport report = new ScenarioReport(TITLE, MEASURES);
    Setup setup = Setup.of(o);
    long start = System.nanoTime();
    List<List<TenantRun>> oneNode = new ArrayList<>();
    List<List<TenantRun>> threeNodes = new ArrayList<>();
    double load = 0;
    for (int i = 0; i < o.runs(); i++) {
      oneNode.add(runLayout(setup, TENANT_KEYS, 1, o.workDir(), "tenants-1node-" + i));
      load = Math.max(load, Machine.load());
      threeNodes.add(runLayout(setup, TENANT_KEYS, 3, o.workDir(), "tenants-3nodes-" + i));
      load = Math.max(load, Machine.load());
    }
    report.runs = o.runs();
    report.seconds = (System.nanoTime() - start) / 1e9;
    report.setup = setup.describe();
    // The smoke run's few calls cannot bind the quota: it proves the harness and the exactness, not the share.
    figures(report, "one node", oneNode, load, !o.smoke());
    figures(report, "three nodes", threeNodes, load, !o.smoke());
    if (o.smoke()) {
      report.note("Smoke run: a few calls per tenant cannot bind the quota, so the shares are not judged here; "
          + "the full run's data is sized to keep each tenant at its quota for about a simulated hour.");
    }
    return report;
  }

  /** Adds one layout's figures per tenant; {@code runs} holds each run's tenants in the same order. */
  static void figures(ScenarioReport report, String layout, List<List<TenantRun>> runs, double load,
                      boolean target) {
    for (int t = 0; t < runs.get(0).size(); t++) {
      int index = t;
      List<TenantRun> mine = runs.stream().map(r -> r.get(index)).toList();
      String who = layout + (mine.get(0).key().isEmpty() ? "" : ", " + mine.get(0).key()) + ": ";
      Figure share = Figure.of(who + "share of the call budget used", of(mine, TenantRun::share), "%", "%.0f");
      if (target) {
        // The reason comes from the run whose share is the median (or the lower middle one).
        List<TenantRun> sorted = new ArrayList<>(mine);
        sorted.sort(java.util.Comparator.comparingDouble(TenantRun::share));
        share = share.target("≥ 90%", v -> v >= 90, sorted.get((sorted.size() - 1) / 2).why(load));
      }
      report.add(share);
      report.add(Figure.of(who + "calls (all answers)", of(mine, r -> r.calls()), "calls", "%.0f"));
      report.add(Figure.of(who + "simulated minutes back-filling", of(mine, TenantRun::minutes), "min", "%.1f"));
      report.add(Figure.of(who + "busiest simulated minute", of(mine, TenantRun::busiestMinute), "calls", "%.0f"));
      report.add(Figure.of(who + "429 answers", of(mine, r -> r.calls429()), "", "%.0f"));
      report.add(Figure.of(who + "rows at the source", of(mine, r -> r.exact().sourceRows()), "rows", "%.0f"));
      report.add(Figure.of(who + "rows in ADX", of(mine, r -> r.exact().adxRows()), "rows", "%.0f"));
      report.add(Figure.of(who + "rows missing or duplicated in ADX",
          of(mine, r -> r.exact().missing() + r.exact().duplicated()), "rows", "%.0f")
          .target("0 in every run", v -> mine.stream().allMatch(r -> r.exact().missing() + r.exact().duplicated()
              == 0), "A run left rows missing or duplicated (see the spread)."));
    }
  }

  private static Samples of(List<TenantRun> runs, java.util.function.ToDoubleFunction<TenantRun> f) {
    return new Samples(runs.stream().map(r -> f.applyAsDouble(r)).toList());
  }

  /**
   * One run of a layout: fresh simulators (one per tenant) and ADX stand-in, {@code nodes} node JVMs with every
   * tenant in their configuration, until every tenant's tables have caught up; then each tenant's share of its
   * quota and the exactness of its rows.
   */
  static List<TenantRun> runLayout(Setup setup, List<String> keys, int nodes, Path work, String name)
      throws Exception {
    Limits limits = setup.limits();
    try (BenchEnvironment env = BenchEnvironment.start(setup.profile(), setup.timeScale(), setup.batching(), false,
        limits, 42)) {
      List<DefenderSimulator> sims = new ArrayList<>(List.of(env.env.sim));
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      List<ChildJvm.Running> running = new ArrayList<>();
      try {
        for (int i = 1; i < keys.size(); i++) {
          DefenderSimulator sim = await(DefenderSimulator.start(env.env.vertx, DefenderSimConfig.builder()
              .profile(setup.profile()).seed(42 + i).timeScale(setup.timeScale()).limits(limits).build()));
          // Started later, so behind on the same anchor: one simulated timeline for every tenant and the node.
          Duration behind = Duration.between(sim.clock().instant(), env.now());
          if (!behind.isNegative()) {
            sim.clock().advance(behind);
          }
          sims.add(sim);
        }
        Path dir = work.resolve(name);
        Files.createDirectories(dir);
        Path certificates = dir.resolve("simulators.pem");
        StringBuilder pem = new StringBuilder();
        for (DefenderSimulator sim : sims) {
          pem.append(Files.readString(Path.of(sim.certificatePath()))).append('\n');
        }
        Files.writeString(certificates, pem);

        List<List<Sample>> samples = new ArrayList<>();
        sims.forEach(s -> samples.add(java.util.Collections.synchronizedList(new ArrayList<>())));
        Runnable sample = () -> {
          for (int i = 0; i < sims.size(); i++) {
            SimProbe.Counters c = SimProbe.Counters.of(sims.get(i).stats(), "graph");
            samples.get(i).add(new Sample(sims.get(i).clock().instant(), c.calls(), c.calls429()));
          }
        };
        sample.run();
        sampler.scheduleAtFixedRate(sample, 100, 100, TimeUnit.MILLISECONDS);

        List<String> members = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
          ports.add(freePort());
          members.add("127.0.0.1:" + ports.get(n));
        }
        String cluster = "bench-" + UUID.randomUUID();
        for (int n = 0; n < nodes; n++) {
          String node = "bench-" + (char) ('a' + n);
          Optional<JsonObject> clustering = nodes == 1 ? Optional.empty() : Optional.of(new JsonObject()
              .put("enabled", true).put("name", cluster).put("host", "127.0.0.1").put("port", ports.get(n))
              .put("members", new JsonArray(members)));
          Path config = writeConfig(env, sims, keys, setup, clustering, dir.resolve(node + ".json"));
          running.add(ChildJvm.start(NodeProcess.class, "512m", List.of(config.toString(), certificates.toString(),
              node, String.join(",", setup.tables()), "0", "strict"), BenchEnvironment.nodeEnvironment(),
              dir.resolve(node + ".log")));
        }
        // Tables are configured once every node is up, so the first cycle spreads them over all of them.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        for (int n = 0; n < nodes; n++) {
          while (!running.get(n).printed("node bench-" + (char) ('a' + n) + " started")) {
            if (System.nanoTime() > deadline || !running.get(n).process().isAlive()) {
              throw new IllegalStateException("node " + n + " did not start; see " + running.get(n).log());
            }
            Thread.sleep(200);
          }
        }
        configure(env, keys, setup.tables());

        JsonObject result = awaitAnyResult(running, TimeUnit.MINUTES.toNanos(60));
        sampler.shutdown();
        sampler.awaitTermination(10, TimeUnit.SECONDS);
        for (ChildJvm.Running r : running) {
          r.kill();
        }

        Map<String, MigrationConfigRow> state = new java.util.HashMap<>();
        for (MigrationConfigRow row : await(env.env.state.latest()).rows()) {
          state.put(row.tenantId() + "|" + row.sourceTable(), row);
        }
        List<TenantRun> out = new ArrayList<>();
        JsonObject caughtUp = result.getJsonObject("tenantsCaughtUpAt");
        for (int i = 0; i < keys.size(); i++) {
          String key = keys.get(i);
          Instant end = Instant.parse(caughtUp.getString(key));
          Exactness exact = new Exactness(0, 0, 0, 0);
          for (String table : setup.tables()) {
            Instant to = state.get(key + "|" + table).lastRefreshed().orElseThrow();
            exact = exact.plus(env.compareTenant(sims.get(i), key, table, firstWindowStart(env, key, table), to));
          }
          out.add(tenantRun(key, samples.get(i), end, limits, exact));
        }
        return out;
      } finally {
        sampler.shutdownNow();
        for (ChildJvm.Running r : running) {
          r.kill();
        }
        for (DefenderSimulator sim : sims.subList(1, sims.size())) {
          await(sim.stop());
        }
      }
    }
  }

  /** The calls of one tenant from just before its first call to {@code end}, against what that time allowed. */
  private static TenantRun tenantRun(String key, List<Sample> all, Instant end, Limits limits, Exactness exact) {
    List<Sample> samples;
    synchronized (all) {
      samples = List.copyOf(all);
    }
    Sample base = samples.get(0);
    // The last sample before the first call: the window starts no later than the tenant's first call.
    int first = 1;
    while (first < samples.size() && samples.get(first).calls() == base.calls()) {
      first++;
    }
    Instant start = samples.get(first - 1).at();
    // The last sample at or before the end: calls made after it are not counted.
    Sample last = base;
    for (Sample s : samples) {
      if (!s.at().isAfter(end)) {
        last = s;
      }
    }
    double minutes = Duration.between(start, end).toMillis() / 60_000.0;
    // Calls in every simulated minute of the window (sliding, at the sampling's resolution).
    double busiest = 0;
    int j = 0;
    for (int i = first - 1; i < samples.size() && !samples.get(i).at().isAfter(end); i++) {
      Sample s = samples.get(i);
      while (Duration.between(samples.get(j).at(), s.at()).compareTo(Duration.ofMinutes(1)) > 0) {
        j++;
      }
      if (Duration.between(start, s.at()).compareTo(Duration.ofMinutes(1)) >= 0) {
        long inMinute = s.calls() - samples.get(j).calls();
        busiest = Math.max(busiest, inMinute);
      }
    }
    double ceiling = BackfillScenario.Run.callCeiling(limits, minutes);
    return new TenantRun(key, last.calls() - base.calls(), last.calls429() - base.calls429(), minutes, ceiling,
        busiest, exact, limits.callsPerMinute(), limits.callsPerHour(),
        shortfall(samples, start, end, ceiling / Math.max(minutes, 1e-9)));
  }

  /** Minute by minute from {@code start}, the calls short of {@code pace} where a minute made under 90% of it. */
  private static Shortfall shortfall(List<Sample> samples, Instant start, Instant end, double pace) {
    List<Double> lost = new ArrayList<>();
    for (Instant lo = start; lo.isBefore(end); lo = lo.plus(Duration.ofMinutes(1))) {
      Instant hi = lo.plus(Duration.ofMinutes(1)).isAfter(end) ? end : lo.plus(Duration.ofMinutes(1));
      double allowed = pace * Duration.between(lo, hi).toMillis() / 60_000.0;
      long made = callsAt(samples, hi) - callsAt(samples, lo);
      // NaN marks a minute at 90% of the pace or more.
      lost.add(made < 0.9 * allowed ? allowed - made : Double.NaN);
    }
    int head = 0;
    while (head < lost.size() && !lost.get(head).isNaN()) {
      head++;
    }
    int tail = 0;
    while (tail < lost.size() - head && !lost.get(lost.size() - 1 - tail).isNaN()) {
      tail++;
    }
    List<Double> between = lost.subList(head, lost.size() - tail).stream().filter(v -> !v.isNaN()).toList();
    return new Shortfall(head, sum(lost.subList(0, head)), tail, sum(lost.subList(lost.size() - tail, lost.size())),
        between.size(), sum(between));
  }

  private static double sum(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).sum();
  }

  /** The calls counted by the last sample at or before {@code at}. */
  private static long callsAt(List<Sample> samples, Instant at) {
    long calls = samples.get(0).calls();
    for (Sample s : samples) {
      if (s.at().isAfter(at)) {
        break;
      }
      calls = s.calls();
    }
    return calls;
  }

  /** Waits until one of the nodes reports (in a cluster only the active coordinator's node does). */
  private static JsonObject awaitAnyResult(List<ChildJvm.Running> running, long timeoutNanos) throws Exception {
    long deadline = System.nanoTime() + timeoutNanos;
    while (System.nanoTime() < deadline) {
      for (ChildJvm.Running r : running) {
        Optional<JsonObject> result = r.result();
        if (result.isPresent()) {
          return result.get();
        }
      }
      if (running.stream().noneMatch(r -> r.process().isAlive())) {
        throw new IllegalStateException("every node exited without a result; see " + running.get(0).log());
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no node reported within " + timeoutNanos / 60_000_000_000L + " minutes; see "
        + running.get(0).log());
  }

  /** The start of the tenant's first committed window of the table. */
  private static Instant firstWindowStart(BenchEnvironment env, String key, String table) throws Exception {
    List<Map<String, Object>> r = await(env.env.adxClient.query("MigrationAuditLog | where Status == 'Succeeded' "
        + "and TenantId == '" + key + "' and SourceTable == '" + table + "' | summarize S = min(WindowStart)"));
    Object v = r.get(0).get("S");
    return v instanceof Instant i ? i : KustoTime.parse(String.valueOf(v));
  }

  /** The tables of every tenant, as seed-configuration.kql would configure them (one append: one cycle sees all). */
  private static void configure(BenchEnvironment env, List<String> keys, List<String> tables) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String key : keys) {
      for (String t : tables) {
        rows.add(Map.of("SourceTable", t, "DestinationTable", t + "Raw", "WatermarkColumn", "None",
            "LoadType", "Incremental", "IsActive", true, "TenantId", key, "Version", 1L));
      }
    }
    await(env.env.appender.append(MigrationStateStore.CONFIG_TABLE, rows));
  }

  /** A node's configuration: every tenant (each on its own simulator), ADX on the stand-in, maybe a cluster. */
  private static Path writeConfig(BenchEnvironment env, List<DefenderSimulator> sims, List<String> keys,
                                  Setup setup, Optional<JsonObject> cluster, Path file) throws Exception {
    JsonArray tenants = new JsonArray();
    for (int i = 0; i < keys.size(); i++) {
      DefenderSimulator sim = sims.get(i);
      tenants.add(new JsonObject().put("key", keys.get(i))
          .put("tenantId", DefenderSimConfig.DEFAULT_TENANT)
          .put("authorityHost", sim.tlsBaseUrl())
          .put("credential", new JsonObject().put("kind", "client-secret")
              .put("clientId", DefenderSimConfig.DEFAULT_CLIENT_ID).put("clientSecretEnv", "SIM_SECRET"))
          .put("api", new JsonObject().put("flavour", "graph").put("baseUrl", sim.baseUrl())
              .put("callsPerMinute", setup.limits().callsPerMinute())
              .put("callsPerHour", setup.limits().callsPerHour())));
    }
    JsonObject tree = new JsonObject()
        .put("tenants", tenants)
        .put("adx", new JsonObject().put("clusterUrl", env.env.adx.url()).put("database", StandIns.DATABASE)
            .put("credential", new JsonObject().put("kind", "none")).put("blobTargetSize", "1MiB"))
        .put("migration", setup.migration())
        .put("http", new JsonObject().put("port", 0));
    cluster.ifPresent(c -> tree.put("cluster", c));
    Files.writeString(file, tree.encodePrettily());
    return file;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
