package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.bus.TableWork;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.export.TableExporter;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.ingest.Delivered;
import org.defenderadx.migration.worker.ingest.IngestionPort;
import org.defenderadx.migration.worker.ingest.Shipment;
import org.defenderadx.migration.worker.ingest.SnapshotCommit;
import org.defenderadx.migration.worker.ingest.WatermarkCommit;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.observe.EngineObserver;
import org.defenderadx.migration.worker.quota.InFlightBytes;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The coordinator and a table worker deployed as verticles on one node: tables reach the worker as event-bus work
 * under leases, cycle after cycle, and end exact in ADX with no window committed twice.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class SingleNodeMigrationTest {

  private static final List<String> TABLES = List.of("DeviceLogonEvents", "DeviceInfo", "DeviceNetworkEvents");

  private StandIns env;

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
  }

  @AfterEach
  void stop() throws Exception {
    env.close();
  }

  @Test
  void coordinatorHandsTablesToWorkersUntilEveryTableIsExact() throws Exception {
    env.configureIncremental(TABLES);
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    TableLeases leases = new TableLeases(env.vertx);
    Duration leaseTtl = Duration.ofSeconds(30);
    await(env.vertx.deployVerticle(new FetchVerticle(new TableRuns(env.vertx, env.exporter("node-a"),
        Map.of("", tenant), leases, leaseTtl, "node-a", env.offerCheck()), "node-a")));
    CoordinatorVerticle coordinator = new CoordinatorVerticle(env.state, leases, Set.of(""),
        WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5)), env.serviceClock, env.time,
        Duration.ofMinutes(2));
    await(env.vertx.deployVerticle(coordinator));

    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!allCaughtUp(coordinator.lastOutcomes()) && System.nanoTime() < deadline) {
      await(env.vertx.timer(500));
    }

    Map<String, TableOutcome> outcomes = coordinator.lastOutcomes();
    assertThat(allCaughtUp(outcomes)).as("outcomes %s", outcomes).isTrue();
    for (String table : TABLES) {
      TableOutcome o = outcomes.get(TableLeases.key("", table));
      assertThat(o.failure()).as(table).isEmpty();
      Instant watermark = o.watermark().orElseThrow();
      env.assertExact(table, table + "Raw", watermark);
    }
    List<Map<String, Object>> twice = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Succeeded' | summarize n = count() by WindowId | where n > 1"));
    assertThat(twice).as("windows committed more than once").isEmpty();
  }

  /**
   * No timeout ends a run: a table whose run lasts many lease periods and many coordinator cycles keeps its lease
   * (renewed by the node running it) and is never handed to a second run while the first goes on.
   */
  @Test
  void aRunLongerThanManyLeasePeriodsAndCyclesKeepsItsTableAndIsNeverDispatchedTwice() throws Exception {
    String table = "DeviceInfo";
    env.configureIncremental(List.of(table));
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    TableLeases leases = new TableLeases(env.vertx);
    Duration leaseTtl = Duration.ofMillis(600);
    // Every window's delivery takes 400 ms more (real time), one window at a time: a backfill of 30 daily windows
    // lasts about 12 s, twenty lease periods.
    IngestionPort slow = new SlowIngestion(env.vertx, env.ingestion(env.vertx), 400, 0);
    TableExporter exporter = new TableExporter(env.vertx, env.fetcher(), slow, env.state,
        new WindowPlanner(new WindowGrid(Duration.ofDays(1))), env.time, new TableExporter.Options("node-a", 64, 1, 32),
        null, new InFlightBytes(Long.MAX_VALUE));
    TableRuns runs = new TableRuns(env.vertx, exporter, Map.of("", tenant), leases, leaseTtl, "node-a", env.offerCheck());
    List<String> events = new CopyOnWriteArrayList<>();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    runs.observe(new EngineObserver() {
      @Override
      public void tableStarted(String tenantKey, String sourceTable) {
        events.add("started");
        if (running.incrementAndGet() > 1) {
          overlaps.incrementAndGet();
        }
      }

      @Override
      public void tableFinished(String tenantKey, String sourceTable) {
        events.add("finished");
        running.decrementAndGet();
      }
    });
    // While the run goes on, the same table is offered every 100 ms as a coordinator would that read the lease map
    // just before the run took it: the lease alone must turn every such offer down.
    AtomicInteger declined = new AtomicInteger();
    MigrationConfigRow configured = await(env.state.latest()).rows().get(0);
    long offering = env.vertx.setPeriodic(100, id -> {
      if (running.get() > 0) {
        TableWork again = new TableWork("", table, configured.toColumns(), env.time.now().minus(Duration.ofDays(30)),
            env.time.now(), "a-stale-offer");
        env.vertx.eventBus().<JsonObject>request(Addresses.TABLE_WORK, again.toJson()).onSuccess(answer -> {
          if (!answer.body().getBoolean("accepted")) {
            declined.incrementAndGet();
          }
        });
      }
    });
    await(env.vertx.deployVerticle(() -> new FetchVerticle(runs, "node-a"), new DeploymentOptions().setInstances(2)));
    // A cycle every 100 ms of real time.
    Duration cycle = Duration.ofMillis(Math.max(1, (long) (env.time.scale() * 100)));
    CoordinatorVerticle coordinator = new CoordinatorVerticle(env.state, leases, Set.of(""),
        WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5)), env.serviceClock, env.time, cycle);
    long started = System.nanoTime();
    await(env.vertx.deployVerticle(coordinator));

    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!events.contains("finished") && System.nanoTime() < deadline) {
      await(env.vertx.timer(100));
    }
    Duration firstRun = Duration.ofNanos(System.nanoTime() - started);
    env.vertx.cancelTimer(offering);
    TableOutcome outcome = coordinator.lastOutcomes().get(TableLeases.key("", table));

    assertThat(events).as("the first run ended").contains("finished");
    assertThat(firstRun).as("the run outlived many lease periods").isGreaterThan(leaseTtl.multipliedBy(10));
    assertThat(declined.get()).as("offers of the table declined while it ran").isGreaterThan(10);
    assertThat(events.subList(0, events.indexOf("finished"))).as("one run only until the first ended")
        .containsExactly("started");
    assertThat(overlaps.get()).as("runs of the table at once").isZero();
    assertThat(outcome).isNotNull();
    assertThat(outcome.failure()).isEmpty();
    assertThat(outcome.caughtUp()).isTrue();
    env.assertExact(table, table + "Raw", outcome.watermark().orElseThrow());
  }

  /**
   * Confirmed windows at the head of the line are committed together: while one commit is under way, the windows
   * confirmed meanwhile wait and go in the next one (one watermark row, their audit rows in one append).
   */
  @Test
  void windowsConfirmedWhileACommitIsUnderWayAreCommittedTogether() throws Exception {
    String table = "DeviceInfo";
    env.configureIncremental(List.of(table));
    long rowsBefore = count("MigrationConfiguration | count");
    // Each commit takes 500 ms more (real time) while four windows at a time are fetched and delivered.
    IngestionPort slowCommits = new SlowIngestion(env.vertx, env.ingestion(env.vertx), 0, 500);
    TableExporter exporter = new TableExporter(env.vertx, env.fetcher(), slowCommits, env.state,
        new WindowPlanner(new WindowGrid(Duration.ofDays(1))), env.time, new TableExporter.Options("node-a", 64, 4, 32),
        null, new InFlightBytes(Long.MAX_VALUE));
    MigrationConfigRow row = await(env.state.latest()).rows().get(0);
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));

    TableExporter.Result result = await(exporter.run(tenant, row, schedule.horizonStart(env.time.now()),
        schedule.closePoint(env.time.now(), Optional.empty(), Duration.ZERO), "run-1"));

    long windows = count("MigrationAuditLog | where Status == 'Succeeded' | count");
    long commits = count("MigrationConfiguration | count") - rowsBefore;
    assertThat(result.failure()).isEmpty();
    assertThat(result.caughtUp()).isTrue();
    assertThat(result.windowsCommitted()).isEqualTo((int) windows);
    assertThat(commits).as("watermark rows for %s windows", windows).isPositive().isLessThan(windows / 2);
    env.assertExact(table, table + "Raw", result.row().lastRefreshed().orElseThrow());
  }

  private long count(String query) throws Exception {
    return ((Number) await(env.adxClient.query(query)).get(0).get("Count")).longValue();
  }

  /** Delays every delivery and every commit by a fixed real time: a slow ADX, for runs that last. */
  private record SlowIngestion(Vertx vertx, IngestionPort inner, long deliverMillis, long commitMillis)
      implements IngestionPort {
    @Override
    public Future<Delivered> deliver(Shipment shipment) {
      return vertx.timer(Math.max(1, deliverMillis)).compose(x -> inner.deliver(shipment));
    }

    @Override
    public Future<Optional<Delivered>> recover(String destination, String tag, String unitId) {
      return inner.recover(destination, tag, unitId);
    }

    @Override
    public Future<MigrationConfigRow> commit(WatermarkCommit commit) {
      return vertx.timer(Math.max(1, commitMillis)).compose(x -> inner.commit(commit));
    }

    @Override
    public Future<MigrationConfigRow> commit(SnapshotCommit commit) {
      return inner.commit(commit);
    }
  }

  private static boolean allCaughtUp(Map<String, TableOutcome> outcomes) {
    return TABLES.stream().allMatch(t -> {
      TableOutcome o = outcomes.get(TableLeases.key("", t));
      return o != null && o.caughtUp() && o.watermark().isPresent();
    });
  }
}
