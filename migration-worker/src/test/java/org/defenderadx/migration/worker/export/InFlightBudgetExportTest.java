package org.defenderadx.migration.worker.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.quota.InFlightBytes;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The node's budget of blob bytes in flight holds across tables, and windows that wait for room still land once. */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class InFlightBudgetExportTest {

  private static final List<String> TABLES = List.of("DeviceLogonEvents", "DeviceInfo");

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
  void aBudgetOfOneBlobKeepsOneWindowInFlightAcrossTablesAndBothEndExact() throws Exception {
    // GIVEN two tables exported at once by exporters sharing a budget of one blob (each window reserves the 100 MB
    // blob target before its fetch), and ingestion slow enough (2 simulated minutes) to see what is in flight
    env.configureIncremental(TABLES);
    env.adx.faults().delayDataManagement(Duration.ofMinutes(2));
    InFlightBytes budget = new InFlightBytes(100L * 1024 * 1024);
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));
    Instant start = env.time.now().minus(Duration.ofDays(6));
    Instant close = schedule.closePoint(env.time.now(), Optional.empty(), Duration.ZERO);
    PendingBlobs pending = new PendingBlobs();

    // WHEN both run
    List<Future<TableExporter.Result>> runs = new ArrayList<>();
    for (MigrationConfigRow row : await(env.state.latest()).rows()) {
      runs.add(env.exporter(env.vertx, "test-node", budget).run(tenant, row, start, close, "run-1"));
    }
    await(Future.all(runs));
    pending.stop();

    // THEN never more than one blob was at the stand-in at once, windows waited for room, all room was given back,
    // and both tables are exact
    assertThat(pending.most()).as("blobs awaiting ingestion at once").isEqualTo(1);
    assertThat(budget.waitedTotal()).as("windows that waited for room").isPositive();
    assertThat(budget.peak()).isLessThanOrEqualTo(budget.capacity());
    assertThat(budget.inUse()).as("room still held after the runs").isZero();
    for (Future<TableExporter.Result> f : runs) {
      TableExporter.Result result = f.result();
      assertThat(result.failure()).as(result.sourceTable()).isEmpty();
      assertThat(result.caughtUp()).isTrue();
      env.assertExact(result.sourceTable(), result.row().destinationTable(), result.row().lastRefreshed().orElseThrow(),
          start);
    }
  }

  @Test
  void aTableAloneKeepsFetchingWhileItsEarlierWindowsWaitForIngestion() throws Exception {
    // GIVEN one table of twelve daily windows, and ingestion slow (2 simulated minutes) to confirm each blob
    env.configureIncremental(List.of("DeviceLogonEvents"));
    env.adx.faults().delayDataManagement(Duration.ofMinutes(2));
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));
    Instant start = env.time.now().minus(Duration.ofDays(12));
    Instant close = schedule.closePoint(env.time.now(), Optional.empty(), Duration.ZERO);
    PendingBlobs pending = new PendingBlobs();

    // WHEN it runs alone
    MigrationConfigRow row = await(env.state.latest()).rows().get(0);
    TableExporter.Result result = await(env.exporter("test-node").run(tenant, row, start, close, "run-1"));
    pending.stop();

    // THEN more windows were sent and awaiting ingestion at once than are ever fetched at once (the pipeline went on
    // fetching while ADX confirmed), never more than the pipeline's depth, and the table is exact
    assertThat(pending.most()).as("blobs awaiting ingestion at once")
        .isGreaterThan(TableRun.FETCHES_AT_ONCE)
        .isLessThanOrEqualTo(TableExporter.Options.defaults("").pipelineDepth());
    assertThat(result.failure()).isEmpty();
    assertThat(result.caughtUp()).isTrue();
    env.assertExact(result.sourceTable(), result.row().destinationTable(), result.row().lastRefreshed().orElseThrow(),
        start);
  }

  /** The most blobs awaiting ingestion at the stand-in at once, sampled every 20 ms until stopped. */
  private final class PendingBlobs {
    private final AtomicInteger most = new AtomicInteger();
    private final long timer = env.vertx.setPeriodic(20, id -> most.accumulateAndGet(
        env.adx.dataManagement().pendingBlobs(), Math::max));

    void stop() {
      env.vertx.cancelTimer(timer);
    }

    int most() {
      return most.get();
    }
  }
}
