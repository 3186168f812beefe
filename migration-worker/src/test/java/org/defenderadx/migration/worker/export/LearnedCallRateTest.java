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
import org.defenderadx.migration.common.quota.QuotaState;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.defenderadx.simulator.defender.DefenderSimConfig.ByteCap;
import org.defenderadx.simulator.defender.DefenderSimConfig.Limits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A tenant configured for 45 calls a minute against a service that allows 10 and counts the calls it refuses: the
 * node learns the service's rate from its 429s (for every node: the rate lives in the shared budget), so from a
 * simulated minute after its first 429 on at most a tenth of its calls are refused, and every row arrives exactly once.
 * On the legacy XDR API the 429 states the rate ("maximum allowed 10 per 00:01:00"); on Graph it states none (the
 * harsher reading of what is documented): the node then waits out the documented minute and takes the calls it made
 * in the minute that met the limit, less the refused one, as the rate.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class LearnedCallRateTest {

  private static final int SERVICE_PER_MINUTE = 10;
  private static final int CONFIGURED_PER_MINUTE = 45;

  private StandIns env;

  @BeforeEach
  void start() throws Exception {
    Limits scaled = Limits.documented().withRowCap(1_000).withByteCaps(new ByteCap(1024 * 1024, false),
        new ByteCap(1024 * 1024, false), new ByteCap(1024 * 1024, true));
    // A slower simulated clock than the other tests' (20 times real time, not 60), so that the node could call
    // faster than the service allows.
    env = StandIns.start(Vertx.vertx(), b -> b.timeScale(20).limits(scaled.withCallRates(SERVICE_PER_MINUTE, 100_000)
        .withRejectedCallsCounted()));
  }

  @AfterEach
  void stop() throws Exception {
    env.close();
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"xdr", "graph"})
  void theNodeConvergesToTheServicesRealRateAndMostOfItsCallsAreAnswered(String flavour) throws Exception {
    List<String> tables = List.of("DeviceLogonEvents", "DeviceInfo", "DeviceProcessEvents", "DeviceNetworkEvents");
    env.configureIncremental(tables);
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time,
        TenantFixture.config(env.sim, "", flavour, CONFIGURED_PER_MINUTE, 100_000));
    TableExporter exporter = env.exporter("test-node");
    WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));
    // The calls answered and refused a minute after the first 429 (sampled every simulated second).
    long[] atFirstMinute = {-1, -1};
    Instant[] firstRefusal = {null};
    long sampler = env.vertx.setPeriodic(Math.max(1, env.time.realDelayMillis(Duration.ofSeconds(1))), id -> {
      if (firstRefusal[0] == null && env.sim.stats().calls(flavour, 429) > 0) {
        firstRefusal[0] = env.time.now();
      } else if (firstRefusal[0] != null && atFirstMinute[0] < 0
          && !env.time.now().isBefore(firstRefusal[0].plus(Duration.ofMinutes(1)))) {
        atFirstMinute[0] = env.sim.stats().calls(flavour, 200);
        atFirstMinute[1] = env.sim.stats().calls(flavour, 429);
      }
    });

    for (MigrationConfigRow row : await(env.state.latest()).rows()) {
      TableExporter.Result r = await(exporter.run(tenant, row, schedule.horizonStart(env.time.now()),
          schedule.closePoint(env.time.now(), Optional.empty(), Duration.ZERO), "r1"));
      assertThat(r.failure()).as(row.sourceTable()).isEmpty();
      assertThat(r.caughtUp()).isTrue();
      env.assertExact(row.sourceTable(), row.destinationTable(), r.row().lastRefreshed().orElseThrow());
    }

    env.vertx.cancelTimer(sampler);
    assertThat(atFirstMinute[0]).as("the export went on for more than a minute after its first 429").isPositive();
    long answered = env.sim.stats().calls(flavour, 200) - atFirstMinute[0];
    long refused = env.sim.stats().calls(flavour, 429) - atFirstMinute[1];
    assertThat(env.sim.stats().calls(flavour, 429)).as("the service's limit was met").isPositive();
    assertThat(answered).isGreaterThan(20);
    assertThat((double) refused / (answered + refused)).as("%d refused of %d after the first minute", refused,
        answered + refused).isLessThanOrEqualTo(0.10);
    QuotaState shared = await(new SharedCallBudget(env.vertx, env.time).peek("", tenant.limits()));
    assertThat(shared.effective().perMinute()).as("the rate every node now keeps")
        .isBetween(SERVICE_PER_MINUTE - 2, SERVICE_PER_MINUTE + 1);
  }
}
