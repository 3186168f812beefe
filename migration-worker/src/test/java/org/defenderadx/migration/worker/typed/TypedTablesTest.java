package org.defenderadx.migration.worker.typed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.config.TablePolicies;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.export.TableExporter;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Typed tables made and filled through the stand-in's transactional update policies, in a real export (Defender
 * simulator, Azurite, the real Kusto SDK): Defender's column names and types, as many rows as the raw table.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class TypedTablesTest {

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
  void anExportFillsTheTypedTableWithDefendersColumnsAndTypes() throws Exception {
    env.configureIncremental(List.of("DeviceProcessEvents"));
    TypedTables typed = new TypedTables(env.adxClient, env.state, TablePolicies.standard(), env.time, "test-node");
    TableExporter exporter = env.exporter("test-node").keepingTypedTables(typed);
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));
    MigrationConfigRow row = await(env.state.latest()).rows().get(0);
    Instant close = schedule.closePoint(env.time.now(), Optional.empty(), Duration.ZERO);
    TableExporter.Result result = await(exporter.run(tenant, row, schedule.horizonStart(env.time.now()), close, "r1"));
    assertThat(result.failure()).isEmpty();

    List<Map<String, Object>> schema = await(env.adxClient.query(
        "DeviceProcessEvents | getschema | project ColumnName, ColumnType"));
    assertThat(schema).anySatisfy(c -> {
      assertThat(c.get("ColumnName")).isEqualTo("Timestamp");
      assertThat(c.get("ColumnType")).isEqualTo("datetime");
    });
    long raw = count("DeviceProcessEventsRaw");
    assertThat(raw).isPositive();
    assertThat(count("DeviceProcessEvents")).isEqualTo(raw);
    assertThat(count("DeviceProcessEvents | where isnull(Timestamp) or isempty(DeviceId) or isempty(_WindowId)"))
        .isZero();
  }

  @Test
  void aColumnTheSourceAddsMidRunIsAddedBeforeTheFirstRowsCarryingItAndNothingIsLost() throws Exception {
    // GIVEN DeviceNetworkEvents exported before the source adds LogonID (two simulated hours after the start)
    env.configureIncremental(List.of("DeviceNetworkEvents"));
    TypedTables typed = new TypedTables(env.adxClient, env.state, TablePolicies.standard(), env.time, "test-node");
    TableExporter exporter = env.exporter("test-node").keepingTypedTables(typed);
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));
    Instant added = env.sim.config().anchor().plus(Duration.ofHours(2));
    MigrationConfigRow row = await(env.state.latest()).rows().get(0);
    TableExporter.Result first = await(exporter.run(tenant, row, schedule.horizonStart(env.time.now()),
        schedule.closePoint(env.time.now(), Optional.empty(), Duration.ZERO), "r1"));
    assertThat(first.failure()).isEmpty();
    assertThat(columns("DeviceNetworkEvents")).doesNotContain("LogonID");

    // WHEN the source adds the column and the export goes on past it (and past the next one-day grid line)
    env.sim.clock().advance(Duration.ofHours(26));
    Instant close = schedule.closePoint(env.time.now(), Optional.empty(), Duration.ZERO);
    assertThat(close).isAfter(added);
    TableExporter.Result second = await(exporter.run(tenant, first.row(), schedule.horizonStart(env.time.now()),
        close, "r2"));

    // THEN the typed table gained it; rows before keep null in it, rows after carry it; raw and typed agree
    assertThat(second.failure()).isEmpty();
    assertThat(columns("DeviceNetworkEvents")).contains("LogonID");
    env.assertExact("DeviceNetworkEvents", "DeviceNetworkEventsRaw", second.row().lastRefreshed().orElseThrow());
    long raw = count("DeviceNetworkEventsRaw");
    assertThat(count("DeviceNetworkEvents")).isEqualTo(raw);
    String at = org.defenderadx.migration.common.kql.KustoTime.literal(added);
    assertThat(count("DeviceNetworkEvents | where _SourceIngestionTime < " + at + " and isnotnull(LogonID)")).isZero();
    long carrying = count("DeviceNetworkEvents | where isnotnull(LogonID)");
    assertThat(carrying).isPositive()
        .isEqualTo(count("DeviceNetworkEventsRaw | where isnotnull(Records.LogonID)"));
    assertThat(count("MigrationAuditLog | where Status == 'TypedColumnsAdded' and SourceTable == 'DeviceNetworkEvents'"))
        .isEqualTo(1);
  }

  private List<String> columns(String table) throws Exception {
    return await(env.adxClient.query(table + " | getschema | project ColumnName")).stream()
        .map(r -> String.valueOf(r.get("ColumnName"))).toList();
  }

  private long count(String query) throws Exception {
    return ((Number) await(env.adxClient.query(query + " | count")).get(0).get("Count")).longValue();
  }
}
