package org.defenderadx.migration.worker.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.defender.HuntingResultStreamParser.SchemaColumn;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A configured watermark column is checked against the source table's schema ({@code getschema}, one call, cached)
 * before any window is planned on it: a column the source lacks, or one that is not a datetime, fails the table with
 * a reason naming the table and the column, in the result and in {@code MigrationAuditLog}, and nothing is exported
 * for it. A window result whose schema lost the column or changed its type is not committed ({@link
 * SourceSchemas#drift}).
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class HostileWatermarkColumnsTest {

  private static final String TABLE = "DeviceLogonEvents";

  private StandIns env;
  private TableExporter exporter;

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
    exporter = env.exporter("node-a");
  }

  @AfterEach
  void stop() throws Exception {
    env.close();
  }

  @ParameterizedTest(name = "WatermarkColumn {0}")
  @CsvSource(delimiter = '|', value = {
      "NoSuchColumn | WatermarkColumn NoSuchColumn is not a column of DeviceLogonEvents at the source"
          + " (its datetime columns: Timestamp, InitiatingProcessCreationTime",
      "AccountName  | WatermarkColumn AccountName is of type string at the source, not datetime",
      "LogonId      | WatermarkColumn LogonId is of type long at the source, not datetime",
      "IsLocalAdmin | WatermarkColumn IsLocalAdmin is of type bool at the source, not datetime",
      "timestamp    | WatermarkColumn timestamp is not a column of DeviceLogonEvents at the source"})
  void aColumnTheSourceDoesNotHoldAsADatetimeFailsTheTableWithItsReason(String column, String reason)
      throws Exception {
    MigrationConfigRow row = configure(column);

    TableExporter.Result first = run(row);
    TableExporter.Result second = run(row);

    assertThat(first.failure()).as("first run").hasValueSatisfying(f -> assertThat(f)
        .contains("'" + TABLE + "'").contains(reason));
    assertThat(second.failure()).as("second run").isEqualTo(first.failure());
    assertThat(first.windowsCommitted() + second.windowsCommitted()).isZero();
    List<Map<String, Object>> audits = await(env.adxClient.query("MigrationAuditLog | where SourceTable == '"
        + TABLE + "' | project Status, FailureReason"));
    assertThat(audits).hasSize(2).allSatisfy(a -> {
      assertThat(a.get("Status")).isEqualTo("Failed");
      assertThat((String) a.get("FailureReason")).contains(reason);
    });
    assertThat(count(TABLE + "Raw | count")).as("rows exported").isZero();
    // the schema was read once (then cached), and no window was asked for
    assertThat(schemaCalls()).isEqualTo(1);
    assertThat(env.sim.stats().queries()).noneMatch(q -> q.contains("__lo"));
  }

  @Test
  void aDatetimeColumnPassesAndItsWindowsQuoteIt() throws Exception {
    MigrationConfigRow row = configure("Timestamp");

    TableExporter.Result result = run(row);

    assertThat(result.failure()).isEmpty();
    assertThat(result.windowsCommitted()).isPositive();
    assertThat(count(TABLE + "Raw | count")).as("rows exported").isPositive();
    assertThat(schemaCalls()).isEqualTo(1);
    assertThat(env.sim.stats().queries()).anyMatch(q -> q.contains("| where ['Timestamp'] >= __lo"));
  }

  @Test
  void aResultThatLostTheColumnOrChangedItsTypeIsDrift() {
    List<SchemaColumn> typed = List.of(new SchemaColumn("Timestamp", "DateTime"),
        new SchemaColumn("DeviceId", "String"));
    assertThat(SourceSchemas.drift(TABLE, "Timestamp", typed)).isEmpty();
    assertThat(SourceSchemas.drift(TABLE, "Timestamp", List.of())).as("no schema in the answer").isEmpty();
    assertThat(SourceSchemas.drift(TABLE, "Timestamp", List.of(new SchemaColumn("Timestamp", "String"))))
        .hasValue("schema drift: the watermark column Timestamp of DeviceLogonEvents is now of type String at the"
            + " source, not datetime; the window is not committed");
    assertThat(SourceSchemas.drift(TABLE, "Timestamp", List.of(new SchemaColumn("DeviceId", "String"))))
        .hasValue("schema drift: the watermark column Timestamp is no longer in DeviceLogonEvents's results at the"
            + " source; the window is not committed");
  }

  private MigrationConfigRow configure(String column) throws Exception {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("SourceTable", TABLE);
    row.put("DestinationTable", TABLE + "Raw");
    row.put("WatermarkColumn", column);
    row.put("LateArrivalAllowance", "1.00:00:00");
    row.put("LoadType", "Incremental");
    row.put("IsActive", true);
    row.put("TenantId", "");
    row.put("Version", 1L);
    await(env.appender.append(MigrationStateStore.CONFIG_TABLE, List.of(row)));
    return await(env.state.latest()).rows().stream().filter(r -> r.sourceTable().equals(TABLE)).findFirst()
        .orElseThrow();
  }

  private TableExporter.Result run(MigrationConfigRow row) throws Exception {
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));
    Instant now = env.time.now();
    // two days back is enough windows to show the column in use
    return await(exporter.run(tenant, row, now.minus(Duration.ofDays(2)),
        schedule.closePoint(now, Optional.empty(), Duration.ZERO), "run-" + System.nanoTime()));
  }

  private long schemaCalls() {
    return env.sim.stats().queries().stream().filter(q -> q.contains("getschema")).count();
  }

  private long count(String query) throws Exception {
    return ((Number) await(env.adxClient.query(query)).get(0).get("Count")).longValue();
  }
}
