package org.defenderadx.migration.worker.export;

import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.quota.InFlightBytes;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.defenderadx.migration.common.config.AdxConfig;
import org.defenderadx.migration.common.kql.KqlScript;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.outcome.OutcomeClassifier;
import org.defenderadx.migration.common.outcome.RetryPolicy;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowSplitter;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.AdxConnections;
import org.defenderadx.migration.worker.adx.AdxRowAppender;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.defenderadx.migration.worker.defender.HuntingClient;
import org.defenderadx.migration.worker.ingest.Delivered;
import org.defenderadx.migration.worker.ingest.IngestionPort;
import org.defenderadx.migration.worker.ingest.Shipment;
import org.defenderadx.migration.worker.ingest.SnapshotCommit;
import org.defenderadx.migration.worker.ingest.WatermarkCommit;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.defenderadx.migration.worker.testing.AdxFixture;
import org.defenderadx.migration.worker.testing.ExactlyOnce;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.defenderadx.simulator.adx.AdxFaults;
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
 * Verify, repair and the late-commit recount against the Defender simulator and the ADX stand-in (real queued
 * ingestion through Azurite, the real Kusto SDK). Tables are exported on an hourly grid over a few hours only, so
 * each test stays short. DeviceInfo holds one row per device (four) per hour, each in its own quarter hour: every
 * hour has rows, and rows of the current hour appear one by one as the clock moves.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class VerifyRepairTest {

  /** The table a test exports: DeviceInfo unless the test picks another. */
  private String table = "DeviceInfo";
  private String raw = "DeviceInfoRaw";
  private static final Duration HOUR = Duration.ofHours(1);

  private final Vertx vertx = Vertx.vertx();
  private AzuriteProcess azurite;
  private DefenderSimulator sim;
  private AdxStandIn adx;
  private TimeSource time;
  private AdxClient adxClient;
  private QueuedIngestClient ingestClient;
  private MigrationStateStore state;
  private AdxRowAppender appender;
  private TableExporter exporter;
  private Verifier verifier;
  private Repairer repairer;
  /** The repairer's way to ADX: the IngestionService every export uses, seen through a counter. */
  private CountingIngestion repairDeliveries;
  private LateCommitWatch watch;
  private HourlyCounts counts;
  private TenantContext tenant;
  private SharedCallBudget budget;

  @BeforeEach
  void start() throws Exception {
    azurite = AzuriteProcess.start();
    sim = await(DefenderSimulator.start(vertx, Scenario.SCALED.apply(DefenderSimConfig.builder().timeScale(60)).build()));
    time = TimeSource.of(sim.clock(), sim.config().timeScale());
    adx = await(AdxStandIn.start(vertx, new AdxStandInOptions().azurite(azurite.endpoints()).clock(time.clock())
        .pollInterval(Duration.ofMillis(50)).recordManagementCommands(true)));
    AdxConfig adxConfig = AdxFixture.config(adx.url(), "Archive");
    WorkerExecutor sdkPool = vertx.createSharedWorkerExecutor("adx-sdk", 4);
    adxClient = new AdxClient(ClientFactory.createClient(AdxConnections.engine(adxConfig)), "Archive", sdkPool);
    ingestClient = IngestClientFactory.createClient(AdxConnections.ingestion(adxConfig));
    for (String command : KqlScript.commands(Files.readString(Path.of("..", "kql", "setup.kql")))) {
      await(adxClient.mgmt(command));
    }
    appender = new AdxRowAppender(adxClient);
    state = new MigrationStateStore(adxClient, appender);
    HuntingClient hunting = new HuntingClient(vertx, vertx.createHttpClient(new HttpClientOptions()), time.clock(),
        Duration.ofMinutes(4));
    budget = new SharedCallBudget(vertx, time);
    WindowFetcher fetcher = new WindowFetcher(vertx, hunting, budget,
        new OutcomeClassifier(time.clock(), new Random(7), RetryPolicy.defaults()), new WindowSplitter(), time,
        100L * 1024 * 1024);
    WindowIngestion ingestion = new WindowIngestion(ingestClient, "Archive", sdkPool);
    exporter = new TableExporter(vertx, fetcher, StandIns.ingestion(vertx, ingestion, state, time), state,
        new WindowPlanner(new WindowGrid(HOUR)), time, new TableExporter.Options("test-node", 64), null,
        new InFlightBytes(Long.MAX_VALUE));
    counts = new HourlyCounts(fetcher, adxClient);
    verifier = new Verifier(counts, time, Duration.ofDays(30));
    CommittedWindows committed = new CommittedWindows(adxClient);
    repairDeliveries = new CountingIngestion(StandIns.ingestion(vertx, ingestion, state, time), new ArrayList<>());
    repairer = new Repairer(fetcher, repairDeliveries, adxClient, committed, verifier, state, time,
        new Repairer.Options("test-node"));
    watch = new LateCommitWatch(counts, committed, adxClient, state, time,
        new LateCommitWatch.Options("test-node", Duration.ofHours(6), Duration.ofDays(30), Duration.ofHours(1),
            Duration.ofDays(1)));
    tenant = TenantFixture.context(vertx, sim, time, "", "graph");
  }

  @AfterEach
  void stop() throws Exception {
    if (ingestClient != null) {
      ingestClient.close();
    }
    if (adx != null) {
      // Its data-management loop would otherwise keep polling Azurite after Azurite is gone.
      await(adx.stop());
    }
    await(vertx.close());
    if (azurite != null) {
      azurite.close();
    }
  }

  @Test
  void verifyListsExactlyTheHoursOfDroppedExtentsAndRepairMakesThemExactWithoutMovingTheWatermark() throws Exception {
    // GIVEN twelve hours exported exactly
    Instant from = HourlyCounts.hourOf(time.now()).minus(Duration.ofHours(14));
    Instant to = from.plus(Duration.ofHours(12));
    MigrationConfigRow row = export(from, to);
    assertThat(row.lastRefreshed()).contains(to);
    Verifier.Report clean = await(verifier.verify(tenant, row.resolve(), from, to));
    assertThat(clean.exact()).as(clean.toString()).isTrue();

    // WHEN the extents of two hours are dropped behind the migrator's back
    Instant lost1 = from.plus(Duration.ofHours(3));
    Instant lost2 = from.plus(Duration.ofHours(7));
    dropWindow(lost1);
    dropWindow(lost2);

    // THEN verify names exactly those hours, with the source's counts and nothing in ADX
    Verifier.Report broken = await(verifier.verify(tenant, row.resolve(), from, to));
    assertThat(broken.hours()).containsExactly(lost1, lost2);
    assertThat(broken.mismatches()).allSatisfy(m -> {
      assertThat(m.destinationCount()).isZero();
      assertThat(m.sourceCount()).isEqualTo(truthIn(m.hour(), m.hour().plus(HOUR)).size()).isPositive();
    });

    // WHEN the range holding both is repaired (ADX failing the first blob transiently; repair sends to a staging
    // table of its own, so the fault names no table)
    adx.faults().failIngestion(null, "the ingestion service is busy", 1, false);
    long configRowsBefore = configRows();
    long callsBefore = sim.stats().calls("graph", 200);
    Repairer.Result repaired = await(repairer.repair(tenant, row, lost1, lost2.plus(HOUR),
        schedule().horizonStart(time.now()), "repair-1"));

    // THEN the range is exact again, row for row, and the watermark has not moved
    assertThat(repaired.failure()).isEmpty();
    assertThat(repaired.after()).hasValueSatisfying(r -> assertThat(r.exact()).isTrue());
    assertThat(repaired.from()).isEqualTo(lost1);
    assertThat(repaired.to()).isEqualTo(lost2.plus(HOUR));
    assertThat(repaired.windowsReplaced()).isEqualTo(5);
    assertThat(repaired.extentsDropped()).isEqualTo(3);
    ExactlyOnce.assertSameRows(table, truthIn(from, to), adxDigests(from, to));
    assertThat(await(verifier.verify(tenant, row.resolve(), from, to)).exact()).isTrue();
    assertThat(configRows()).isEqualTo(configRowsBefore);
    assertThat(latest().lastRefreshed()).contains(to);
    // Five windows fetched again and one count to verify: every one a call through the fetcher and its budget.
    assertThat(sim.stats().calls("graph", 200) - callsBefore).isGreaterThanOrEqualTo(6);
    assertThat(auditStatuses("Repaired", "")).hasSize(1);
    assertThat(auditStatuses("Repaired", "window")).hasSize(5);
  }

  @Test
  void verifyListsTheHourOfAnUntaggedDuplicateAndRepairSaysItCouldNotMakeItExact() throws Exception {
    Instant from = HourlyCounts.hourOf(time.now()).minus(Duration.ofHours(8));
    Instant to = from.plus(Duration.ofHours(6));
    MigrationConfigRow row = export(from, to);
    Instant doubled = from.plus(Duration.ofHours(2));
    String windowId = WindowId.of("", table, Window.of(doubled, doubled.plus(HOUR))).text();

    // An extent without our tags (a load outside the migrator) holding that hour's rows a second time.
    await(adxClient.mgmt(".set-or-append " + raw + " <| " + raw + " | where tostring(Records.__WindowId) == '"
        + windowId + "'"));

    Verifier.Report report = await(verifier.verify(tenant, row.resolve(), from, to));
    assertThat(report.mismatches()).singleElement().satisfies(m -> {
      assertThat(m.hour()).isEqualTo(doubled);
      assertThat(m.destinationCount()).isEqualTo(2 * m.sourceCount());
      assertThat(m.duplicated()).isEqualTo(m.sourceCount()).isPositive();
    });

    // Repair replaces the tagged window but cannot find the untagged extent: it must say so, not claim success.
    Repairer.Result result = await(repairer.repair(tenant, row, doubled, doubled.plus(HOUR),
        schedule().horizonStart(time.now()), "repair-2"));
    assertThat(result.failure()).hasValueSatisfying(f -> assertThat(f).contains("still differ"));
    assertThat(result.after()).hasValueSatisfying(r -> assertThat(r.hours()).containsExactly(doubled));
    assertThat(auditStatuses("RepairFailed", "")).hasSize(1);
    assertThat(latest().lastRefreshed()).contains(to);
  }

  @Test
  void lateCommitWatchAuditsRowsThatAppearInAnExportedHourOnceAndRepairBringsThemIn() throws Exception {
    // GIVEN the current hour exported 5 minutes in (as if the settle lag were too short): its four rows come one per
    // quarter hour, so the export (well under 40 s of real time at 60x) cannot have seen them all
    Instant now = time.now();
    Instant current = HourlyCounts.hourOf(now).plus(HOUR);
    sim.clock().advance(Duration.between(now, current.plus(Duration.ofMinutes(5))));
    Instant from = current.minus(Duration.ofHours(3));
    MigrationConfigRow row = export(from, current.plus(HOUR));
    long exported = auditedCount(current);
    assertThat(exported).isLessThan(4);

    // The clean check first: nothing changed yet in the hours before, and the current hour is not complete.
    sim.clock().advance(HOUR);
    LateCommitWatch.Result result = await(watch.check(tenant, latest(), "cycle-1"));

    // THEN the current hour alone is audited LateCommit, with both counts
    assertThat(result.changes()).singleElement().satisfies(c -> {
      assertThat(c.from()).isEqualTo(current);
      assertThat(c.to()).isEqualTo(current.plus(HOUR));
      assertThat(c.exportedCount()).isEqualTo(exported);
      assertThat(c.sourceCount()).isEqualTo(4);
    });
    assertThat(result.newlyAudited()).hasSize(1);
    assertThat(watch.lateCommits()).isEqualTo(1);
    List<Map<String, Object>> audited = await(adxClient.query("MigrationAuditLog | where Status == 'LateCommit'"));
    assertThat(audited).singleElement().satisfies(a -> {
      assertThat(HourlyCounts.instant(a.get("WindowStart"))).isEqualTo(current);
      assertThat(HourlyCounts.number(a.get("RecordCount"))).isEqualTo(4);
      assertThat(String.valueOf(a.get("Details"))).contains("\"exportedCount\":" + exported)
          .contains("\"sourceCount\":4");
    });

    // The next cycle sees the same change and does not audit or count it again.
    LateCommitWatch.Result again = await(watch.check(tenant, latest(), "cycle-2"));
    assertThat(again.changes()).hasSize(1);
    assertThat(again.newlyAudited()).isEmpty();
    assertThat(watch.lateCommits()).isEqualTo(1);

    // Repair brings the late rows in; the watermark stays where it was, and the watch is quiet afterwards.
    Repairer.Result repaired = await(repairer.repair(tenant, row, current, current.plus(HOUR),
        schedule().horizonStart(time.now()), "repair-3"));
    assertThat(repaired.failure()).isEmpty();
    ExactlyOnce.assertSameRows(table, truthIn(from, current.plus(HOUR)), adxDigests(from, current.plus(HOUR)));
    assertThat(latest().lastRefreshed()).contains(current.plus(HOUR));
    assertThat(await(watch.check(tenant, latest(), "cycle-3")).changes()).isEmpty();
    assertThat(watch.lateCommits()).isEqualTo(1);
  }

  @Test
  void lateCommitWatchDoesNotRecountHoursExportedLongAfterTheyEnded() throws Exception {
    // GIVEN hours exported when each had ended more than the re-check span (6 h) before, as a back-fill's are
    Instant from = HourlyCounts.hourOf(time.now()).minus(Duration.ofHours(12));
    export(from, from.plus(Duration.ofHours(5)));
    long callsBefore = sim.stats().calls("graph", 200);

    // WHEN the watch checks the table
    LateCommitWatch.Result result = await(watch.check(tenant, latest(), "cycle-1"));

    // THEN it spends no call: those hours had settled when they were exported
    assertThat(result.changes()).isEmpty();
    assertThat(result.stats().calls()).isZero();
    assertThat(sim.stats().calls("graph", 200)).isEqualTo(callsBefore);

    // WHILE an hour exported young is re-counted (one call)
    Instant now = time.now();
    Instant current = HourlyCounts.hourOf(now).plus(HOUR);
    sim.clock().advance(Duration.between(now, current.plus(Duration.ofMinutes(10))));
    export(current.minus(Duration.ofHours(2)), current);
    long beforeYoung = sim.stats().calls("graph", 200);
    LateCommitWatch.Result young = await(watch.check(tenant, latest(), "cycle-2"));
    assertThat(young.stats().calls()).isEqualTo(1);
    assertThat(sim.stats().calls("graph", 200) - beforeYoung).isEqualTo(1);
  }

  @Test
  void theWatchsCyclesReCountEachHourExportedYoungTwiceNotAtEveryCheck() throws Exception {
    // GIVEN the hour before the current one exported ten minutes after it ended
    Instant now = time.now();
    Instant current = HourlyCounts.hourOf(now).plus(HOUR);
    sim.clock().advance(Duration.between(now, current.plus(Duration.ofMinutes(10))));
    export(current.minus(HOUR), current);

    // THEN a check right away spends no call: the hour is not an hour old yet
    assertThat(recountCalls()).isZero();
    // an hour later one call re-counts it; the checks in the next hours spend none until, five hours after it
    // ended, the last re-count (one call); and none after that
    sim.clock().advance(HOUR.plus(Duration.ofMinutes(1)));
    assertThat(recountCalls()).isEqualTo(1);
    for (int i = 0; i < 3; i++) {
      sim.clock().advance(HOUR);
      assertThat(recountCalls()).as("check %d", i).isZero();
    }
    sim.clock().advance(HOUR);
    assertThat(recountCalls()).isEqualTo(1);
    sim.clock().advance(HOUR);
    assertThat(recountCalls()).isZero();
  }

  /**
   * The count queries the source received for one due check of the watch (a check comes at most every 15 minutes:
   * the clock moves on by more; a call refused for an expired token and made again is one query).
   */
  private long recountCalls() throws Exception {
    int before = sim.stats().queries().size();
    Optional<LateCommitWatch.Result> checked = await(watch.checkIfDue(tenant, latest(), "cycle"));
    assertThat(checked).isPresent();
    List<String> queries = sim.stats().queries();
    return queries.subList(before, queries.size()).stream().filter(q -> q.contains("summarize Count = count()"))
        .count();
  }

  @Test
  void aRepairWhoseWindowCannotBeIngestedAgainLeavesTheTablesRowsAndExtentsUnchanged() throws Exception {
    // GIVEN four hours exported, and ADX failing every ingestion
    Instant from = HourlyCounts.hourOf(time.now()).minus(Duration.ofHours(6));
    Instant to = from.plus(Duration.ofHours(4));
    MigrationConfigRow row = export(from, to);
    Instant lo = from.plus(HOUR);
    Instant hi = from.plus(Duration.ofHours(3));
    List<String> extentsBefore = extents();
    List<String> rowsBefore = adxDigests(from, to);
    List<String> tablesBefore = tables();
    adx.faults().failIngestion(null, "the disk is full", 100);

    // WHEN two of them are repaired
    Repairer.Result result = await(repairer.repair(tenant, row, lo, hi, schedule().horizonStart(time.now()),
        "repair-4"));

    // THEN the first window failed before anything was swapped; the second was never touched
    assertThat(result.failure()).hasValueSatisfying(f -> assertThat(f)
        .contains("repairing " + Window.of(lo, lo.plus(HOUR)) + " failed")
        .contains("could not be ingested again").contains("ADX still holds it unchanged")
        .contains("Run repair again for [" + KustoTime.format(lo) + ", " + KustoTime.format(hi) + ")"));
    assertThat(result.extentsDropped()).isZero();
    assertThat(auditStatuses("RepairFailed", "")).singleElement().satisfies(a -> {
      assertThat(HourlyCounts.instant(a.get("WindowStart"))).isEqualTo(lo);
      assertThat(HourlyCounts.instant(a.get("WindowEnd"))).isEqualTo(hi);
    });
    assertThat(auditStatuses("Repaired", "")).isEmpty();
    // AND ADX is exactly as it was: the same extents (ids, tags, row counts), the same rows, no staging table left
    assertThat(extents()).isEqualTo(extentsBefore);
    assertThat(adxDigests(from, to)).isEqualTo(rowsBefore);
    assertThat(tables()).isEqualTo(tablesBefore);
    assertThat(adx.managementCommands()).noneMatch(c -> c.startsWith(".replace") || c.startsWith(".drop extents"));
    adx.faults().clear();
    assertThat(await(verifier.verify(tenant, row.resolve(), from, to)).exact()).isTrue();
    assertThat(latest().lastRefreshed()).contains(to);

    // Once ADX ingests again, repairing the same range makes it exact.
    Repairer.Result again = await(repairer.repair(tenant, row, lo, hi, schedule().horizonStart(time.now()),
        "repair-5"));
    assertThat(again.failure()).isEmpty();
    ExactlyOnce.assertSameRows(table, truthIn(from, to), adxDigests(from, to));
  }

  @Test
  void aRepairWhoseSwapFailsLeavesTheTableUnchangedAndDropsItsStagingTable() throws Exception {
    Instant from = HourlyCounts.hourOf(time.now()).minus(Duration.ofHours(5));
    Instant to = from.plus(Duration.ofHours(2));
    MigrationConfigRow row = export(from, to);
    List<String> extentsBefore = extents();
    List<String> tablesBefore = tables();
    adx.faults().failRequests(AdxFaults.Endpoint.MGMT, Pattern.compile("^\\.replace extents"),
        AdxFaults.Kind.PERMANENT, 1, "Extents to drop were merged meanwhile (injected fault)");

    Repairer.Result result = await(repairer.repair(tenant, row, from, from.plus(HOUR),
        schedule().horizonStart(time.now()), "repair-swap"));

    assertThat(result.failure()).hasValueSatisfying(f -> assertThat(f)
        .contains("swapping its extents in with .replace extents failed").contains("ADX still holds it unchanged"));
    assertThat(extents()).isEqualTo(extentsBefore);
    assertThat(tables()).isEqualTo(tablesBefore);
    assertThat(await(verifier.verify(tenant, row.resolve(), from, to)).exact()).isTrue();
  }

  @Test
  void aSuccessfulRepairSwapsEachWindowInWithOneReplaceExtentsKeepingItsTag() throws Exception {
    // GIVEN three hours exported exactly
    Instant from = HourlyCounts.hourOf(time.now()).minus(Duration.ofHours(5));
    Instant to = from.plus(Duration.ofHours(3));
    MigrationConfigRow row = export(from, to);
    Instant hour = from.plus(HOUR);
    String tag = "ingest-by:" + WindowId.of("", table, Window.of(hour, hour.plus(HOUR))).shortHash();
    List<String> before = extents();
    List<String> untouched = before.stream().filter(e -> !e.contains(tag)).toList();
    String replaced = before.stream().filter(e -> e.contains(tag)).findFirst().orElseThrow();
    int commandsBefore = adx.managementCommands().size();

    // WHEN that hour is repaired
    Repairer.Result result = await(repairer.repair(tenant, row, hour, hour.plus(HOUR),
        schedule().horizonStart(time.now()), "repair-one"));

    // THEN with one .replace extents and no drop: the window's extent has a new id and the same tag and row count,
    // the other windows' extents are the same, the range is exact and the staging table is gone
    assertThat(result.failure()).isEmpty();
    assertThat(result.extentsDropped()).isEqualTo(1);
    List<String> commands = adx.managementCommands().subList(commandsBefore, adx.managementCommands().size());
    assertThat(commands).filteredOn(c -> c.startsWith(".replace extents")).singleElement()
        .satisfies(c -> assertThat(c).startsWith(".replace extents in table " + raw + " <|"));
    assertThat(commands).noneMatch(c -> c.startsWith(".drop extents"));
    List<String> after = extents();
    assertThat(after).containsAll(untouched).hasSameSizeAs(before);
    String swapped = after.stream().filter(e -> e.contains(tag)).findFirst().orElseThrow();
    assertThat(id(swapped)).isNotEqualTo(id(replaced));
    assertThat(swapped.substring(swapped.indexOf('|'))).isEqualTo(replaced.substring(replaced.indexOf('|')));
    assertThat(tables()).noneMatch(t -> t.contains(RepairStaging.SUFFIX));
    // AND the window's rows went to the staging table through the IngestionService, once, under the window's tag
    assertThat(repairDeliveries.shipments()).singleElement().satisfies(s -> {
      assertThat(s.staged()).isTrue();
      assertThat(s.destination()).startsWith(raw + RepairStaging.SUFFIX);
      assertThat("ingest-by:" + s.tag()).isEqualTo(tag);
      assertThat(s.unitId()).startsWith(WindowId.of("", table, Window.of(hour, hour.plus(HOUR))).text())
          .endsWith(s.destination());
    });
    ExactlyOnce.assertSameRows(table, truthIn(from, to), adxDigests(from, to));
    assertThat(auditStatuses("Repaired", "window")).hasSize(1);
  }

  @Test
  void countingAtTheSourceWaitsForThePermitLikeAnyCall() throws Exception {
    Instant from = HourlyCounts.hourOf(time.now()).minus(Duration.ofHours(5));
    Instant until = time.now().plus(Duration.ofMinutes(3));
    await(budget.pauseUntil(tenant.key(), tenant.limits(), until));
    long callsBefore = sim.stats().calls("graph", 200);

    Verifier.Report report = await(verifier.verify(tenant, latestOrResolved(), from, from.plus(HOUR)));

    assertThat(time.now()).isAfterOrEqualTo(until);
    assertThat(sim.stats().calls("graph", 200)).isEqualTo(callsBefore + 1);
    // Nothing was exported: the source's rows of that hour are all missing in ADX.
    assertThat(report.mismatches()).singleElement().satisfies(m ->
        assertThat(m.missing()).isEqualTo(truthIn(from, from.plus(HOUR)).size()).isPositive());
  }

  @Test
  void repairReplacesAnInstantThatWasExportedInHashBuckets() throws Exception {
    // DeviceProcessEvents holds a burst of 1,500 rows at one instant, more than one call may return (1,000).
    table = "DeviceProcessEvents";
    raw = "DeviceProcessEventsRaw";
    Instant from = HourlyCounts.hourOf(sim.tenant().anchor().minus(Duration.ofDays(10)));
    Instant to = from.plus(HOUR);
    MigrationConfigRow row = export(from, to);
    assertThat(await(adxClient.query("MigrationAuditLog | where WindowId has ';b='"))).hasSizeGreaterThan(1);

    await(adxClient.mgmt(".drop extents <| .show table " + raw + " extents"));
    assertThat(await(verifier.verify(tenant, row.resolve(), from, to)).hours()).containsExactly(from);

    Repairer.Result repaired = await(repairer.repair(tenant, row, from, to, schedule().horizonStart(time.now()),
        "repair-6"));

    assertThat(repaired.failure()).isEmpty();
    ExactlyOnce.assertSameRows(table, truthIn(from, to), adxDigests(from, to));
    assertThat(await(adxClient.query("MigrationAuditLog | where Status == 'Repaired' and WindowId has ';b='")))
        .hasSizeGreaterThan(1);
    assertThat(latest().lastRefreshed()).contains(to);
  }

  @Test
  void verifyLeavesOutHoursTheSourceNoLongerHolds() throws Exception {
    Instant edge = time.now().minus(Duration.ofDays(30));
    Instant to = HourlyCounts.hourOf(edge).plus(Duration.ofHours(3));
    configure(HourlyCounts.hourOf(time.now()));

    Verifier.Report report = await(verifier.verify(tenant, latest().resolve(), edge.minus(Duration.ofDays(2)), to));

    // The first whole hour at least 10 minutes inside the horizon (the clock moves on while the test runs).
    assertThat(report.from()).isAfter(edge.plus(Duration.ofMinutes(10))).isBefore(edge.plus(Duration.ofHours(2)));
    assertThat(HourlyCounts.hourOf(report.from())).isEqualTo(report.from());
    assertThat(report.hours()).allSatisfy(h -> assertThat(h).isAfterOrEqualTo(report.from()));
  }

  @Test
  void aWatermarkNearTheHorizonIsAuditedAtRiskOnce() throws Exception {
    Instant old = HourlyCounts.hourOf(time.now()).minus(Duration.ofDays(29)).minus(Duration.ofHours(12));
    configure(old);
    LateCommitWatch.Result first = await(watch.check(tenant, latest(), "cycle-1"));
    assertThat(first.atRisk()).hasValueSatisfying(a -> {
      assertThat(a.status()).isEqualTo("AtRisk");
      assertThat(a.windowStart()).isEqualTo(old);
    });
    assertThat(await(watch.check(tenant, latest(), "cycle-2")).atRisk()).isEmpty();
    assertThat(auditStatuses("AtRisk", "")).hasSize(1);
  }

  // ---------------------------------------------------------------------------------------------------- helpers

  /** Hands every delivery on to {@code inner} and keeps the shipment, so a test sees what a repair sent. */
  private record CountingIngestion(IngestionPort inner, List<Shipment> shipments) implements IngestionPort {
    @Override
    public Future<Delivered> deliver(Shipment shipment) {
      synchronized (shipments) {
        shipments.add(shipment);
      }
      return inner.deliver(shipment);
    }

    @Override
    public Future<Optional<Delivered>> recover(String destination, String tag, String unitId) {
      return inner.recover(destination, tag, unitId);
    }

    @Override
    public Future<MigrationConfigRow> commit(WatermarkCommit commit) {
      return inner.commit(commit);
    }

    @Override
    public Future<MigrationConfigRow> commit(SnapshotCommit commit) {
      return inner.commit(commit);
    }
  }

  private static org.defenderadx.migration.common.window.WindowSchedule schedule() {
    return org.defenderadx.migration.common.window.WindowSchedule.thirtyDays(HOUR, Duration.ofMinutes(5));
  }

  private void configure(Instant watermark) throws Exception {
    Map<String, Object> config = new HashMap<>(Map.of("SourceTable", table, "DestinationTable", raw,
        "WatermarkColumn", "None", "LoadType", "Incremental", "IsActive", true, "TenantId", "", "Version", 1L));
    config.put("LastRefreshedTime", watermark);
    await(appender.append(MigrationStateStore.CONFIG_TABLE, List.of(config)));
  }

  /** Exports {@code [from, to)} on the hourly grid and returns the committed row. */
  private MigrationConfigRow export(Instant from, Instant to) throws Exception {
    configure(from);
    TableExporter.Result result = await(exporter.run(tenant, latest(), schedule().horizonStart(time.now()), to,
        "run-1"));
    assertThat(result.failure()).isEmpty();
    assertThat(result.caughtUp()).isTrue();
    return result.row();
  }

  private org.defenderadx.migration.common.model.ResolvedTable latestOrResolved() throws Exception {
    configure(HourlyCounts.hourOf(time.now()));
    return latest().resolve();
  }

  private MigrationConfigRow latest() throws Exception {
    return await(state.latest()).rows().stream().filter(r -> r.sourceTable().equals(table)).findFirst().orElseThrow();
  }

  private void dropWindow(Instant hour) throws Exception {
    String tag = WindowId.of("", table, Window.of(hour, hour.plus(HOUR))).shortHash();
    List<Map<String, Object>> dropped = await(adxClient.mgmt(".drop extents <| .show table " + raw
        + " extents where tags has 'ingest-by:" + tag + "'"));
    assertThat(dropped).hasSize(1);
  }

  /** The raw table's extents as {@code id|tags|rows}, by id. */
  private List<String> extents() throws Exception {
    List<String> extents = new ArrayList<>();
    for (Map<String, Object> e : await(adxClient.mgmt(".show table " + raw + " extents"))) {
      extents.add(e.get("ExtentId") + "|" + e.get("Tags") + "|" + e.get("RowCount"));
    }
    extents.sort(null);
    return extents;
  }

  private static String id(String extent) {
    return extent.substring(0, extent.indexOf('|'));
  }

  private List<String> tables() throws Exception {
    return await(adxClient.mgmt(".show tables")).stream().map(t -> String.valueOf(t.get("TableName"))).sorted()
        .toList();
  }

  private long configRows() throws Exception {
    return HourlyCounts.number(await(adxClient.query("MigrationConfiguration | count")).get(0).get("Count"));
  }

  private long auditedCount(Instant windowStart) throws Exception {
    return await(adxClient.query("MigrationAuditLog | where Status == 'Succeeded' and WindowStart == "
        + KustoTime.literal(windowStart))).stream().mapToLong(r -> HourlyCounts.number(r.get("RecordCount"))).sum();
  }

  /** Audit rows of a status: the range summary ({@code ""}) or the per-window rows ({@code "window"}). */
  private List<Map<String, Object>> auditStatuses(String status, String kind) throws Exception {
    return await(adxClient.query("MigrationAuditLog | where Status == '" + status + "' and "
        + (kind.isEmpty() ? "isempty(WindowId)" : "isnotempty(WindowId)")));
  }

  private List<String> truthIn(Instant from, Instant to) {
    return sim.groundTruth(table, new IngestionTimeRange(from, to), time.now());
  }

  /** Digests of the rows ADX holds for the table whose source ingestion time lies in {@code [from, to)}. */
  private List<String> adxDigests(Instant from, Instant to) throws Exception {
    List<JsonObject> records = new ArrayList<>();
    for (Map<String, Object> r : await(adxClient.query(raw + " | project Records"))) {
      JsonObject record = new JsonObject(String.valueOf(r.get("Records")));
      Instant t = KustoTime.parse(record.getString("__SourceIngestionTime"));
      if (!t.isBefore(from) && t.isBefore(to)) {
        records.add(record);
      }
    }
    return RowDigest.sorted(records);
  }

  private static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }
}
