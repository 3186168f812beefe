package org.defenderadx.migration.worker.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.worker.defender.Provenance;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.adx.store.Table;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.defender.DefenderSimConfig.Limits;
import org.defenderadx.simulator.defender.DefenderSimulator;
import org.defenderadx.simulator.defender.RowDigest;
import org.defenderadx.simulator.defender.SimStats;
import org.defenderadx.simulator.defender.data.Profile;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.defenderadx.simulator.kql.StoredRow;
import org.defenderadx.simulator.kql.TableSource;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.defender.ServedValues;
import org.defenderadx.simulator.defender.data.SimulatedTenant.TimestampFilter;
import java.util.TreeMap;

/**
 * The simulators for one benchmark run, in the harness's JVM: Azurite, the Defender simulator with the documented
 * limits (100,000 rows and 50 MB per result, 45 calls a minute, 1,500 an hour, 150 s of CPU per 15 minutes) at a
 * time scale, and the ADX stand-in with a chosen batching policy. Built on the test fixture {@link StandIns}.
 */
final class BenchEnvironment implements AutoCloseable {
  /** Event tables (the incremental ones); snapshot tables are not part of these scenarios. */
  static final List<String> EVENT_TABLES = List.of("DeviceProcessEvents", "DeviceNetworkEvents", "DeviceFileEvents",
      "DeviceRegistryEvents", "DeviceEvents", "DeviceLogonEvents", "AlertInfo", "DeviceInfo");

  final StandIns env;
  final double timeScale;

  private BenchEnvironment(StandIns env, double timeScale) {
    this.env = env;
    this.timeScale = timeScale;
  }

  /** @param digestOnly the raw tables keep digests and counts only (10 million rows do not fit in memory) */
  static BenchEnvironment start(Profile profile, double timeScale, Duration batchingTime, boolean digestOnly)
      throws Exception {
    return start(profile, timeScale, batchingTime, digestOnly, Limits.documented(), 42);
  }

  /** As {@link #start(Profile, double, Duration, boolean)} with other limits (scaled-down caps) and data seed. */
  static BenchEnvironment start(Profile profile, double timeScale, Duration batchingTime, boolean digestOnly,
                                Limits limits, long seed) throws Exception {
    return start(profile, timeScale, batchingTime, digestOnly, limits, seed, false);
  }

  /**
   * As {@link #start(Profile, double, Duration, boolean, Limits, long)}; with {@code recordCommands} the stand-in
   * keeps the text of every management command it receives ({@link #managementCommands()}).
   */
  static BenchEnvironment start(Profile profile, double timeScale, Duration batchingTime, boolean digestOnly,
                                Limits limits, long seed, boolean recordCommands) throws Exception {
    StandIns env = StandIns.start(Vertx.vertx(),
        b -> b.profile(profile).timeScale(timeScale).limits(limits).seed(seed),
        o -> o.batching(batchingTime, 500, 1024L * 1024 * 1024).queryRecordLimit(50_000_000L)
            .digestOnly(digestOnly).recordManagementCommands(recordCommands));
    return new BenchEnvironment(env, timeScale);
  }

  /** The management commands the stand-in received so far (empty unless started to record them). */
  List<String> managementCommands() {
    return env.adx.managementCommands();
  }

  Limits limits() {
    return env.sim.config().limits();
  }

  SimStats stats() {
    return env.sim.stats();
  }

  Instant now() {
    return env.time.now();
  }

  /** The node's configuration file: one tenant (the simulator's), ADX on the stand-in, the given tuning. */
  Path writeNodeConfig(Path dir, String name, JsonObject migration) throws Exception {
    return writeNodeConfig(dir, name, migration, new JsonObject());
  }

  /** As {@link #writeNodeConfig(Path, String, JsonObject)}, with {@code adx} settings added to the ADX section. */
  Path writeNodeConfig(Path dir, String name, JsonObject migration, JsonObject adx) throws Exception {
    JsonObject tree = new JsonObject()
        .put("tenants", new JsonArray().add(new JsonObject().put("key", "")
            .put("tenantId", DefenderSimConfig.DEFAULT_TENANT)
            .put("authorityHost", env.sim.tlsBaseUrl())
            .put("credential", new JsonObject().put("kind", "client-secret")
                .put("clientId", DefenderSimConfig.DEFAULT_CLIENT_ID).put("clientSecretEnv", "SIM_SECRET"))
            .put("api", new JsonObject().put("flavour", "graph").put("baseUrl", env.sim.baseUrl())
                .put("callsPerMinute", limits().callsPerMinute()).put("callsPerHour", limits().callsPerHour()))))
        .put("adx", new JsonObject().put("clusterUrl", env.adx.url()).put("database", StandIns.DATABASE)
            .put("credential", new JsonObject().put("kind", "none")).mergeIn(adx))
        .put("migration", migration);
    Files.createDirectories(dir);
    Path file = dir.resolve(name + ".json");
    Files.writeString(file, tree.encodePrettily());
    return file;
  }

  static Map<String, String> nodeEnvironment() {
    return Map.of("SIM_SECRET", DefenderSimConfig.DEFAULT_CLIENT_SECRET);
  }

  Table adxTable(String name) {
    return env.adx.database(StandIns.DATABASE).findTable(name).orElseThrow();
  }

  /** Waits until the stand-in has no ingestion left in its queue or batches (the baseline never waits itself). */
  void awaitIngestionSettled(Duration batching) throws Exception {
    // One batching period and a margin on the simulated clock, then until the row counts stop moving.
    Thread.sleep(env.time.realDelayMillis(batching.plusSeconds(30)));
    long before = -1;
    long after = totalRows();
    while (after != before) {
      Thread.sleep(Math.max(500, env.time.realDelayMillis(Duration.ofSeconds(30))));
      before = after;
      after = totalRows();
    }
  }

  private long totalRows() {
    long n = 0;
    for (String t : EVENT_TABLES) {
      n += env.adx.database(StandIns.DATABASE).findTable(t + "Raw").map(Table::rowCount).orElse(0L);
    }
    return n;
  }

  /** Rows missing from ADX and rows held more than once, against the source's ground truth. */
  record Exactness(long sourceRows, long adxRows, long missing, long duplicated) {
    Exactness plus(Exactness o) {
      return new Exactness(sourceRows + o.sourceRows, adxRows + o.adxRows, missing + o.missing,
          duplicated + o.duplicated);
    }
  }

  /**
   * Compares one table: every source row ingested in [from, to) should be in ADX once. A row in ADX more than once
   * counts as duplicated wherever it falls; rows missing count within [from, to) only (the exporter's committed
   * range).
   *
   * @param sourceTime where the row's source ingestion time is in the record ({@code __SourceIngestionTime} for
   *                   ours; the script's {@code IngestionTime} for the baseline)
   */
  Exactness compare(String table, Instant from, Instant to, String sourceTime) {
    return compare(truth(table, new IngestionTimeRange(from, to)), table, from, to, sourceTime, record -> true, false);
  }

  /**
   * Compares {@code truth} with the ADX rows of {@code table} that {@code ours} accepts: missing are rows of [from, to)
   * at the source and not in ADX, duplicated are extra copies anywhere; ADX rows are counted all, or only those in
   * [from, to) when {@code countInRangeOnly}.
   */
  private Exactness compare(List<String> truth, String table, Instant from, Instant to, String sourceTime,
                            java.util.function.Predicate<JsonObject> ours, boolean countInRangeOnly) {
    Map<String, Integer> counts = new HashMap<>();
    truth.forEach(d -> counts.merge(d, 1, Integer::sum));
    Map<String, Integer> adxCopies = new HashMap<>();
    long adxRows = 0;
    for (Iterator<StoredRow> it = adxTable(table + "Raw").scan(IngestionTimeRange.ALL); it.hasNext(); ) {
      @SuppressWarnings("unchecked")
      JsonObject record = new JsonObject((Map<String, Object>) it.next().value(0));
      if (!ours.test(record)) {
        continue;
      }
      Instant at = KustoTime.parse(record.getString(sourceTime));
      String digest = identity(record);
      adxCopies.merge(digest, 1, Integer::sum);
      boolean inRange = !at.isBefore(from) && at.isBefore(to);
      if (inRange || !countInRangeOnly) {
        adxRows++;
      }
      if (inRange) {
        counts.merge(digest, -1, Integer::sum);
      }
    }
    long missing = counts.values().stream().filter(n -> n > 0).mapToLong(Integer::longValue).sum();
    long duplicated = adxCopies.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
    return new Exactness(truth.size(), adxRows, missing, duplicated);
  }

  /** Lags in seconds, and how many rows of the range ADX did not hold yet when measured. */
  record Lags(List<Double> seconds, int unconfirmed) {
  }

  /**
   * The lag of each row ingested at the source in [from, to): from its ingestion there to its ingestion in ADX (the
   * moment the stand-in made it queryable, which is when the node's confirmation can succeed). A row of the range
   * that ADX does not hold yet counts with the time from {@code to} until now, a lower bound of its lag.
   */
  Lags lags(String table, Instant from, Instant to) {
    List<Double> lags = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (Iterator<StoredRow> it = adxTable(table + "Raw").scan(IngestionTimeRange.ALL); it.hasNext(); ) {
      StoredRow row = it.next();
      @SuppressWarnings("unchecked")
      JsonObject record = new JsonObject((Map<String, Object>) row.value(0));
      Instant source = KustoTime.parse(record.getString("__SourceIngestionTime"));
      if (!source.isBefore(from) && source.isBefore(to)) {
        lags.add(Duration.between(source, row.ingestionTime()).toMillis() / 1000.0);
        seen.merge(identity(record), 1, Integer::sum);
      }
    }
    int unconfirmed = 0;
    for (String d : truth(table, new IngestionTimeRange(from, to))) {
      if (seen.merge(d, -1, Integer::sum) < 0) {
        unconfirmed++;
      }
    }
    double atLeast = Duration.between(to, now()).toMillis() / 1000.0;
    for (int i = 0; i < unconfirmed; i++) {
      lags.add(atLeast);
    }
    return new Lags(lags, unconfirmed);
  }

  /**
   * A row's identity for these comparisons: its {@link RowDigest} with null and empty-string top-level values left
   * out, and without the baseline's extra {@code IngestionTime}. Kusto has no null strings, and the simulator serves
   * an empty string column as null from a plain scan but as "" after {@code serialize}, so the two must compare
   * equal.
   */
  static String identity(JsonObject row) {
    JsonObject copy = row.copy();
    copy.remove("IngestionTime");
    copy.getMap().values().removeIf(v -> v == null || "".equals(v));
    return RowDigest.of(copy);
  }

  /**
   * As {@link #compare} for one tenant of several: the source is that tenant's simulator, and only the ADX rows
   * exported for its key count; ADX rows are counted within [from, to) only, so they add up to the source's.
   */
  Exactness compareTenant(DefenderSimulator sim, String tenantKey, String table, Instant from, Instant to) {
    return compare(truth(sim, table, new IngestionTimeRange(from, to)), table, from, to, "__SourceIngestionTime",
        record -> tenantKey.equals(record.getString(Provenance.TENANT)), true);
  }

  /** The identities of the rows the source holds now, ingested in {@code range}. */
  List<String> truth(String table, IngestionTimeRange range) {
    return truth(env.sim, table, range);
  }

  /** The identities of the rows {@code sim}'s tenant holds now, ingested in {@code range}. */
  static List<String> truth(DefenderSimulator sim, String table, IngestionTimeRange range) {
    TableSource source = sim.tenant().at(sim.clock().instant(), TimestampFilter.NONE).table(table).orElseThrow();
    List<String> out = new ArrayList<>();
    for (Iterator<StoredRow> it = source.scan(range); it.hasNext(); ) {
      StoredRow row = it.next();
      if (range.contains(row.ingestionTime())) {
        Map<String, Object> served = new TreeMap<>();
        for (int i = 0; i < source.columns().size(); i++) {
          Column c = source.columns().get(i);
          served.put(c.name(), ServedValues.toJsonValue(c.type(), row.value(i)));
        }
        out.add(identity(new JsonObject(served)));
      }
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    env.close();
  }
}
