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
import org.defenderadx.migration.common.config.AdxConfig;
import org.defenderadx.migration.common.kql.KqlScript;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.outcome.OutcomeClassifier;
import org.defenderadx.migration.common.outcome.RetryPolicy;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.AdxConnections;
import org.defenderadx.migration.worker.adx.AdxRowAppender;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.defenderadx.migration.worker.defender.HuntingClient;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.defenderadx.migration.worker.testing.AdxFixture;
import org.defenderadx.migration.worker.testing.ExactlyOnce;
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
 * A backfill of incremental tables from the Defender simulator (scaled-down caps, so windows split and a burst
 * instant is paged by buckets) into the ADX stand-in through real queued ingestion (Azurite), with the real Kusto
 * SDK: afterwards ADX holds exactly the rows the source held, none missing, none twice.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class IncrementalExportTest {

  private static final List<String> TABLES = List.of("DeviceProcessEvents", "DeviceLogonEvents", "DeviceInfo");

  private final Vertx vertx = Vertx.vertx();
  private AzuriteProcess azurite;
  private DefenderSimulator sim;
  private AdxStandIn adx;
  private TimeSource time;
  private AdxClient adxClient;
  private QueuedIngestClient ingestClient;
  private WorkerExecutor sdkPool;

  @BeforeEach
  void start() throws Exception {
    azurite = AzuriteProcess.start();
    sim = await(DefenderSimulator.start(vertx, Scenario.SCALED.apply(DefenderSimConfig.builder().timeScale(60)).build()));
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

  private static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  @Test
  void backfillsEveryRowExactlyOnceAndCommitsTheWatermark() throws Exception {
    AdxRowAppender appender = new AdxRowAppender(adxClient);
    MigrationStateStore state = new MigrationStateStore(adxClient, appender);
    List<Map<String, Object>> config = new ArrayList<>();
    for (String t : TABLES) {
      config.add(Map.of("SourceTable", t, "DestinationTable", t + "Raw", "WatermarkColumn", "None",
          "LoadType", "Incremental", "IsActive", true, "TenantId", "", "Version", 1L));
    }
    await(appender.append(MigrationStateStore.CONFIG_TABLE, config));

    HuntingClient hunting = new HuntingClient(vertx, vertx.createHttpClient(new HttpClientOptions()), time.clock(),
        Duration.ofMinutes(4));
    WindowFetcher fetcher = new WindowFetcher(vertx, hunting, new SharedCallBudget(vertx, time),
        new OutcomeClassifier(time.clock(), new Random(7), RetryPolicy.defaults()),
        new org.defenderadx.migration.common.window.WindowSplitter(), time, 100L * 1024 * 1024);
    TableExporter exporter = new TableExporter(vertx, fetcher, new WindowIngestion(ingestClient, "Archive", sdkPool),
        state, new WindowPlanner(new WindowGrid(Duration.ofDays(1))), time,
        new TableExporter.Options("test-node", Duration.ofSeconds(5), Duration.ofHours(1), 3, 64));
    TenantContext tenant = TenantFixture.context(vertx, sim, time, "", "graph");
    WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));

    List<MigrationConfigRow> rows = await(state.latest()).rows();
    assertThat(rows).extracting(MigrationConfigRow::sourceTable).containsExactlyInAnyOrderElementsOf(TABLES);
    Instant start = schedule.horizonStart(time.now());
    for (MigrationConfigRow row : rows) {
      Instant close = schedule.closePoint(time.now(), java.util.Optional.empty(), Duration.ZERO);
      TableExporter.Result result = await(exporter.run(tenant, row, start, close, "run-1"));

      assertThat(result.failure()).as(row.sourceTable()).isEmpty();
      assertThat(result.caughtUp()).isTrue();
      Instant watermark = result.row().lastRefreshed().orElseThrow();
      // Rows older than the source's 30 days age out while the test runs (ADX keeps them: that is the point), so
      // both sides are compared from a little inside the horizon as it stands now.
      Instant now = time.now();
      Instant from = now.minus(Duration.ofDays(30)).plus(Duration.ofMinutes(30));
      List<String> expected = sim.groundTruth(row.sourceTable(), new IngestionTimeRange(from, watermark), now);
      assertThat(expected).as(row.sourceTable()).isNotEmpty();
      ExactlyOnce.assertSameRows(row.sourceTable(), expected, adxDigests(row.destinationTable(), from));
    }

    // The committed state reads back, and the audit holds one Succeeded row per committed window.
    List<MigrationConfigRow> after = await(state.latest()).rows();
    assertThat(after).allSatisfy(r -> assertThat(r.lastRefreshed()).isPresent());
    List<Map<String, Object>> audit = await(adxClient.query(
        "MigrationAuditLog | summarize Windows = count(), Rows = sum(RecordCount) by SourceTable, Status"));
    assertThat(audit).allSatisfy(a -> assertThat(a.get("Status")).isEqualTo("Succeeded"));
  }

  private List<JsonObject> adxRecords(String table) throws Exception {
    List<Map<String, Object>> rows = await(adxClient.query(table + " | project Records"));
    List<JsonObject> records = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      records.add(new JsonObject(String.valueOf(r.get("Records"))));
    }
    return records;
  }

  /** Digests of the rows in ADX whose source ingestion time is at or after {@code from}. */
  private List<String> adxDigests(String table, Instant from) throws Exception {
    return RowDigest.sorted(adxRecords(table).stream()
        .filter(r -> !KustoTime.parse(r.getString("__SourceIngestionTime")).isBefore(from)).toList());
  }

}
