package org.defenderadx.migration.worker.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The backlog estimate behind {@code migrationctl plan}: from a census of the source, close to the calls the export
 * then makes, and far below one call per grid cell.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BacklogEstimateTest {

  private static final WindowGrid HOURLY = new WindowGrid(Duration.ofHours(1));
  private static final WindowSchedule SCHEDULE = WindowSchedule.thirtyDays(Duration.ofHours(3), Duration.ofMinutes(5));

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
  void estimatesABackfillFromACensusCloseToTheCallsItThenTakes() throws Exception {
    // GIVEN a table never exported, 30 days of it at the source
    String table = "DeviceNetworkEvents";
    env.configureIncremental(List.of(table));
    TableExporter exporter = env.mergingExporter("test-node", HOURLY);
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    MigrationConfigRow row = await(env.state.latest()).rows().get(0);
    Instant start = SCHEDULE.horizonStart(env.time.now());
    Instant close = SCHEDULE.closePoint(env.time.now(), Optional.empty(), Duration.ZERO);
    BacklogEstimate estimates = exporter.backlogEstimate().orElseThrow();
    long before = env.sim.stats().calls("graph", 200);

    // WHEN its backlog is estimated
    BacklogEstimate.Estimate estimate = await(estimates.estimate(tenant, row.resolve(), start, close));

    // THEN a census counted it (its calls part of the estimate), far below one call per hourly cell
    long cells = Duration.between(HOURLY.cellStart(start), HOURLY.cellStart(close)).toHours();
    assertThat(estimate.censusCalls()).isEqualTo(1);
    assertThat(env.sim.stats().calls("graph", 200) - before).isEqualTo(1);
    assertThat(estimate.basis()).startsWith("census");
    assertThat(estimate.calls()).as("%s for %d cells", estimate, cells).isLessThan(cells / 4).isGreaterThan(1);

    // AND once the exporter has measured the table's rows (its first week exported), the estimate of the rest is
    // close to the calls the export of the rest then takes
    Instant week = HOURLY.cellStart(start.plus(Duration.ofDays(7)));
    TableExporter.Result first = await(exporter.run(tenant, row, start, week, "run-1"));
    assertThat(first.failure()).isEmpty();
    Instant watermark = first.row().lastRefreshed().orElseThrow();
    BacklogEstimate.Estimate rest = await(estimates.estimate(tenant, row.resolve(), watermark, close));
    long exportFrom = env.sim.stats().calls("graph", 200);
    TableExporter.Result result = await(exporter.run(tenant, first.row(), start, close, "run-2"));
    assertThat(result.failure()).isEmpty();
    long made = env.sim.stats().calls("graph", 200) - exportFrom;
    assertThat((double) made).as("%d calls made against %s", made, rest)
        .isBetween(rest.calls() * 0.7, rest.calls() * 1.3 + 1);

    // AND once caught up, nothing is left to estimate
    BacklogEstimate.Estimate after = await(estimates.estimate(tenant, row.resolve(),
        result.row().lastRefreshed().orElseThrow(), close));
    assertThat(after.calls()).isZero();
    assertThat(after.basis()).isEqualTo("caught up");
  }
}
