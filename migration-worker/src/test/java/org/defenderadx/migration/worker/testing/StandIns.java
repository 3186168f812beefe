package org.defenderadx.migration.worker.testing;

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
import org.defenderadx.migration.common.outcome.OutcomeClassifier;
import org.defenderadx.migration.common.outcome.RetryPolicy;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.MergePolicy;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowSplitter;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.AdxConnections;
import org.defenderadx.migration.worker.adx.AdxRowAppender;
import org.defenderadx.migration.worker.adx.IngestionStatusTable;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.node.OfferCheck;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.defenderadx.migration.worker.defender.HuntingClient;
import org.defenderadx.migration.worker.export.HourlyCounts;
import org.defenderadx.migration.worker.export.PlannedUnitStore;
import org.defenderadx.migration.worker.export.ServiceClock;
import org.defenderadx.migration.worker.export.TableExporter;
import org.defenderadx.migration.worker.ingest.IngestionService;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.export.WindowFetcher;
import org.defenderadx.migration.worker.quota.InFlightBytes;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.defenderadx.simulator.adx.AdxStandIn;
import org.defenderadx.simulator.adx.AdxStandInOptions;
import org.defenderadx.simulator.adx.azurite.AzuriteProcess;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.defender.DefenderSimulator;
import org.defenderadx.simulator.defender.RowDigest;
import org.defenderadx.simulator.defender.Scenario;
import org.defenderadx.simulator.kql.IngestionTimeRange;

/**
 * The whole migration path on loopback for a test: Azurite, the Defender simulator (scaled-down caps, time running
 * 60 times faster), the ADX stand-in with {@code kql/setup.kql} applied, the real Kusto SDK clients, and the engine's
 * parts wired to them.
 */
public final class StandIns implements AutoCloseable {

  public static final String DATABASE = "Archive";

  public final Vertx vertx;
  public final AzuriteProcess azurite;
  public final DefenderSimulator sim;
  public final AdxStandIn adx;
  public final TimeSource time;
  public final AdxClient adxClient;
  public final QueuedIngestClient ingestClient;
  public final WorkerExecutor sdkPool;
  public final AdxRowAppender appender;
  public final MigrationStateStore state;
  /** The ingestion status table read by id, as a node reads it to find an earlier process's sends. */
  public final IngestionStatusTable statusTable;
  public final ServiceClock serviceClock = new ServiceClock();

  private StandIns(Vertx vertx, java.util.function.UnaryOperator<DefenderSimConfig.Builder> simulator,
                   java.util.function.UnaryOperator<AdxStandInOptions> adxOptions) throws Exception {
    this(vertx, simulator, adxOptions, true);
  }

  private StandIns(Vertx vertx, java.util.function.UnaryOperator<DefenderSimConfig.Builder> simulator,
                   java.util.function.UnaryOperator<AdxStandInOptions> adxOptions, boolean setUp) throws Exception {
    this.vertx = vertx;
    azurite = AzuriteProcess.start();
    sim = await(DefenderSimulator.start(vertx,
        simulator.apply(Scenario.SCALED.apply(DefenderSimConfig.builder().timeScale(60))).build()));
    time = TimeSource.of(sim.clock(), sim.config().timeScale());
    adx = await(AdxStandIn.start(vertx, adxOptions.apply(new AdxStandInOptions().azurite(azurite.endpoints())
        .clock(time.clock()).pollInterval(Duration.ofMillis(50)))));
    AdxConfig adxConfig = AdxFixture.config(adx.url(), DATABASE);
    sdkPool = vertx.createSharedWorkerExecutor("adx-sdk", 4);
    adxClient = new AdxClient(ClientFactory.createClient(AdxConnections.engine(adxConfig)), DATABASE, sdkPool);
    ingestClient = IngestClientFactory.createClient(AdxConnections.ingestion(adxConfig));
    if (setUp) {
      for (String command : KqlScript.commands(Files.readString(Path.of("..", "kql", "setup.kql")))) {
        await(adxClient.mgmt(command));
      }
    }
    appender = new AdxRowAppender(adxClient);
    statusTable = new IngestionStatusTable(new AdxClient(
        ClientFactory.createClient(AdxConnections.ingestion(adxConfig)), DATABASE, sdkPool), sdkPool);
    state = new MigrationStateStore(adxClient, appender);
  }

  public static StandIns start(Vertx vertx) throws Exception {
    return new StandIns(vertx, b -> b, o -> o);
  }

  /** With an empty database: kql/setup.kql is not applied (a database some other tool set up comes first). */
  public static StandIns startWithoutSetup(Vertx vertx) throws Exception {
    return new StandIns(vertx, b -> b, o -> o, false);
  }

  /** With the simulator's configuration changed from the scaled default (faults, token lifetime, ...). */
  public static StandIns start(Vertx vertx, java.util.function.UnaryOperator<DefenderSimConfig.Builder> simulator)
      throws Exception {
    return new StandIns(vertx, simulator, o -> o);
  }

  /** With the ADX stand-in's options changed as well (batching, digest-only, query limits): for benchmarks. */
  public static StandIns start(Vertx vertx, java.util.function.UnaryOperator<DefenderSimConfig.Builder> simulator,
                               java.util.function.UnaryOperator<AdxStandInOptions> adx) throws Exception {
    return new StandIns(vertx, simulator, adx);
  }

  public static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  /** What a node's fetch verticles check offers against: the rows in ADX, a 30-day schedule, these clocks. */
  public OfferCheck offerCheck() {
    return new OfferCheck(state, WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5)), serviceClock,
        time);
  }

  /** Configures incremental tables for the default tenant, as seed-configuration.kql would. */
  public void configureIncremental(List<String> tables) throws Exception {
    List<Map<String, Object>> config = new ArrayList<>();
    for (String t : tables) {
      config.add(Map.of("SourceTable", t, "DestinationTable", t + "Raw", "WatermarkColumn", "None",
          "LoadType", "Incremental", "IsActive", true, "TenantId", "", "Version", 1L));
    }
    await(appender.append(MigrationStateStore.CONFIG_TABLE, config));
  }

  public WindowFetcher fetcher() {
    return fetcher(vertx);
  }

  /** A fetcher on another Vert.x (a clustered node), sharing its call budget with that node's cluster. */
  public WindowFetcher fetcher(Vertx vertx) {
    return fetcher(vertx, new WindowSplitter());
  }

  private WindowFetcher fetcher(Vertx vertx, WindowSplitter splitter) {
    HuntingClient hunting = new HuntingClient(vertx, vertx.createHttpClient(new HttpClientOptions()), time.clock(),
        Duration.ofMinutes(4));
    return new WindowFetcher(vertx, hunting, new SharedCallBudget(vertx, time),
        new OutcomeClassifier(time.clock(), new Random(7), RetryPolicy.defaults()), splitter, time,
        100L * 1024 * 1024, serviceClock);
  }

  /** An exporter on a one-day grid, polling ingestion status every 5 simulated seconds. */
  public TableExporter exporter(String node) {
    return exporter(vertx, node);
  }

  /** An exporter running on another Vert.x (a clustered node). */
  public TableExporter exporter(Vertx vertx, String node) {
    return exporter(vertx, node, new InFlightBytes(Long.MAX_VALUE));
  }

  /** An exporter whose windows share {@code inFlight} (blobs of 100 MB at most are reserved before each fetch). */
  public TableExporter exporter(Vertx vertx, String node, InFlightBytes inFlight) {
    return new TableExporter(vertx, fetcher(vertx), ingestion(vertx), state,
        new WindowPlanner(new WindowGrid(Duration.ofDays(1))), time, new TableExporter.Options(node, 64), null,
        inFlight);
  }

  /**
   * An exporter whose commits are fenced by the table's lease in {@code vertx}'s lease map, as a node's ingestion
   * verticle fences them.
   */
  public TableExporter fencedExporter(Vertx vertx, String node) {
    IngestionService fenced = new IngestionService(vertx, new WindowIngestion(ingestClient, DATABASE, sdkPool,
        statusTable), state, time, new IngestionService.Options(Duration.ofSeconds(5), Duration.ofHours(1), 3), null,
        new TableLeases(vertx)::holds);
    return new TableExporter(vertx, fetcher(vertx), fenced, state,
        new WindowPlanner(new WindowGrid(Duration.ofDays(1))), time, new TableExporter.Options(node, 64), null,
        new InFlightBytes(Long.MAX_VALUE));
  }

  /** The ingestion side as a node has it (status table read by id), polling every 5 simulated seconds. */
  public IngestionService ingestion(Vertx vertx) {
    return ingestion(vertx, new WindowIngestion(ingestClient, DATABASE, sdkPool, statusTable), state, time);
  }

  /** {@code ingestion}'s sends confirmed by polling every 5 simulated seconds, for an hour, three attempts. */
  public static IngestionService ingestion(Vertx vertx, WindowIngestion ingestion, MigrationStateStore state,
                                           TimeSource time) {
    return new IngestionService(vertx, ingestion, state, time,
        new IngestionService.Options(Duration.ofSeconds(5), Duration.ofHours(1), 3));
  }

  /**
   * An exporter on {@code grid} that merges closed cells into recorded units, as a node does, aiming at the
   * simulator's (scaled) caps.
   */
  public TableExporter mergingExporter(String node, WindowGrid grid) {
    WindowFetcher fetcher = fetcher(vertx, new WindowSplitter(grid));
    return new TableExporter(vertx, fetcher, ingestion(vertx), state, new WindowPlanner(grid), time,
        new TableExporter.Options(node, 64), null, new InFlightBytes(Long.MAX_VALUE))
        .mergingCells(new HourlyCounts(fetcher, adxClient), new PlannedUnitStore(adxClient, state),
            MergePolicy.of(sim.config().limits().rowCap(),
                sim.config().limits().byteCap(org.defenderadx.simulator.defender.ApiFlavour.GRAPH).bytes()));
  }

  /**
   * Asserts ADX holds exactly the rows the source holds for {@code table} from a little inside the source's horizon
   * (rows older than that age out while a test runs; ADX keeps them) up to {@code watermark}.
   */
  public void assertExact(String table, String destination, Instant watermark) throws Exception {
    assertExact(table, destination, watermark, time.now().minus(Duration.ofDays(30)).plus(Duration.ofMinutes(30)));
  }

  /** As {@link #assertExact(String, String, Instant)}, from {@code from} (inside the horizon) on. */
  public void assertExact(String table, String destination, Instant watermark, Instant from) throws Exception {
    Instant now = time.now();
    List<String> expected = sim.groundTruth(table, new IngestionTimeRange(from, watermark), now);
    if (expected.isEmpty()) {
      throw new AssertionError(table + ": the source holds no rows before " + watermark + "; nothing was tested");
    }
    List<Map<String, Object>> rows = await(adxClient.query(destination + " | project Records"));
    List<JsonObject> records = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      JsonObject record = new JsonObject(String.valueOf(r.get("Records")));
      Instant ingested = KustoTime.parse(record.getString("__SourceIngestionTime"));
      // Windows past the watermark may already be in ADX (confirmed, not yet committed): compared once committed.
      if (!ingested.isBefore(from) && ingested.isBefore(watermark)) {
        records.add(record);
      }
    }
    ExactlyOnce.assertSameRows(table, expected, RowDigest.sorted(records));
  }

  @Override
  public void close() throws Exception {
    ingestClient.close();
    await(adx.stop()); // stops its data-management loop before Azurite goes away
    await(vertx.close());
    azurite.close();
  }
}
