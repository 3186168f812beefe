package org.defenderadx.migration.worker.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.outcome.OutcomeClassifier;
import org.defenderadx.migration.common.outcome.RetryPolicy;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.common.window.WindowSplitter;
import org.defenderadx.migration.worker.defender.HuntingClient;
import org.defenderadx.migration.worker.defender.Provenance;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.defenderadx.migration.worker.testing.Blobs;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.defender.DefenderSimulator;
import org.defenderadx.simulator.defender.RowDigest;
import org.defenderadx.simulator.defender.Scenario;
import org.defenderadx.simulator.defender.SimFault;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Fetching windows from the Defender simulator with scaled-down caps, so every split path runs. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WindowFetcherTest {

  private final Vertx vertx = Vertx.vertx();
  private DefenderSimulator sim;
  private TimeSource time;
  private WindowFetcher fetcher;

  @BeforeEach
  void start() throws Exception {
    sim = await(DefenderSimulator.start(vertx,
        Scenario.SCALED.apply(DefenderSimConfig.builder().timeScale(60)).build()));
    time = TimeSource.of(sim.clock(), sim.config().timeScale());
    HuntingClient client = new HuntingClient(vertx, vertx.createHttpClient(new HttpClientOptions()), time.clock(),
        Duration.ofMinutes(4));
    fetcher = new WindowFetcher(vertx, client, new SharedCallBudget(vertx, time),
        new OutcomeClassifier(time.clock(), new Random(1), RetryPolicy.defaults()), new WindowSplitter(), time,
        100L * 1024 * 1024);
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(150, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private static ResolvedTable table(String name) {
    return MigrationConfigRow.fromColumns(Map.of("SourceTable", name, "DestinationTable", name + "Raw",
        "WatermarkColumn", "None", "LoadType", "Incremental", "IsActive", true)).resolve();
  }

  /** Fetches a window, following splits depth-first; returns every row and how many splits it took. */
  private record Collected(List<JsonObject> rows, int splits, int calls, int callQuota429) {
  }

  private Collected fetchAll(TenantContext tenant, ResolvedTable table, Window window) throws Exception {
    List<JsonObject> rows = new ArrayList<>();
    int[] counters = new int[3];
    fetchInto(tenant, table, window, rows, counters);
    return new Collected(rows, counters[0], counters[1], counters[2]);
  }

  private void fetchInto(TenantContext tenant, ResolvedTable table, Window window, List<JsonObject> rows, int[] c)
      throws Exception {
    Provenance p = new Provenance(tenant.key(), table.sourceTable(),
        WindowId.of(tenant.key(), table.sourceTable(), window).text(), null);
    Fetched f = await(fetcher.fetch(tenant, table, window, WindowFetcher.query(table, window), p));
    c[1] += f.stats().calls();
    c[2] += f.stats().callQuota429();
    if (f instanceof Fetched.Split s) {
      c[0]++;
      for (Window child : s.children()) {
        fetchInto(tenant, table, child, rows, c);
      }
    } else if (f instanceof Fetched.Complete complete) {
      List<JsonObject> got = Blobs.rows(complete.blob());
      assertThat(got).hasSize((int) complete.rows());
      rows.addAll(got);
    } else {
      throw new AssertionError("unexpected " + f);
    }
  }

  private List<String> truth(String table, Window window) {
    return sim.groundTruth(table, new IngestionTimeRange(window.lo(), window.hi()), time.now());
  }

  private static List<String> digests(List<JsonObject> rows) {
    return RowDigest.sorted(rows);
  }

  @Test
  void splitsADayThatExceedsTheRowCapAndGetsEveryRowExactlyOnce() throws Exception {
    TenantContext tenant = TenantFixture.context(vertx, sim, time, "contoso", "graph");
    Instant dayStart = busiestInstant("DeviceProcessEvents").truncatedTo(java.time.temporal.ChronoUnit.DAYS);
    Window day = Window.of(dayStart, dayStart.plus(Duration.ofDays(1)));
    ResolvedTable table = table("DeviceProcessEvents");

    Collected got = fetchAll(tenant, table, day);

    List<String> expected = truth("DeviceProcessEvents", day);
    assertThat(expected.size()).as("the day must exceed the scaled row cap").isGreaterThan(1_000);
    assertThat(got.splits()).isGreaterThan(0);
    assertThat(digests(got.rows())).isEqualTo(expected);
    assertThat(got.rows()).allSatisfy(r -> assertThat(r.getString("__TenantId")).isEqualTo("contoso"));
  }

  @Test
  void pagesAnInstantHoldingMoreRowsThanTheCapByHashBuckets() throws Exception {
    TenantContext tenant = TenantFixture.context(vertx, sim, time, "", "graph");
    ResolvedTable table = table("DeviceProcessEvents");
    Instant burst = busiestInstant("DeviceProcessEvents");
    Window instant = Window.of(burst, burst.plusNanos(100));

    Collected got = fetchAll(tenant, table, instant);

    List<String> expected = truth("DeviceProcessEvents", instant);
    assertThat(expected.size()).isGreaterThan(1_000);
    assertThat(digests(got.rows())).isEqualTo(expected);
    assertThat(got.splits()).as("paged by hash buckets").isGreaterThan(0);
  }

  /** The ingestion instant (in 100-ns ticks) shared by the most rows, among rows already ingested. */
  private Instant busiestInstant(String table) {
    long[] ticks = sim.tenant().eventTable(table).orElseThrow().ingestTicks();
    long now = org.defenderadx.migration.common.kql.KustoTime.toTicks(time.now());
    long best = ticks[0];
    int bestRun = 0;
    for (int i = 0, run = 0; i < ticks.length && ticks[i] < now; i++) {
      run = i > 0 && ticks[i] == ticks[i - 1] ? run + 1 : 1;
      if (run > bestRun) {
        bestRun = run;
        best = ticks[i];
      }
    }
    return org.defenderadx.migration.common.kql.KustoTime.fromTicks(best);
  }

  @Test
  void legacyFlavourGetsTheSameRows() throws Exception {
    TenantContext tenant = TenantFixture.context(vertx, sim, time, "", "xdr");
    Instant from = time.now().minus(Duration.ofDays(2)).truncatedTo(java.time.temporal.ChronoUnit.HOURS);
    Window window = Window.of(from, from.plus(Duration.ofHours(6)));
    ResolvedTable table = table("DeviceLogonEvents");

    Collected got = fetchAll(tenant, table, window);

    assertThat(digests(got.rows())).isEqualTo(truth("DeviceLogonEvents", window));
  }

  @Test
  void waitsOutCallQuotaThrottlingAndServerErrors() throws Exception {
    TenantContext tenant = TenantFixture.context(vertx, sim, time, "", "graph");
    Instant from = time.now().minus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.HOURS);
    Window window = Window.of(from, from.plus(Duration.ofHours(1)));
    ResolvedTable table = table("DeviceNetworkEvents");
    sim.injectFaults(SimFault.THROTTLED, SimFault.SERVER_ERROR, SimFault.THROTTLED);

    Collected got = fetchAll(tenant, table, window);

    assertThat(got.callQuota429()).isEqualTo(2);
    assertThat(got.calls()).isGreaterThanOrEqualTo(4);
    assertThat(digests(got.rows())).isEqualTo(truth("DeviceNetworkEvents", window));
  }

  @Test
  void callQuota429sDoNotUseUpTheRetriesOfErrors() throws Exception {
    // GIVEN six 429s, then four gateway timeouts: within the five tries a failing call has, since 429s are no failures
    TenantContext tenant = TenantFixture.context(vertx, sim, time, "", "graph");
    Instant from = time.now().minus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.HOURS);
    Window window = Window.of(from, from.plus(Duration.ofHours(1)));
    ResolvedTable table = table("DeviceNetworkEvents");
    sim.injectFaults(SimFault.THROTTLED, SimFault.THROTTLED, SimFault.THROTTLED, SimFault.THROTTLED,
        SimFault.THROTTLED, SimFault.THROTTLED, SimFault.GATEWAY_TIMEOUT, SimFault.GATEWAY_TIMEOUT,
        SimFault.GATEWAY_TIMEOUT, SimFault.GATEWAY_TIMEOUT);

    // WHEN
    Collected got = fetchAll(tenant, table, window);

    // THEN the window completes on its eleventh call, every row there
    assertThat(got.callQuota429()).isEqualTo(6);
    assertThat(got.calls()).isEqualTo(11);
    assertThat(digests(got.rows())).isEqualTo(truth("DeviceNetworkEvents", window));
  }

  @Test
  void anUnknownTableFailsWithTheServicesMessage() throws Exception {
    TenantContext tenant = TenantFixture.context(vertx, sim, time, "", "graph");
    Window window = Window.of(time.now().minus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.HOURS),
        time.now().minus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.HOURS).plus(Duration.ofHours(1)));
    ResolvedTable table = table("NoSuchTable");

    Fetched f = await(fetcher.fetch(tenant, table, window, WindowFetcher.query(table, window),
        new Provenance("", "NoSuchTable", "w", null)));

    assertThat(f).isInstanceOfSatisfying(Fetched.Failed.class,
        failed -> assertThat(failed.reason()).contains("NoSuchTable"));
  }
}
