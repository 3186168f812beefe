package org.defenderadx.migration.worker.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.defenderadx.simulator.defender.SimFault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A backfill through 429 storms of both kinds, server errors and tokens that last three simulated minutes (renewed
 * before they expire) and one revoked token:
 * the export pauses, waits and refreshes as it must, and ends exact.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class FaultyApiExportTest {

  private static final String TABLE = "DeviceNetworkEvents";
  private StandIns env;

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx(), b -> b.tokenLifetime(Duration.ofMinutes(3)));
  }

  @AfterEach
  void stop() throws Exception {
    env.close();
  }

  @Test
  void throttlingCpuQuotaServerErrorsAndExpiringTokensStillEndExact() throws Exception {
    env.configureIncremental(List.of(TABLE));
    env.sim.injectFaults(SimFault.THROTTLED, SimFault.THROTTLED, SimFault.THROTTLED, SimFault.SERVER_ERROR,
        SimFault.CPU_QUOTA, SimFault.THROTTLED, SimFault.SERVER_ERROR, SimFault.GATEWAY_TIMEOUT, SimFault.TOKEN_REVOKED);
    TableExporter exporter = env.exporter("test-node");
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));

    TableExporter.Result result = null;
    int pauses = 0;
    for (int run = 0; run < 10; run++) {
      MigrationConfigRow row = await(env.state.latest()).rows().get(0);
      Instant now = env.time.now();
      result = await(exporter.run(tenant, row, schedule.horizonStart(now),
          schedule.closePoint(now, Optional.empty(), Duration.ZERO), "run-" + run));
      assertThat(result.failure()).isEmpty();
      if (result.caughtUp()) {
        break;
      }
      assertThat(result.pausedUntil()).as("a run that did not catch up was paused").isPresent();
      pauses++;
      long waitMs = env.time.realDelayMillis(Duration.between(env.time.now(), result.pausedUntil().get()));
      await(env.vertx.timer(Math.max(1, waitMs)));
    }

    assertThat(result.caughtUp()).isTrue();
    assertThat(pauses).as("the CPU-quota 429 paused the tenant").isEqualTo(1);
    assertThat(env.sim.stats().calls("graph", 429)).isGreaterThanOrEqualTo(5);
    // Three-minute tokens are renewed before they expire on the source's clock: the one 401 is the revoked token's,
    // after which a new token is had and the window fetched again.
    assertThat(env.sim.stats().calls("graph", 401)).as("calls refused with 401").isEqualTo(1);
    assertThat(env.sim.stats().calls("token-v2", 200)).as("tokens issued: renewed as they aged, and after the 401")
        .isGreaterThanOrEqualTo(3);
    env.assertExact(TABLE, TABLE + "Raw", result.row().lastRefreshed().orElseThrow());
    List<Map<String, Object>> audit = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Paused' | project CpuQuota429"));
    assertThat(audit).singleElement().satisfies(r -> assertThat(r.get("CpuQuota429")).isEqualTo(1));
  }
}
