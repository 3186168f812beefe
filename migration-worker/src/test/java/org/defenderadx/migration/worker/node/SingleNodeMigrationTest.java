package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.lease.TableLeases;
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
    await(env.vertx.deployVerticle(new TableWorkerVerticle(env.exporter("node-a"), Map.of("", tenant), leases,
        leaseTtl, "node-a")));
    CoordinatorVerticle coordinator = new CoordinatorVerticle(env.state, leases, Set.of(""),
        WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5)), env.serviceClock, env.time,
        Duration.ofMinutes(2), leaseTtl, Duration.ofMinutes(5));
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

  private static boolean allCaughtUp(Map<String, TableOutcome> outcomes) {
    return TABLES.stream().allMatch(t -> {
      TableOutcome o = outcomes.get(TableLeases.key("", t));
      return o != null && o.caughtUp() && o.watermark().isPresent();
    });
  }
}
