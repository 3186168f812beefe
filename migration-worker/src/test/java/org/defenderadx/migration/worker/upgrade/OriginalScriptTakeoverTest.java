package org.defenderadx.migration.worker.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import com.microsoft.azure.kusto.ingest.IngestionMapping;
import com.microsoft.azure.kusto.ingest.IngestionProperties;
import com.microsoft.azure.kusto.ingest.source.StreamSourceInfo;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.common.kql.KqlScript;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.SnapshotTables;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.node.MigrationNode;
import org.defenderadx.migration.worker.testing.ExactlyOnce;
import org.defenderadx.migration.worker.testing.Simulators;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.defender.RowDigest;
import org.defenderadx.simulator.defender.ServedValues;
import org.defenderadx.simulator.defender.data.SimulatedTenant;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.defenderadx.simulator.kql.StoredRow;
import org.defenderadx.simulator.kql.TableSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A database the original Python script (DAFMigration.py) filled, built on the ADX stand-in with the original's own
 * KQL and writes, taken over with the upgrade and then exported by a node: nothing is copied twice or missed from
 * the old watermarks on, snapshot tables are snapshotted at once, a switched-off table stays off, and the original's
 * view still answers the original's queries.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class OriginalScriptTakeoverTest {

  private static final Path ORIGINAL_KQL = Path.of("..", "migration-simulator", "src", "test", "resources", "kql",
      "original");
  /** Windowed on ingestion_time() by the original ("None"). */
  private static final String BY_INGESTION = "DeviceNetworkEvents";
  /** Windowed on Timestamp by the original. */
  private static final String BY_TIMESTAMP = "DeviceFileEvents";
  /** Exported by the original, then switched off with a later row. */
  private static final String SWITCHED_OFF = "DeviceRegistryEvents";
  /** Above the simulator's largest lateness (3 days), so the Timestamp table's comparison is exact. */
  private static final Duration ALLOWANCE = Duration.ofDays(4);

  private StandIns env;

  @BeforeEach
  void start() throws Exception {
    env = StandIns.startWithoutSetup(Vertx.vertx());
  }

  @AfterEach
  void stop() throws Exception {
    env.close();
  }

  @Test
  void takeoverContinuesExactlyFromTheOldWatermarksSnapshotsAtOnceAndKeepsTheOldViewAnswering() throws Exception {
    // GIVEN the original's database: its setup and seed scripts, event tables it ran for a while, with its writes
    Instant now = env.time.now();
    apply(ORIGINAL_KQL.resolve("TVMExportConfig.kql"));
    apply(ORIGINAL_KQL.resolve("TVMExportConfigInsert.kql"));
    for (String t : List.of(BY_INGESTION, BY_TIMESTAMP, SWITCHED_OFF)) {
      await(env.adxClient.mgmt(".create-merge table " + t + "Raw (Records:dynamic) with (folder='Raw')"));
      await(env.adxClient.mgmt(".create-or-alter table " + t + "Raw ingestion json mapping 'DynamicJsonMap' "
          + "'[{\"column\":\"Records\",\"Properties\":{\"Path\":\"$\"},\"datatype\":\"dynamic\"}]'"));
    }
    // An ingestion-time watermark on an instant several rows share, at least two hours back.
    Instant byIngestionWatermark = sharedIngestionInstant(BY_INGESTION, now.minus(Duration.ofHours(26)),
        now.minus(Duration.ofHours(2)));
    int copiedByIngestion = originalCopies(BY_INGESTION, now.minus(Duration.ofHours(26)), byIngestionWatermark, true);
    originalConfigRow(BY_INGESTION, "None", byIngestionWatermark, true);
    // A Timestamp watermark: the original's last run five days back took what had arrived by then.
    Instant lastRun = now.minus(Duration.ofDays(5));
    Instant byTimestampWatermark = largestTimestamp(BY_TIMESTAMP, lastRun.minus(Duration.ofDays(1)), lastRun);
    originalCopies(BY_TIMESTAMP, lastRun.minus(Duration.ofDays(1)), lastRun, false);
    originalConfigRow(BY_TIMESTAMP, "Timestamp", byTimestampWatermark, true);
    // A table it exported, then switched off with a later row.
    Instant switchedOffWatermark = now.minus(Duration.ofHours(6));
    originalConfigRow(SWITCHED_OFF, "None", switchedOffWatermark, true);
    await(env.vertx.timer(50));
    originalConfigRow(SWITCHED_OFF, "None", switchedOffWatermark.minus(Duration.ofHours(1)), false);
    // Snapshot tables with old watermarks: on ingestion time an hour back, and on the seed's time columns.
    originalConfigRow("DeviceTvmSoftwareInventory", "None", now.minus(Duration.ofHours(1)), true);
    originalConfigRow("DeviceTvmBrowserExtensions", "InstallationTime", now.minus(Duration.ofDays(3)), true);
    originalConfigRow("DeviceBaselineComplianceProfiles", "LastUpdatedOn", now.minus(Duration.ofDays(2)), true);
    waitForRows(BY_INGESTION + "Raw", copiedByIngestion);
    List<String> originalViewColumns = columns("VwLatestMigrationConfiguration");

    // WHEN the upgrade runs (twice: the second changes nothing) and a node runs
    OriginalTakeover takeover = new OriginalTakeover(env.adxClient, Path.of("..", "kql"), env.time);
    TakeoverReport report = await(takeover.run(new OriginalTakeover.Options(ALLOWANCE, false)));
    TakeoverReport again = await(takeover.run(new OriginalTakeover.Options(ALLOWANCE, false)));

    // THEN the report says what was carried forward, what stays off and which old columns are no longer used
    assertThat(report.count(TakeoverReport.Outcome.CARRIED_FORWARD)).as(report.render()).isEqualTo(11);
    assertThat(report.entries()).filteredOn(e -> e.outcome() == TakeoverReport.Outcome.LEFT_SWITCHED_OFF)
        .extracting(TakeoverReport.Entry::sourceTable).containsExactly(SWITCHED_OFF);
    assertThat(report.entries()).filteredOn(e -> e.oldColumnIgnored().isPresent())
        .extracting(TakeoverReport.Entry::sourceTable).containsExactlyInAnyOrder("DeviceTvmBrowserExtensions",
            "DeviceBaselineComplianceProfiles", "DeviceTvmSecureConfigurationAssessment");
    assertThat(report.carriedThisRun()).isEqualTo(12);
    assertThat(again.carriedThisRun()).isZero();
    assertThat(again.entries()).extracting(TakeoverReport.Entry::outcome)
        .isEqualTo(report.entries().stream().map(TakeoverReport.Entry::outcome).toList());
    assertThat(report.render()).contains(BY_TIMESTAMP).contains("LateArrivalAllowance");
    // AND the original's view keeps its columns, in its order, and answers the original's queries
    assertThat(columns("VwLatestMigrationConfiguration").subList(0, originalViewColumns.size()))
        .isEqualTo(originalViewColumns);
    assertThat(oldViewWatermark(BY_INGESTION)).isEqualTo(KustoTime.format(byIngestionWatermark));

    MigrationNode node = await(MigrationNode.start(settings(),
        new MigrationNode.Environment(env.time, Optional.of(Simulators.trusting(env.sim)), "node-1")));
    Instant nodeStarted = env.time.now();
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(7);
      while (!done(node.coordinator().lastOutcomes()) && System.nanoTime() < deadline) {
        await(env.vertx.timer(1000));
      }
      Map<String, TableOutcome> outcomes = node.coordinator().lastOutcomes();
      assertThat(done(outcomes)).as("outcomes %s", outcomes).isTrue();

      // THEN nothing is missing or doubled from each old watermark on
      Instant byIngestionEnd = outcomes.get(TableLeases.key("", BY_INGESTION)).watermark().orElseThrow();
      assertThat(byIngestionEnd).isAfter(byIngestionWatermark);
      ExactlyOnce.assertSameRows(BY_INGESTION,
          env.sim.groundTruth(BY_INGESTION, new IngestionTimeRange(byIngestionWatermark, byIngestionEnd),
              env.time.now()),
          adxDigestsByIngestion(BY_INGESTION, byIngestionWatermark, byIngestionEnd));
      Instant byTimestampEnd = outcomes.get(TableLeases.key("", BY_TIMESTAMP)).watermark().orElseThrow();
      assertThat(byTimestampEnd).isAfter(byTimestampWatermark.plus(Duration.ofHours(12)));
      ExactlyOnce.assertSameRows(BY_TIMESTAMP, sourceDigestsByTimestamp(BY_TIMESTAMP, byTimestampWatermark,
          byTimestampEnd), adxDigestsByTimestamp(BY_TIMESTAMP, byTimestampWatermark, byTimestampEnd));

      // AND every snapshot table was snapshotted at once, not a cadence after its old watermark
      for (MigrationConfigRow row : snapshotRows()) {
        Instant stamp = row.lastCommittedSnapshot().orElseThrow();
        assertThat(stamp).as(row.sourceTable()).isBetween(nodeStarted.minus(Duration.ofMinutes(5)),
            nodeStarted.plus(Duration.ofHours(6)));
      }
      // AND the switched-off table was left alone
      List<Map<String, Object>> ours = await(env.adxClient.query(SWITCHED_OFF + "Raw | where isnotempty("
          + "tostring(Records.__WindowId)) | count"));
      assertThat(((Number) ours.get(0).get("Count")).longValue()).isZero();
      assertThat(outcomes).doesNotContainKey(TableLeases.key("", SWITCHED_OFF));
      // AND the old view still answers, the watermark meaning the largest value copied
      assertThat(oldViewWatermark(BY_INGESTION)).isEqualTo(KustoTime.format(byIngestionEnd.minus(KustoTime.TICK)));
    } finally {
      await(node.stop());
    }
  }

  // ------------------------------------------------------------------------------------ the original's writes

  private void apply(Path script) throws Exception {
    for (String command : KqlScript.commands(Files.readString(script))) {
      await(env.adxClient.mgmt(command));
    }
  }

  /** The original's configuration write, verbatim (DAFMigration.py appends six columns). */
  private void originalConfigRow(String table, String watermarkColumn, Instant watermark, boolean active)
      throws Exception {
    await(env.adxClient.mgmt(".set-or-append MigrationConfiguration <| datatable (SourceTable: string, "
        + "DestinationTable: string, WatermarkColumn: string, LastRefreshedTime: datetime, LoadType: string, "
        + "IsActive: bool) [ '" + table + "', '" + table + "Raw', '" + watermarkColumn + "', datetime('"
        + KustoTime.format(watermark) + "'), 'Incr', " + active + " ]"));
  }

  /**
   * The rows the original copied of {@code table}, ingested between {@code from} and {@code to} (inclusive): as the
   * API served them, with the {@code IngestionTime} its query added on ingestion-time tables, queued as it queued them.
   */
  private int originalCopies(String table, Instant from, Instant to, boolean withIngestionTime) throws Exception {
    StringBuilder lines = new StringBuilder();
    int n = 0;
    TableSource source = source(table);
    for (StoredRow row : rows(source, from, to.plus(KustoTime.TICK))) {
      JsonObject served = served(source, row);
      if (withIngestionTime) {
        served.put("IngestionTime", ServedValues.datetime(row.ingestionTime()));
      }
      lines.append(served.encode()).append('\n');
      n++;
    }
    IngestionProperties props = new IngestionProperties(StandIns.DATABASE, table + "Raw");
    props.setDataFormat(IngestionProperties.DataFormat.JSON);
    props.setIngestionMapping("DynamicJsonMap", IngestionMapping.IngestionMappingKind.JSON);
    env.ingestClient.ingestFromStream(new StreamSourceInfo(new ByteArrayInputStream(
        lines.toString().getBytes(StandardCharsets.UTF_8))), props);
    if (!withIngestionTime) {
      waitForRows(table + "Raw", n);
    }
    return n;
  }

  private void waitForRows(String table, long expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      List<Map<String, Object>> r = await(env.adxClient.query(table + " | count"));
      if (((Number) r.get(0).get("Count")).longValue() >= expected) {
        return;
      }
      await(env.vertx.timer(200));
    }
    throw new AssertionError(table + ": the original's rows did not land");
  }

  // ------------------------------------------------------------------------------------------ the source's rows

  private TableSource source(String table) {
    return env.sim.tenant().at(env.time.now(), SimulatedTenant.TimestampFilter.NONE).table(table).orElseThrow();
  }

  private static List<StoredRow> rows(TableSource source, Instant from, Instant to) {
    IngestionTimeRange range = new IngestionTimeRange(from, to);
    List<StoredRow> rows = new ArrayList<>();
    for (Iterator<StoredRow> it = source.scan(range); it.hasNext(); ) {
      StoredRow r = it.next();
      if (range.contains(r.ingestionTime())) {
        rows.add(r);
      }
    }
    return rows;
  }

  private static JsonObject served(TableSource source, StoredRow row) {
    JsonObject o = new JsonObject();
    List<Column> columns = source.columns();
    for (int i = 0; i < columns.size(); i++) {
      Object v = i < row.values().length ? row.values()[i] : null;
      o.put(columns.get(i).name(), ServedValues.toJsonValue(columns.get(i).type(), v));
    }
    return o;
  }

  /** The latest ingestion instant in the range that several rows share. */
  private Instant sharedIngestionInstant(String table, Instant from, Instant to) {
    TreeMap<Instant, Integer> counts = new TreeMap<>();
    rows(source(table), from, to).forEach(r -> counts.merge(r.ingestionTime(), 1, Integer::sum));
    return counts.descendingMap().entrySet().stream().filter(e -> e.getValue() >= 2).findFirst()
        .orElseThrow(() -> new AssertionError(table + ": no ingestion instant shared by several rows")).getKey();
  }

  private Instant largestTimestamp(String table, Instant from, Instant to) {
    TableSource source = source(table);
    int ts = timestampIndex(source);
    return rows(source, from, to.plus(KustoTime.TICK)).stream().map(r -> (Instant) r.values()[ts])
        .max(Instant::compareTo).orElseThrow();
  }

  private static int timestampIndex(TableSource source) {
    for (int i = 0; i < source.columns().size(); i++) {
      if (source.columns().get(i).name().equals("Timestamp")) {
        return i;
      }
    }
    throw new AssertionError(source.name() + " has no Timestamp column");
  }

  private List<String> sourceDigestsByTimestamp(String table, Instant from, Instant to) {
    TableSource source = source(table);
    int ts = timestampIndex(source);
    List<String> digests = new ArrayList<>();
    for (StoredRow r : rows(source, env.time.now().minus(Duration.ofDays(30)), env.time.now())) {
      Instant t = (Instant) r.values()[ts];
      if (!t.isBefore(from) && t.isBefore(to)) {
        digests.add(RowDigest.of(source.columns(), r.values()));
      }
    }
    return digests;
  }

  // ---------------------------------------------------------------------------------------------- ADX's rows

  private List<JsonObject> records(String rawTable) throws Exception {
    List<JsonObject> out = new ArrayList<>();
    for (Map<String, Object> r : await(env.adxClient.query(rawTable + " | project Records"))) {
      out.add(new JsonObject(String.valueOf(r.get("Records"))));
    }
    return out;
  }

  /** Ours by their provenance, the original's by the IngestionTime its query added (removed before digesting). */
  private List<String> adxDigestsByIngestion(String table, Instant from, Instant to) throws Exception {
    List<JsonObject> kept = new ArrayList<>();
    for (JsonObject r : records(table + "Raw")) {
      String at = r.containsKey("__SourceIngestionTime") ? r.getString("__SourceIngestionTime")
          : (String) r.remove("IngestionTime");
      Instant ingested = KustoTime.parse(at);
      if (!ingested.isBefore(from) && ingested.isBefore(to)) {
        kept.add(r);
      }
    }
    return RowDigest.sorted(kept);
  }

  private List<String> adxDigestsByTimestamp(String table, Instant from, Instant to) throws Exception {
    List<JsonObject> kept = new ArrayList<>();
    for (JsonObject r : records(table + "Raw")) {
      Instant t = KustoTime.parse(r.getString("Timestamp"));
      if (!t.isBefore(from) && t.isBefore(to)) {
        kept.add(r);
      }
    }
    return RowDigest.sorted(kept);
  }

  private List<String> columns(String query) throws Exception {
    return new ArrayList<>(await(env.adxClient.query(query + " | take 1")).get(0).keySet());
  }

  /** The original's own query of its view, projecting its computed columns. */
  private String oldViewWatermark(String table) throws Exception {
    List<Map<String, Object>> r = await(env.adxClient.query("VwLatestMigrationConfiguration | where SourceTable == '"
        + table + "' | project SourceTable, IngestionTime, LastRefreshedTimeInString, LastRefreshedTime"));
    assertThat(r).hasSize(1);
    assertThat(r.get(0).get("IngestionTime")).isNotNull();
    return String.valueOf(r.get(0).get("LastRefreshedTimeInString"));
  }

  private List<MigrationConfigRow> snapshotRows() throws Exception {
    return await(env.state.latest()).rows().stream()
        .filter(r -> r.tenantId().isEmpty() && SnapshotTables.isKnownSnapshot(r.sourceTable())).toList();
  }

  private boolean done(Map<String, TableOutcome> outcomes) throws Exception {
    for (String t : List.of(BY_INGESTION, BY_TIMESTAMP)) {
      TableOutcome o = outcomes.get(TableLeases.key("", t));
      if (o == null || !o.caughtUp() || o.failure().isPresent() || o.watermark().isEmpty()) {
        return false;
      }
    }
    List<MigrationConfigRow> snapshots = snapshotRows();
    return snapshots.size() == SnapshotTables.SEED_TABLES.size()
        && snapshots.stream().allMatch(r -> r.lastCommittedSnapshot().isPresent());
  }

  private MigrationSettings settings() {
    JsonObject tree = new JsonObject()
        .put("tenants", new JsonArray().add(new JsonObject().put("key", "")
            .put("tenantId", DefenderSimConfig.DEFAULT_TENANT).put("authorityHost", env.sim.tlsBaseUrl())
            .put("credential", new JsonObject().put("kind", "client-secret")
                .put("clientId", DefenderSimConfig.DEFAULT_CLIENT_ID).put("clientSecretEnv", "SIM_SECRET"))
            .put("api", new JsonObject().put("flavour", "graph").put("baseUrl", env.sim.baseUrl()))))
        .put("adx", new JsonObject().put("clusterUrl", env.adx.url()).put("database", StandIns.DATABASE)
            .put("ingestionMode", "queued").put("credential", new JsonObject().put("kind", "none")))
        .put("migration", new JsonObject().put("windowGrid", "1d").put("cycleInterval", "2m").put("settleLag", "5m"))
        .put("http", new JsonObject().put("port", 0));
    return ConfigLoader.parse(tree, Map.of("SIM_SECRET", DefenderSimConfig.DEFAULT_CLIENT_SECRET));
  }
}
