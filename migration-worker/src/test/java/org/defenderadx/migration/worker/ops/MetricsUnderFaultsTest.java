package org.defenderadx.migration.worker.ops;

import org.defenderadx.migration.worker.quota.InFlightBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.defenderadx.migration.worker.export.TableExporter;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.export.WindowFetcher;
import org.defenderadx.migration.worker.testing.Prometheus;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.defenderadx.simulator.defender.SimFault;
import org.defenderadx.simulator.defender.DefenderSimConfig.ByteCap;
import org.defenderadx.simulator.defender.DefenderSimConfig.Limits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The meters count what happened when the API misbehaves: every answer by status, 429s by the quota they spent,
 * windows split on truncated results, as the simulator itself counted them; rows ingested as the audit log has them.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class MetricsUnderFaultsTest {

  private static final String TABLE = "DeviceNetworkEvents";
  private StandIns env;

  @BeforeEach
  void start() throws Exception {
    // A row cap of 20 (the small profile has a few dozen rows a day per table): the table's days do not fit one result, so windows split.
    env = StandIns.start(Vertx.vertx(), b -> b.limits(Limits.documented().withRowCap(20).withByteCaps(
        new ByteCap(1024 * 1024, false), new ByteCap(1024 * 1024, false), new ByteCap(1024 * 1024, true))));
  }

  @AfterEach
  void stop() throws Exception {
    env.close();
  }

  @Test
  void throttlingServerErrorsAndSplitsAreCountedAsTheSimulatorSawThem() throws Exception {
    // GIVEN an exporter whose parts report to the metrics, and an API that throttles, fails and hits the CPU quota
    env.configureIncremental(List.of(TABLE));
    PrometheusMeterRegistry registry = NodeObservability.registry();
    MigrationMetrics metrics = new MigrationMetrics(registry, env.time);
    WindowFetcher fetcher = env.fetcher();
    WindowIngestion ingestion = new WindowIngestion(env.ingestClient, StandIns.DATABASE, env.sdkPool);
    fetcher.observe(metrics);
    ingestion.observe(metrics);
    env.state.observe(metrics);
    TableExporter exporter = new TableExporter(env.vertx, fetcher,
        StandIns.ingestion(env.vertx, ingestion, env.state, env.time), env.state,
        new WindowPlanner(new WindowGrid(Duration.ofDays(1))), env.time, new TableExporter.Options("test-node", 64),
        null, new InFlightBytes(Long.MAX_VALUE));
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    env.sim.injectFaults(SimFault.THROTTLED, SimFault.THROTTLED, SimFault.SERVER_ERROR, SimFault.CPU_QUOTA,
        SimFault.THROTTLED);
    WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));

    // WHEN the table is exported until caught up, waiting out the pause
    TableExporter.Result result = null;
    for (int run = 0; run < 5; run++) {
      MigrationConfigRow row = await(env.state.latest()).rows().get(0);
      Instant now = env.time.now();
      result = await(exporter.run(tenant, row, schedule.horizonStart(now),
          schedule.closePoint(now, Optional.empty(), Duration.ZERO), "run-" + run));
      if (result.caughtUp() || result.pausedUntil().isEmpty()) {
        break;
      }
      await(env.vertx.timer(env.time.realDelayMillis(Duration.between(env.time.now(), result.pausedUntil().get()))));
    }
    assertThat(result.caughtUp()).as("%s", result).isTrue();

    // THEN the meters agree with the simulator's own counts and with the audit log
    Prometheus scraped = new Prometheus(registry.scrape());
    for (int status : List.of(200, 429, 500)) {
      assertThat(scraped.find("migration_api_calls_total", "status", Integer.toString(status)).stream()
          .mapToDouble(Prometheus.Sample::value).sum()).as("answers with status %s", status)
          .isEqualTo((double) env.sim.stats().calls("graph", status));
    }
    assertThat(scraped.value("migration_throttled_total", "tenant", "", "kind", "cpu-quota")).isEqualTo(1.0);
    assertThat(scraped.value("migration_throttled_total", "tenant", "", "kind", "call-quota")).isEqualTo(3.0);
    assertThat(env.sim.stats().truncatedResults()).as("the scaled caps cut some results").isPositive();
    assertThat(scraped.value("migration_window_splits_total", "tenant", "", "table", TABLE))
        .isEqualTo((double) env.sim.stats().truncatedResults());
    long committed = ((Number) await(env.adxClient.query("MigrationAuditLog | where Status == 'Succeeded' "
        + "| summarize n = sum(RecordCount)")).get(0).get("n")).longValue();
    assertThat(scraped.value("migration_rows_ingested_total", "tenant", "", "table", TABLE))
        .isEqualTo((double) committed).isPositive();
    assertThat(scraped.value("migration_ingestion_latency_seconds_count", "result", "Succeeded"))
        .isEqualTo(scraped.value("migration_windows_committed_total", "tenant", "", "table", TABLE));
    assertThat(scraped.value("migration_ingestion_latency_seconds_sum", "result", "Succeeded")).isPositive();
  }
}
