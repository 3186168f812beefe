package org.defenderadx.migration.worker.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.azure.kusto.data.ClientFactory;
import com.microsoft.azure.kusto.ingest.IngestClientFactory;
import com.microsoft.azure.kusto.ingest.QueuedIngestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.defenderadx.migration.common.config.AdxConfig;
import org.defenderadx.migration.common.kql.KqlScript;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.SnapshotProgress;
import org.defenderadx.migration.common.outcome.OutcomeClassifier;
import org.defenderadx.migration.common.outcome.RetryPolicy;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.Bucket;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowSplitter;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.AdxConnections;
import org.defenderadx.migration.worker.adx.AdxRowAppender;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.defenderadx.migration.worker.defender.HuntingClient;
import org.defenderadx.migration.worker.ingest.IngestionService;
import org.defenderadx.migration.worker.quota.InFlightBytes;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.defenderadx.migration.worker.testing.AdxFixture;
import org.defenderadx.migration.worker.testing.ExactlyOnce;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.defenderadx.simulator.adx.AdxStandIn;
import org.defenderadx.simulator.adx.AdxStandInOptions;
import org.defenderadx.simulator.adx.azurite.AzuriteProcess;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.defender.DefenderSimulator;
import org.defenderadx.simulator.defender.RowDigest;
import org.defenderadx.simulator.defender.Scenario;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Snapshot tables from the Defender simulator (whose snapshot tables are replaced wholesale at every refresh) into
 * the ADX stand-in through real queued ingestion, with the real Kusto SDK: what the committed-snapshot function
 * shows is exactly the source table at one moment, whatever refreshes, truncations or crashes happen on the way.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SnapshotExportTest {

  private static final String TABLE = "DeviceTvmSoftwareInventory";
  private static final String RAW = TABLE + "Raw";
  private static final String VIEW = TABLE + "Snapshots";
  /** The simulator truncates every result at this many rows; the table holds about 40. */
  private static final int SIM_ROW_CAP = 12;
  private static final int ONE_CALL_ROW_CAP = 1000;

  private final Vertx vertx = Vertx.vertx();
  private AzuriteProcess azurite;
  private DefenderSimulator sim;
  private AdxStandIn adx;
  private TimeSource time;
  private AdxClient adxClient;
  private QueuedIngestClient ingestClient;
  private WorkerExecutor sdkPool;
  private MigrationStateStore state;
  private TenantContext tenant;

  @BeforeEach
  void start(org.junit.jupiter.api.TestInfo test) throws Exception {
    azurite = AzuriteProcess.start();
    DefenderSimConfig.Builder simConfig = Scenario.SCALED.apply(DefenderSimConfig.builder().timeScale(60));
    // The test of a table that fits one call gets the documented row cap; every other one the small cap.
    int rowCap = test.getDisplayName().contains("FitsOneCall") ? ONE_CALL_ROW_CAP : SIM_ROW_CAP;
    sim = await(DefenderSimulator.start(vertx, simConfig
        .limits(DefenderSimConfig.Limits.documented().withRowCap(rowCap)).build()));
    time = TimeSource.of(sim.clock(), sim.config().timeScale());
    adx = await(AdxStandIn.start(vertx, new AdxStandInOptions().azurite(azurite.endpoints()).clock(time.clock())
        .pollInterval(Duration.ofMillis(50))));
    AdxConfig adxConfig = AdxFixture.config(adx.url(), "Archive");
    sdkPool = vertx.createSharedWorkerExecutor("adx-sdk", 4);
    adxClient = new AdxClient(ClientFactory.createClient(AdxConnections.engine(adxConfig)), "Archive", sdkPool);
    ingestClient = IngestClientFactory.createClient(AdxConnections.ingestion(adxConfig));
    for (String command : KqlScript.commands(Files.readString(Path.of("..", "kql", "setup.kql")))) {
      await(adxClient.mgmt(command));
    }
    AdxRowAppender appender = new AdxRowAppender(adxClient);
    state = new MigrationStateStore(adxClient, appender);
    // LoadType and WatermarkColumn as the old script left a TVM table: it is a snapshot table all the same.
    await(appender.append(MigrationStateStore.CONFIG_TABLE, List.of(Map.of("SourceTable", TABLE,
        "DestinationTable", RAW, "WatermarkColumn", "None", "LoadType", "Incr", "IsActive", true, "TenantId", "",
        "Version", 1L))));
    tenant = TenantFixture.context(vertx, sim, time, "", "graph");
  }

  @AfterEach
  void stop() throws Exception {
    if (ingestClient != null) {
      ingestClient.close();
    }
    await(vertx.close());
    if (azurite != null) {
      azurite.close();
    }
  }

  @Test
  void exportsATvmTableExactlyAsTheSourceHeldItAtOneMomentSplittingTruncatedBuckets() throws Exception {
    // GIVEN buckets sized for a row cap above the simulator's, so every first read comes back truncated
    TableExporter exporter = tableExporter(options(40, 1.0), SnapshotExporter.Observer.NONE);

    // WHEN the table goes through the ordinary table exporter
    TableExporter.Result result = await(exporter.run(tenant, configRow(), Instant.EPOCH, time.now(), "run-1"));

    // THEN one snapshot is committed, equal to the source at its stamp, every row stamped with it
    assertThat(result.failure()).isEmpty();
    assertThat(result.caughtUp()).isTrue();
    Instant stamp = result.row().lastCommittedSnapshot().orElseThrow();
    assertThat(result.row().snapshotProgress()).isEmpty();
    List<JsonObject> visible = records(VIEW);
    ExactlyOnce.assertSameRows(TABLE, truthAt(stamp), RowDigest.sorted(visible));
    assertThat(visible).allSatisfy(r -> assertThat(r.getString("__SnapshotTime")).isEqualTo(KustoTime.format(stamp)));
    // The first buckets held more than the simulator serves: they were read in halves.
    List<String> buckets = column("MigrationAuditLog | where Status == 'Succeeded' | project WindowId", "WindowId");
    assertThat(buckets).anySatisfy(id -> assertThat(bucketCount(id)).isGreaterThan(2));
    assertThat(buckets).doesNotHaveDuplicates();
    assertThat(result.windowsCommitted()).isEqualTo(buckets.size());
    // The whole table was tried in one call first (cut), then its fingerprint read once: the buckets carried it
    // along, so none needed a call of its own to check the source had not changed.
    List<String> queries = sim.stats().queries();
    assertThat(queries.stream().filter(q -> q.startsWith("print Count = toscalar("))).hasSize(1);
    long calls = sim.stats().calls("graph", 200);
    Object booked = await(adxClient.query("MigrationAuditLog | summarize C = sum(ApiCalls)")).get(0).get("C");
    assertThat(((Number) booked).longValue()).as("every call booked in the audit").isEqualTo(calls);

    // AND a second run within the cadence does nothing
    TableExporter.Result again = await(exporter.run(tenant, latestRow(), Instant.EPOCH, time.now(), "run-2"));
    assertThat(again.caughtUp()).isTrue();
    assertThat(again.windowsCommitted()).isZero();
    assertThat(again.row().lastCommittedSnapshot()).contains(stamp);
  }

  @Test
  void aSnapshotThatFitsOneCallIsReadInOneCall() throws Exception {
    // GIVEN a snapshot table of about 40 rows, under the row and byte caps
    SnapshotExporter exporter = snapshotExporter(options(ONE_CALL_ROW_CAP, 1.0), SnapshotExporter.Observer.NONE);

    // WHEN it is exported
    TableExporter.Result result = await(exporter.run(tenant, configRow(), "run-1"));

    // THEN one call read it (its count and newest ingestion time riding along), and the committed snapshot is the
    // source at its stamp
    assertThat(result.failure()).isEmpty();
    assertThat(sim.stats().calls("graph", 200)).isEqualTo(1);
    Instant stamp = result.row().lastCommittedSnapshot().orElseThrow();
    ExactlyOnce.assertSameRows(TABLE, truthAt(stamp), RowDigest.sorted(records(VIEW)));
    assertThat(records(VIEW)).allSatisfy(r -> assertThat(r.fieldNames())
        .doesNotContain("__SourceCount", "__SourceNewest", "__WindowTotal"));
    assertThat(column("MigrationAuditLog | where Status == 'Succeeded' | project C = tostring(ApiCalls)", "C"))
        .containsExactly("1");
  }

  @Test
  void aRefreshBetweenBucketsRestartsTheSnapshotAndOnlyTheCommittedOneIsVisible() throws Exception {
    // GIVEN a snapshot read in several buckets, and a source refresh right after the first bucket is committed
    List<List<JsonObject>> visibleMidway = new ArrayList<>();
    List<Long> rawRowsMidway = new ArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    SnapshotExporter.Observer refreshOnce = (table, progress, rows) -> {
      if (calls.getAndIncrement() != 0) {
        return Future.succeededFuture();
      }
      return adxClient.query(VIEW + " | project Records").map(SnapshotExportTest::recordsOf)
          .compose(view -> {
            visibleMidway.add(view);
            return adxClient.query(RAW + " | count");
          })
          .map(count -> {
            rawRowsMidway.add(((Number) count.get(0).get("Count")).longValue());
            sim.clock().advance(sim.config().snapshotRefreshInterval());
            return null;
          });
    };
    SnapshotExporter exporter = snapshotExporter(options(SIM_ROW_CAP, 1.0), refreshOnce);
    Instant before = time.now();

    // WHEN it is exported
    TableExporter.Result result = await(exporter.run(tenant, configRow(), "run-1"));

    // THEN the half-done snapshot was not visible, the snapshot restarted under a new stamp after the refresh,
    // and the committed one is exactly the source after the refresh
    assertThat(result.failure()).isEmpty();
    assertThat(rawRowsMidway).singleElement().satisfies(n -> assertThat(n).isPositive());
    assertThat(visibleMidway).singleElement().satisfies(v -> assertThat(v).isEmpty());
    Instant stamp = result.row().lastCommittedSnapshot().orElseThrow();
    assertThat(stamp).isAfter(before.plus(sim.config().snapshotRefreshInterval()));
    List<String> after = truthAt(stamp);
    assertThat(after).isNotEqualTo(truthAt(before));
    ExactlyOnce.assertSameRows(TABLE, after, RowDigest.sorted(records(VIEW)));
    assertThat(column("MigrationAuditLog | where Status == 'SnapshotRestarted' | project SourceTable",
        "SourceTable")).containsExactly(TABLE);
    // The abandoned snapshot's first bucket is still in the raw table, under the first stamp.
    List<String> stamps = column(RAW + " | summarize by S = tostring(Records.__SnapshotTime)", "S");
    assertThat(stamps).hasSize(2).contains(KustoTime.format(stamp));
  }

  @Test
  void aCrashMidSnapshotResumesTheSameSnapshotWithoutCopyingDoneBucketsAgain() throws Exception {
    // GIVEN a run that stops (as a crash would) once its second bucket is committed
    AtomicInteger calls = new AtomicInteger();
    SnapshotExporter.Observer crashAfterTwo = (table, progress, rows) -> calls.incrementAndGet() == 2
        ? Future.failedFuture("node lost") : Future.succeededFuture();
    TableExporter.Result crashed = await(snapshotExporter(options(SIM_ROW_CAP, 1.0), crashAfterTwo)
        .run(tenant, configRow(), "run-1"));
    assertThat(crashed.failure()).hasValueSatisfying(f -> assertThat(f).contains("node lost"));
    MigrationConfigRow persisted = latestRow();
    SnapshotProgress underWay = persisted.snapshotProgress().orElseThrow();
    assertThat(underWay.lastBucketDone()).isPresent();
    assertThat(records(VIEW)).isEmpty();

    // WHEN a fresh exporter picks the table up from the persisted row
    TableExporter.Result resumed = await(snapshotExporter(options(SIM_ROW_CAP, 1.0), SnapshotExporter.Observer.NONE)
        .run(tenant, persisted, "run-2"));

    // THEN it finishes the same snapshot (same stamp, same bucket count), reading only the buckets left
    assertThat(resumed.failure()).isEmpty();
    assertThat(resumed.row().lastCommittedSnapshot()).contains(underWay.snapshotTime());
    List<String> first = column("MigrationAuditLog | where Status == 'Succeeded' and RunId == 'run-1' "
        + "| project WindowId", "WindowId");
    List<String> second = column("MigrationAuditLog | where Status == 'Succeeded' and RunId == 'run-2' "
        + "| project WindowId", "WindowId");
    assertThat(first).hasSize(2);
    assertThat(second).hasSize(resumed.windowsCommitted()).doesNotContainAnyElementsOf(first);
    assertThat(second.size()).isGreaterThanOrEqualTo(underWay.remaining().size());
    assertThat(concat(first, second)).doesNotHaveDuplicates()
        .allSatisfy(id -> assertThat(id).contains(";snap=" + KustoTime.format(underWay.snapshotTime())));
    ExactlyOnce.assertSameRows(TABLE, truthAt(underWay.snapshotTime()), RowDigest.sorted(records(VIEW)));
    assertThat(column(RAW + " | count | project C = tostring(Count)", "C"))
        .containsExactly(String.valueOf(records(VIEW).size()));
  }

  private SnapshotExporter.Options options(long rowCap, double safety) {
    return new SnapshotExporter.Options("test-node", Duration.ofDays(1), rowCap, 1024 * 1024, 100, safety, 2);
  }

  private SnapshotExporter snapshotExporter(SnapshotExporter.Options options, SnapshotExporter.Observer observer) {
    HuntingClient hunting = new HuntingClient(vertx, vertx.createHttpClient(new HttpClientOptions()), time.clock(),
        Duration.ofMinutes(4));
    WindowFetcher fetcher = new WindowFetcher(vertx, hunting, new SharedCallBudget(vertx, time),
        new OutcomeClassifier(time.clock(), new Random(7), RetryPolicy.defaults()), new WindowSplitter(), time,
        100L * 1024 * 1024);
    return new SnapshotExporter(fetcher, ingestion(), state, time, options, observer);
  }

  private TableExporter tableExporter(SnapshotExporter.Options options, SnapshotExporter.Observer observer) {
    HuntingClient hunting = new HuntingClient(vertx, vertx.createHttpClient(new HttpClientOptions()), time.clock(),
        Duration.ofMinutes(4));
    WindowFetcher fetcher = new WindowFetcher(vertx, hunting, new SharedCallBudget(vertx, time),
        new OutcomeClassifier(time.clock(), new Random(7), RetryPolicy.defaults()), new WindowSplitter(), time,
        100L * 1024 * 1024);
    return new TableExporter(vertx, fetcher, ingestion(), state,
        new WindowPlanner(new WindowGrid(Duration.ofDays(1))), time, new TableExporter.Options("test-node", 64),
        snapshotExporter(options, observer), new InFlightBytes(Long.MAX_VALUE));
  }

  private IngestionService ingestion() {
    return StandIns.ingestion(vertx, new WindowIngestion(ingestClient, "Archive", sdkPool), state, time);
  }

  private MigrationConfigRow configRow() throws Exception {
    MigrationConfigRow row = latestRow();
    assertThat(row.lastCommittedSnapshot()).isEmpty();
    return row;
  }

  private MigrationConfigRow latestRow() throws Exception {
    return await(state.latest()).rows().stream().filter(r -> r.sourceTable().equals(TABLE)).findFirst()
        .orElseThrow();
  }

  /** The source table as it stood at {@code at}, whole. */
  private List<String> truthAt(Instant at) {
    return sim.groundTruth(TABLE, new IngestionTimeRange(null, null), at);
  }

  private List<JsonObject> records(String tableOrFunction) throws Exception {
    return recordsOf(await(adxClient.query(tableOrFunction + " | project Records")));
  }

  private static List<JsonObject> recordsOf(List<Map<String, Object>> rows) {
    List<JsonObject> records = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      records.add(new JsonObject(String.valueOf(r.get("Records"))));
    }
    return records;
  }

  private List<String> column(String kql, String name) throws Exception {
    return await(adxClient.query(kql)).stream().map(r -> String.valueOf(r.get(name))).toList();
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static int bucketCount(String windowId) {
    int b = windowId.indexOf(";b=");
    return b < 0 ? 1 : new Bucket(0, Integer.parseInt(windowId.substring(windowId.indexOf('/', b) + 1))).count();
  }

  private static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }
}
