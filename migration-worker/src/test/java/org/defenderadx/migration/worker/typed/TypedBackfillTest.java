package org.defenderadx.migration.worker.typed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.typed.TypedColumns;
import org.defenderadx.migration.common.typed.TypedTable;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.export.TableExporter;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.defenderadx.simulator.defender.data.TableSchemas;
import org.defenderadx.simulator.kql.Column;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rows that reached the raw table before its typed table existed (an earlier run, the original script's rows without
 * provenance) are brought into the typed table in bounded batches, once: a second backfill appends nothing.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class TypedBackfillTest {

  private static final String TABLE = "DeviceProcessEvents";
  private static final String RAW = TABLE + "Raw";

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
  void rowsIngestedBeforeTheTypedTableAreBroughtInOnceInBoundedBatches() throws Exception {
    // GIVEN a raw table filled by an earlier run without typed tables, and rows of the original script (no
    // provenance) ingested in two different hours
    env.configureIncremental(List.of(TABLE));
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));
    MigrationConfigRow row = await(env.state.latest()).rows().get(0);
    TableExporter.Result earlier = await(env.exporter("test-node").run(tenant, row,
        schedule.horizonStart(env.time.now()), schedule.closePoint(env.time.now(), Optional.empty(), Duration.ZERO),
        "r1"));
    assertThat(earlier.failure()).isEmpty();
    long windows = count(RAW + " | summarize by tostring(Records.__WindowId)");
    assertThat(windows).isGreaterThan(3);
    List<JsonObject> sample = new ArrayList<>();
    for (Map<String, Object> r : await(env.adxClient.query(RAW + " | take 6 | project Records"))) {
      JsonObject record = new JsonObject(String.valueOf(r.get("Records")));
      record.fieldNames().removeIf(k -> k.startsWith("__"));
      sample.add(record);
    }
    ingestOriginal(sample.subList(0, 3));
    env.sim.clock().advance(Duration.ofHours(2));
    ingestOriginal(sample.subList(3, 6));
    long raw = count(RAW);

    // AND its typed table made from the source's schema, with its policy
    TypedTable typed = TypedTable.create(TABLE, RAW, false, TypedColumns.observe(TABLE, sourceSchema()).columns());
    for (String command : List.of(typed.createTableCommand(), typed.policyFunctionCommand(),
        typed.addUpdatePolicyCommand())) {
      await(env.adxClient.mgmt(command));
    }
    assertThat(count(TABLE)).isZero();

    // WHEN the backfill runs with batches of at most 2 windows
    TypedBackfill backfill = new TypedBackfill(env.adxClient, 2, 1_000_000);
    TypedBackfill.Outcome first = await(backfill.run(typed));

    // THEN every raw row has its typed row, the original rows included, in several batches
    assertThat(first.mismatched()).isEmpty();
    assertThat(first.rows()).isEqualTo(raw);
    assertThat(first.batches()).isEqualTo((int) ((windows + 1) / 2) + 2);
    assertThat(count(TABLE)).isEqualTo(raw);
    assertThat(count(TABLE + " | where isempty(_WindowId) and isnotnull(Timestamp) and isnotempty(DeviceId)"))
        .isEqualTo(6);

    // AND a second run (a restart) appends nothing
    TypedBackfill.Outcome second = await(new TypedBackfill(env.adxClient, 2, 1_000_000).run(typed));
    assertThat(second.rows()).isZero();
    assertThat(count(TABLE)).isEqualTo(raw);
  }

  /** DeviceProcessEvents' columns as the simulator serves them, the two it adds part-way included. */
  private static Map<String, String> sourceSchema() {
    Map<String, String> columns = new LinkedHashMap<>();
    List<Column> all = new ArrayList<>(TableSchemas.DEVICE_PROCESS_EVENTS);
    all.addAll(TableSchemas.DEVICE_PROCESS_EVENTS_ADDED);
    all.forEach(c -> columns.put(c.name(), c.type().name().toLowerCase(Locale.ROOT)));
    return columns;
  }

  private void ingestOriginal(List<JsonObject> records) throws Exception {
    List<String> values = records.stream().map(r -> "dynamic(" + r.encode() + ")").toList();
    await(env.adxClient.mgmt(".set-or-append " + RAW + " <| datatable(Records:dynamic) [" + String.join(", ", values)
        + "]"));
  }

  private long count(String query) throws Exception {
    return ((Number) await(env.adxClient.query(query + " | count")).get(0).get("Count")).longValue();
  }
}
