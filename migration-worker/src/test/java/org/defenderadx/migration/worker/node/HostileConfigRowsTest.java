package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Configuration rows written as an attacker with write access to the ADX database would write them, next to two
 * good tables, on a node (coordinator and fetch verticles) cycling every second: each hostile row is refused with a
 * reason naming its table and column, audited once (not every cycle), holds no lease, exports nothing; the good
 * tables are exported exactly, and none of the hostile rows reaches them.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class HostileConfigRowsTest {

  private static final List<String> GOOD = List.of("DeviceInfo", "DeviceLogonEvents");

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
  void hostileRowsAreRefusedAuditedOnceAndTheOtherTablesEndExact() throws Exception {
    // GIVEN two good tables and a row per attack, each on a table of its own
    env.configureIncremental(GOOD);
    Map<String, String> expected = new LinkedHashMap<>(); // table -> what its refusal must name
    List<Map<String, Object>> hostile = List.of(
        row("DeviceTvmSoftwareInventory", Map.of("BucketProgress",
            "snapshot:at=2026-12-01T00:00:00.0000000Z;buckets=1073741824;done=none;count=10;maxIngestion=none")),
        row("DeviceNetworkEvents", Map.of("WatermarkColumn", "__hi", "LateArrivalAllowance", "1.00:00:00")),
        row("DeviceFileEvents", Map.of("WatermarkColumn", "__lo", "LateArrivalAllowance", "1.00:00:00")),
        row("DeviceRegistryEvents", Map.of("Version", Long.MAX_VALUE)),
        row("DeviceEvents", Map.of("LateArrivalAllowance", "3650000.00:00:00")),
        row("AlertInfo", Map.of("LateArrivalAllowance", "-01:00:00")),
        row("DeviceProcessEvents", Map.of("DestinationTable", "DeviceInfoRaw")),
        row("DeviceTvmHardwareFirmware", Map.of("LastRefreshedTimeInString", "9999-12-31T00:00:00.0000000Z",
            "LastRefreshedTime", Instant.parse("9999-12-31T00:00:00Z"))),
        // a padded copy of a good table, newer, switching it off: it must not override the real row
        row("  DeviceInfo ", Map.of("IsActive", false, "Version", 99L)),
        row("DeviceLogonEvents\n12:00:00.000 INFO forged line", Map.of("Version", 99L)));
    expected.put("DeviceTvmSoftwareInventory", "bucket");
    expected.put("DeviceNetworkEvents", "__");
    expected.put("DeviceFileEvents", "__");
    expected.put("DeviceRegistryEvents", "Version");
    expected.put("DeviceEvents", "LateArrivalAllowance");
    expected.put("AlertInfo", "LateArrivalAllowance");
    expected.put("DeviceProcessEvents", "DestinationTable");
    expected.put("DeviceTvmHardwareFirmware", "LastRefreshedTime");
    expected.put("  DeviceInfo ", "blanks");
    expected.put("DeviceLogonEvents?12:00:00.000 INFO forged line", "control");
    await(env.appender.append(MigrationStateStore.CONFIG_TABLE, hostile));

    // WHEN a node runs, its coordinator cycling every second
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    TableLeases leases = new TableLeases(env.vertx);
    TableRuns runs = new TableRuns(env.vertx, env.exporter("node-a"), Map.of("", tenant), leases,
        Duration.ofSeconds(30), "node-a", env.offerCheck());
    await(env.vertx.deployVerticle(() -> new FetchVerticle(runs, "node-a"), new DeploymentOptions().setInstances(2)));
    Duration cycle = Duration.ofMillis(Math.max(1, (long) (env.time.scale() * 1000)));
    CoordinatorVerticle coordinator = new CoordinatorVerticle(env.state, leases, Set.of(""),
        WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5)), env.serviceClock, env.time, cycle);
    long started = System.nanoTime();
    await(env.vertx.deployVerticle(coordinator));
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (!goodCaughtUp(coordinator.lastOutcomes()) && System.nanoTime() < deadline) {
      await(env.vertx.timer(500));
    }
    // a few more cycles, so that a refusal reported every cycle would show
    await(env.vertx.timer(3000));
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);

    // THEN the good tables are exact (no foreign rows in DeviceInfoRaw, DeviceInfo not switched off)
    Map<String, TableOutcome> outcomes = coordinator.lastOutcomes();
    assertThat(goodCaughtUp(outcomes)).as("outcomes %s", outcomes).isTrue();
    for (String table : GOOD) {
      env.assertExact(table, table + "Raw", outcomes.get(TableLeases.key("", table)).watermark().orElseThrow());
    }
    // every hostile row refused once, naming its table and the column at fault; none ran or holds a lease
    List<Map<String, Object>> refused = await(env.adxClient.query("MigrationAuditLog | where Status == '"
        + CoordinatorVerticle.REFUSED + "' | project SourceTable, FailureReason"));
    assertThat(refused).as("refusals audited once each over %s s of cycles", seconds).hasSize(expected.size());
    expected.forEach((table, named) -> assertThat(refused).as(table)
        .anySatisfy(r -> {
          assertThat(r.get("SourceTable")).isEqualTo(table);
          assertThat((String) r.get("FailureReason")).contains(named);
        }));
    assertThat(refused).allSatisfy(r -> assertThat((String) r.get("FailureReason")).doesNotContain("\n"));
    for (String table : expected.keySet()) {
      assertThat(outcomes).as("runs of " + table).doesNotContainKey(TableLeases.key("", table));
      assertThat(await(leases.isHeld(TableLeases.key("", table)))).as("lease of " + table).isFalse();
    }
    Object exportedElsewhere = await(env.adxClient.query("MigrationAuditLog | where Status == 'Succeeded' and "
        + "SourceTable !in ('DeviceInfo', 'DeviceLogonEvents') | count")).get(0).get("Count");
    assertThat(((Number) exportedElsewhere).longValue()).as("windows committed for hostile rows").isZero();
  }

  private static Map<String, Object> row(String table, Map<String, Object> overrides) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("SourceTable", table);
    row.put("DestinationTable", table.strip().replaceAll("\\s.*", "") + "Raw");
    row.put("WatermarkColumn", "None");
    row.put("LoadType", "Incremental");
    row.put("IsActive", true);
    row.put("TenantId", "");
    row.put("Version", 2L);
    row.putAll(overrides);
    return row;
  }

  private static boolean goodCaughtUp(Map<String, TableOutcome> outcomes) {
    return GOOD.stream().allMatch(t -> Optional.ofNullable(outcomes.get(TableLeases.key("", t)))
        .filter(o -> o.caughtUp() && o.failure().isEmpty() && o.watermark().isPresent()).isPresent());
  }
}
