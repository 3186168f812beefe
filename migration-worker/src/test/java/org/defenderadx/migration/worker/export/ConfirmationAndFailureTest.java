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
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What ADX confirms, and what happens when it does not; bad tables fail alone with a clear audit row. */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ConfirmationAndFailureTest {

  private StandIns env;
  private final WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
  }

  @AfterEach
  void stop() throws Exception {
    env.close();
  }

  private TableExporter.Result export(String table) throws Exception {
    return export(table, Duration.ofDays(30));
  }

  /** Exports from {@code lookback} before now (windows are one day each). */
  private TableExporter.Result export(String table, Duration lookback) throws Exception {
    MigrationConfigRow row = await(env.state.latest()).rows().stream()
        .filter(r -> r.sourceTable().equals(table)).findFirst().orElseThrow();
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    Instant now = env.time.now();
    return await(env.exporter("test-node").run(tenant, row, now.minus(lookback),
        schedule.closePoint(now, Optional.empty(), Duration.ZERO), "run-1"));
  }

  private List<Map<String, Object>> audit(String where) throws Exception {
    return await(env.adxClient.query("MigrationAuditLog | where " + where
        + " | project SourceTable, Status, FailureReason, RecordCount, WindowId, WindowStart, WindowEnd, ApiCalls,"
        + " RunId, Node"));
  }

  @Test
  void slowAndFailedIngestionHoldsTheWatermarkAndTheRetryLandsTheRowsOnce() throws Exception {
    env.configureIncremental(List.of("DeviceLogonEvents"));
    // Data management takes 10 simulated minutes, and the first blob fails.
    env.adx.faults().delayDataManagement(Duration.ofMinutes(10));
    env.adx.faults().failIngestion("DeviceLogonEventsRaw", "simulated: blob corrupt on arrival", 1);

    TableExporter.Result result = export("DeviceLogonEvents", Duration.ofDays(3));

    assertThat(result.failure()).isEmpty();
    assertThat(result.caughtUp()).isTrue();
    env.assertExact("DeviceLogonEvents", "DeviceLogonEventsRaw", result.row().lastRefreshed().orElseThrow(),
        env.time.now().minus(Duration.ofDays(3)));
    // The failure is audited with the service's reason, and the window was sent again.
    assertThat(audit("Status == 'Retried'")).singleElement()
        .satisfies(r -> assertThat(String.valueOf(r.get("FailureReason"))).contains("blob corrupt on arrival"));
    // Only confirmed windows were committed: one Succeeded audit row per window, none twice.
    List<Map<String, Object>> succeeded = audit("Status == 'Succeeded'");
    assertThat(succeeded).isNotEmpty();
    assertThat(succeeded.stream().map(r -> r.get("WindowId")).distinct().count()).isEqualTo(succeeded.size());
    assertThat(succeeded).allSatisfy(r -> {
      assertThat(String.valueOf(r.get("RunId"))).isEqualTo("run-1");
      assertThat(String.valueOf(r.get("Node"))).isEqualTo("test-node");
      assertThat(r.get("WindowStart")).isNotNull();
      assertThat(r.get("WindowEnd")).isNotNull();
    });
  }

  @Test
  void aPartlyIngestedWindowIsQuarantinedAndTheWatermarkStaysBeforeIt() throws Exception {
    env.configureIncremental(List.of("DeviceLogonEvents"));
    env.adx.faults().partiallySucceed("DeviceLogonEventsRaw", 1);

    TableExporter.Result result = export("DeviceLogonEvents");

    assertThat(result.failure()).hasValueSatisfying(f -> assertThat(f).contains("quarantined"));
    List<Map<String, Object>> quarantined = audit("Status == 'Quarantined'");
    assertThat(quarantined).hasSize(1);
    Instant windowStart = org.defenderadx.migration.common.kql.KustoTime.parse(
        String.valueOf(quarantined.get(0).get("WindowStart")));
    assertThat(result.row().lastRefreshed().orElse(Instant.MIN)).as("nothing committed past the quarantined window")
        .isBeforeOrEqualTo(windowStart);
  }

  @Test
  void aTableMissingAtTheSourceFailsAloneWithTheServicesReason() throws Exception {
    env.configureIncremental(List.of("NoSuchTable", "DeviceLogonEvents"));

    TableExporter.Result missing = export("NoSuchTable");
    TableExporter.Result other = export("DeviceLogonEvents");

    assertThat(missing.failure()).hasValueSatisfying(f -> assertThat(f).contains("NoSuchTable"));
    assertThat(other.failure()).isEmpty();
    assertThat(audit("Status == 'Failed' and SourceTable == 'NoSuchTable'"))
        .singleElement().satisfies(r -> assertThat(String.valueOf(r.get("FailureReason"))).contains("NoSuchTable"));
  }

  @Test
  void anInjectionAttemptInTheConfigurationIsRejectedAndAudited() throws Exception {
    await(env.appender.append(MigrationStateStore.CONFIG_TABLE, List.of(Map.of(
        "SourceTable", "DeviceInfo | take 1", "DestinationTable", "DeviceInfoRaw", "WatermarkColumn", "None",
        "LoadType", "Incremental", "IsActive", true, "TenantId", "", "Version", 1L))));

    TableExporter.Result result = export("DeviceInfo | take 1");

    assertThat(result.failure()).hasValueSatisfying(f -> assertThat(f).contains("DeviceInfo | take 1"));
    assertThat(env.sim.stats().calls("graph", 200)).as("nothing was sent to the API").isZero();
    assertThat(audit("Status == 'Failed'")).singleElement()
        .satisfies(r -> assertThat(String.valueOf(r.get("FailureReason"))).contains("table"));
  }
}
