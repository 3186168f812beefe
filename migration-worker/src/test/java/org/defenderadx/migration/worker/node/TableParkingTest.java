package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.common.config.MigrationTuning;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.export.SourceUnavailable;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.ops.OpsHolds;
import org.defenderadx.migration.worker.ops.StatusReport;
import org.defenderadx.migration.worker.ops.TableParking;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A configured table the tenant does not have (no licence for its product: the service answers 400 "Failed to
 * resolve table or column expression named 'EmailEvents'") is parked after one failed run instead of being tried
 * every cycle: a Parked row in MigrationAuditLog naming the table and cause, a sealed hold that keeps the coordinator's
 * offers from starting a run, no further calls while parked, and one probe again once unparked (migrationctl resume).
 * The other table is exported as usual.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TableParkingTest {

  private static final String MISSING = "EmailEvents";

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
  void aTableTheTenantDoesNotHaveIsParkedNotTriedEveryCycle() throws Exception {
    // GIVEN a node cycling every (simulated) minute, one real second, over a table it has and one it has not
    env.configureIncremental(List.of("DeviceInfo", MISSING));
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    TableLeases leases = new TableLeases(env.vertx);
    OpsHolds holds = new OpsHolds(env.vertx);
    TableRuns runs = new TableRuns(env.vertx, env.exporter("node-a"), Map.of("", tenant), leases,
        Duration.ofSeconds(30), "node-a", env.offerCheck())
        .parkUnavailableTables(env.state, env.time, Duration.ofHours(6));
    await(env.vertx.deployVerticle(() -> new FetchVerticle(runs, "node-a"), new DeploymentOptions().setInstances(2)));
    Duration cycle = Duration.ofMillis(Math.max(1, (long) (env.time.scale() * 1000)));
    CoordinatorVerticle coordinator = new CoordinatorVerticle(env.state, leases, Set.of(""),
        WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5)), env.serviceClock, env.time, cycle);

    // WHEN it runs until DeviceInfo caught up and the missing table was parked
    await(env.vertx.deployVerticle(coordinator));
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline && !(caughtUp(coordinator.lastOutcomes()) && parkedAudits() > 0)) {
      await(env.vertx.timer(500));
    }
    long callsWhenParked = callsFor(MISSING);
    await(env.vertx.timer(5_000)); // a few more cycles

    // THEN the missing table was parked once, with its cause, and not called again while parked
    assertThat(caughtUp(coordinator.lastOutcomes())).as("DeviceInfo exported").isTrue();
    List<Map<String, Object>> parked = await(env.adxClient.query("MigrationAuditLog | where Status == '"
        + TableParking.AUDIT_STATUS + "' | project SourceTable, FailureReason"));
    assertThat(parked).singleElement().satisfies(r -> {
      assertThat(r.get("SourceTable")).isEqualTo(MISSING);
      assertThat((String) r.get("FailureReason")).contains(SourceUnavailable.MARKER)
          .contains("the tenant has no table " + MISSING).contains("parked until");
    });
    assertThat(callsWhenParked).as("calls naming the missing table before it was parked").isPositive();
    assertThat(callsFor(MISSING)).as("calls naming it while parked").isEqualTo(callsWhenParked);
    assertThat(await(holds.parkedTables())).containsOnlyKeys(TableLeases.key("", MISSING));
    MigrationTuning tuning = new MigrationTuning(Duration.ofMinutes(5), Duration.ofDays(30), 1000, 1 << 20,
        Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofDays(1), Duration.ofDays(2), 1 << 16,
        Duration.ofMinutes(15), 1, 32, Duration.ofHours(6), Duration.ofMinutes(10));
    JsonObject status = await(new StatusReport(env.vertx, env.state, env.adxClient, Map.of("", tenant),
        new SharedCallBudget(env.vertx, env.time), env.time, Clock.systemUTC(), tuning, "node-a")
        .readingHolds(holds).current());
    JsonObject shown = status.getJsonArray("tables").stream().map(JsonObject.class::cast)
        .filter(t -> MISSING.equals(t.getString("sourceTable"))).findFirst().orElseThrow();
    assertThat(shown.getString("state")).as("status of the parked table").isEqualTo("parked");
    assertThat(shown.getString("parked")).contains("the tenant has no table " + MISSING);

    // WHEN an operator resumes it (migrationctl resume ends the parking)
    assertThat(await(holds.unpark("", MISSING))).isTrue();
    deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (System.nanoTime() < deadline && parkedAudits() < 2) {
      await(env.vertx.timer(500));
    }

    // THEN it is probed once more and, still missing, parked again
    assertThat(callsFor(MISSING)).isGreaterThan(callsWhenParked);
    assertThat(parkedAudits()).isEqualTo(2);
  }

  private long parkedAudits() throws Exception {
    return ((Number) await(env.adxClient.query("MigrationAuditLog | where Status == '" + TableParking.AUDIT_STATUS
        + "' | count")).get(0).get("Count")).longValue();
  }

  private long callsFor(String table) {
    return env.sim.stats().queries().stream().filter(q -> q.contains(table)).count();
  }

  private static boolean caughtUp(Map<String, TableOutcome> outcomes) {
    return Optional.ofNullable(outcomes.get(TableLeases.key("", "DeviceInfo")))
        .filter(o -> o.caughtUp() && o.failure().isEmpty()).isPresent();
  }
}
