package org.defenderadx.migration.worker.typed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.defenderadx.simulator.adx.AdxFaults;
import io.vertx.core.Future;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.SnapshotExporter;
import org.defenderadx.migration.worker.export.CommittedWindows;
import org.defenderadx.migration.worker.export.HourlyCounts;
import org.defenderadx.migration.worker.export.Repairer;
import org.defenderadx.migration.worker.export.Verifier;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.worker.quota.InFlightBytes;
import org.defenderadx.simulator.kql.IngestionTimeRange;
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

  private static final WindowSchedule SCHEDULE = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));

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
    TypedTables typed = typedTables();
    TableExporter exporter = env.exporter("test-node").keepingTypedTables(typed);
    TenantContext tenant = tenant("");
    MigrationConfigRow row = await(env.state.latest()).rows().get(0);
    Instant close = SCHEDULE.closePoint(env.time.now(), Optional.empty(), Duration.ZERO);
    TableExporter.Result result = await(exporter.run(tenant, row, SCHEDULE.horizonStart(env.time.now()), close, "r1"));
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
    // Made from the first result's own schema (Graph names every result's columns): no getschema call was spent.
    assertThat(env.sim.stats().queries()).noneMatch(q -> q.contains("getschema"));
  }

  @Test
  void aColumnTheSourceAddsMidRunIsAddedBeforeTheFirstRowsCarryingItAndNothingIsLost() throws Exception {
    // GIVEN DeviceNetworkEvents exported before the source adds LogonID (two simulated hours after the start)
    env.configureIncremental(List.of("DeviceNetworkEvents"));
    TypedTables typed = typedTables();
    TableExporter exporter = env.exporter("test-node").keepingTypedTables(typed);
    TenantContext tenant = tenant("");
    Instant added = env.sim.config().anchor().plus(Duration.ofHours(2));
    MigrationConfigRow row = await(env.state.latest()).rows().get(0);
    TableExporter.Result first = await(exporter.run(tenant, row, SCHEDULE.horizonStart(env.time.now()),
        SCHEDULE.closePoint(env.time.now(), Optional.empty(), Duration.ZERO), "r1"));
    assertThat(first.failure()).isEmpty();
    assertThat(columns("DeviceNetworkEvents")).doesNotContain("LogonID");

    // WHEN the source adds the column and the export goes on past it (and past the next one-day grid line)
    env.sim.clock().advance(Duration.ofHours(26));
    Instant close = SCHEDULE.closePoint(env.time.now(), Optional.empty(), Duration.ZERO);
    assertThat(close).isAfter(added);
    TableExporter.Result second = await(exporter.run(tenant, first.row(), SCHEDULE.horizonStart(env.time.now()),
        close, "r2"));

    // THEN the typed table gained it; rows before keep null in it, rows after carry it; raw and typed agree
    assertThat(second.failure()).isEmpty();
    assertThat(columns("DeviceNetworkEvents")).contains("LogonID");
    env.assertExact("DeviceNetworkEvents", "DeviceNetworkEventsRaw", second.row().lastRefreshed().orElseThrow());
    long raw = count("DeviceNetworkEventsRaw");
    assertThat(count("DeviceNetworkEvents")).isEqualTo(raw);
    String at = KustoTime.literal(added);
    assertThat(count("DeviceNetworkEvents | where _SourceIngestionTime < " + at + " and isnotnull(LogonID)")).isZero();
    long carrying = count("DeviceNetworkEvents | where isnotnull(LogonID)");
    assertThat(carrying).isPositive()
        .isEqualTo(count("DeviceNetworkEventsRaw | where isnotnull(Records.LogonID)"));
    assertThat(count("MigrationAuditLog | where Status == 'TypedColumnsAdded' and SourceTable == 'DeviceNetworkEvents'"))
        .isEqualTo(1);
  }

  @Test
  void theSnapshotFunctionShowsExactlyTheLatestCommittedSnapshotWhileANewerOneIsBeingIngested() throws Exception {
    // GIVEN a TVM table exported in buckets of 10 rows, with a typed history and Defender's name as a function
    String table = "DeviceTvmSoftwareInventory";
    await(env.appender.append(MigrationStateStore.CONFIG_TABLE, List.of(Map.of("SourceTable", table,
        "DestinationTable", table + "Raw", "WatermarkColumn", "None", "LoadType", "Incr", "IsActive", true,
        "TenantId", "", "Version", 1L))));
    AtomicBoolean crashAfterABucket = new AtomicBoolean();
    SnapshotExporter snapshots = new SnapshotExporter(env.fetcher(), env.ingestion(env.vertx), env.state, env.time,
        new SnapshotExporter.Options("test-node", Duration.ofDays(1), 10, 1024 * 1024, 100, 1.0, 2),
        (t, progress, rows) -> crashAfterABucket.get() ? Future.failedFuture("node lost") : Future.succeededFuture());
    TypedTables typed = typedTables();
    TableExporter exporter = new TableExporter(env.vertx, env.fetcher(), env.ingestion(env.vertx), env.state,
        new WindowPlanner(new WindowGrid(Duration.ofDays(1))), env.time, new TableExporter.Options("test-node", 64),
        snapshots, new InFlightBytes(Long.MAX_VALUE)).keepingTypedTables(typed);
    TenantContext tenant = tenant("");
    TableExporter.Result first = await(exporter.run(tenant, snapshotRow(table), Instant.EPOCH, env.time.now(), "r1"));
    assertThat(first.failure()).isEmpty();
    Instant stamp1 = first.row().lastCommittedSnapshot().orElseThrow();
    List<String> latest1 = rowsOf(table + "()");
    assertThat(latest1).hasSize(env.sim.groundTruth(table, new IngestionTimeRange(null, null), stamp1).size())
        .hasSizeGreaterThan(10)
        .isEqualTo(rowsOf(table + "_History | where _SnapshotTime == " + KustoTime.literal(stamp1)));

    // WHEN the source refreshes and the next snapshot stops after its first bucket (as a crash would)
    env.sim.clock().advance(Duration.ofDays(1).plus(env.sim.config().snapshotRefreshInterval()));
    crashAfterABucket.set(true);
    TableExporter.Result second = await(exporter.run(tenant, snapshotRow(table), Instant.EPOCH, env.time.now(), "r2"));
    assertThat(second.failure()).hasValueSatisfying(f -> assertThat(f).contains("node lost"));
    Instant stamp2 = snapshotRow(table).snapshotProgress().orElseThrow().snapshotTime();

    // THEN the history holds part of the newer snapshot, and the function still shows exactly the first
    assertThat(count(table + "_History | where _SnapshotTime == " + KustoTime.literal(stamp2))).isPositive();
    assertThat(rowsOf(table + "()")).isEqualTo(latest1);

    // AND once the newer one is committed, exactly it
    crashAfterABucket.set(false);
    TableExporter.Result third = await(exporter.run(tenant, snapshotRow(table), Instant.EPOCH, env.time.now(), "r3"));
    assertThat(third.failure()).isEmpty();
    assertThat(third.row().lastCommittedSnapshot()).contains(stamp2);
    List<String> latest2 = rowsOf(table + "()");
    assertThat(latest2).hasSize(env.sim.groundTruth(table, new IngestionTimeRange(null, null), stamp2).size())
        .isEqualTo(rowsOf(table + "_History | where _SnapshotTime == " + KustoTime.literal(stamp2)))
        .isNotEqualTo(latest1);
    assertThat(count(table + "_History")).isEqualTo(count(table + "Raw"));
  }

  @Test
  void theTypedTableHoldsTheSameValuesWhicheverApiFlavourRenderedTheRow() throws Exception {
    // GIVEN a typed table with a column of every type Defender uses
    Map<String, String> columns = new java.util.LinkedHashMap<>();
    columns.put("Timestamp", "datetime");
    columns.put("DeviceId", "string");
    columns.put("FileSize", "long");
    columns.put("RemotePort", "int");
    columns.put("IsLocalAdmin", "bool");
    columns.put("ConfigurationImpact", "real");
    columns.put("AdditionalFields", "dynamic");
    org.defenderadx.migration.common.typed.TypedTable t = org.defenderadx.migration.common.typed.TypedTable.create(
        "DeviceFlavourEvents", "DeviceFlavourEventsRaw", false, columns);
    await(env.adxClient.mgmt(".create-merge table DeviceFlavourEventsRaw (Records:dynamic)"));
    for (String command : List.of(t.createTableCommand(), t.policyFunctionCommand(), t.addUpdatePolicyCommand())) {
      await(env.adxClient.mgmt(command));
    }

    // WHEN the same row arrives as Graph renders it and as a legacy API may (numbers and booleans as text, a
    // datetime without its trailing zeros, the dynamic column as JSON text)
    String graph = "{\"Timestamp\":\"2026-11-15T01:02:03.1000000Z\",\"DeviceId\":\"d1\","
        + "\"FileSize\":9007199254740993,\"RemotePort\":443,\"IsLocalAdmin\":true,\"ConfigurationImpact\":7.5,"
        + "\"AdditionalFields\":{\"IsLocalLogon\":true,\"Count\":2},\"__WindowId\":\"w-graph\"}";
    String legacy = "{\"Timestamp\":\"2026-11-15T01:02:03.1Z\",\"DeviceId\":\"d1\","
        + "\"FileSize\":\"9007199254740993\",\"RemotePort\":\"443\",\"IsLocalAdmin\":\"True\","
        + "\"ConfigurationImpact\":\"7.5\",\"AdditionalFields\":\"{\\\"IsLocalLogon\\\":true,"
        + "\\\"Count\\\":2}\",\"__WindowId\":\"w-legacy\"}";
    await(env.adxClient.mgmt(".set-or-append DeviceFlavourEventsRaw <| datatable(Records:dynamic) [dynamic(" + graph
        + "), dynamic(" + legacy + ")]"));

    // THEN both typed rows are the same, value for value, with the long's every digit
    List<Map<String, Object>> rows = await(env.adxClient.query("DeviceFlavourEvents | project Timestamp, DeviceId, "
        + "FileSize = tostring(FileSize), RemotePort, IsLocalAdmin, ConfigurationImpact, "
        + "AdditionalFields = tostring(AdditionalFields.IsLocalLogon), Count = tolong(AdditionalFields.Count)"));
    assertThat(rows).hasSize(2);
    assertThat(new TreeMap<>(rows.get(0))).isEqualTo(new TreeMap<>(rows.get(1)));
    assertThat(String.valueOf(rows.get(0).get("FileSize"))).isEqualTo("9007199254740993");
    assertThat(String.valueOf(rows.get(0).get("AdditionalFields"))).isEqualTo("true");
    assertThat(count("DeviceFlavourEvents | where Timestamp == datetime(2026-11-15T01:02:03.1Z) and RemotePort == 443"
        + " and IsLocalAdmin and ConfigurationImpact == 7.5")).isEqualTo(2);
  }

  @Test
  void aRepairReplacesTheRepairedWindowsTypedRowsTooInOneSwap() throws Exception {
    // GIVEN DeviceLogonEvents exported with its typed table, then one window's raw extents and another window's
    // typed extents dropped behind the migrator's back
    String table = "DeviceLogonEvents";
    env.configureIncremental(List.of(table));
    TypedTables typed = typedTables();
    TableExporter exporter = env.exporter("test-node").keepingTypedTables(typed);
    TenantContext tenant = tenant("");
    Instant horizon = SCHEDULE.horizonStart(env.time.now());
    TableExporter.Result exported = await(exporter.run(tenant, await(env.state.latest()).rows().get(0), horizon,
        SCHEDULE.closePoint(env.time.now(), Optional.empty(), Duration.ZERO), "r1"));
    assertThat(exported.failure()).isEmpty();
    long rows = count(table + "Raw");
    assertThat(count(table)).isEqualTo(rows);
    List<Map<String, Object>> windows = await(env.adxClient.query("MigrationAuditLog | where Status == 'Succeeded' "
        + "and RecordCount > 0 | order by WindowStart asc | project WindowStart, WindowEnd"));
    assertThat(windows.size()).isGreaterThan(6);
    Window rawLost = window(windows.get(windows.size() - 3));
    Window typedLost = window(windows.get(windows.size() - 2));
    assertThat(dropExtents(table + "Raw", rawLost)).isPositive();
    long typedLostRows = count(table + " | where _SourceIngestionTime >= " + KustoTime.literal(typedLost.lo())
        + " and _SourceIngestionTime < " + KustoTime.literal(typedLost.hi()));
    assertThat(dropExtents(table, typedLost)).isPositive();
    assertThat(count(table)).isEqualTo(rows - typedLostRows);

    // WHEN the range holding both windows is repaired
    Repairer repairer = new Repairer(env.fetcher(), env.ingestion(env.vertx), env.adxClient,
        new CommittedWindows(env.adxClient), new Verifier(new HourlyCounts(env.fetcher(), env.adxClient), env.time,
        Duration.ofDays(30)), env.state, env.time, new Repairer.Options("test-node")).keepingTypedTables(typed);
    Repairer.Result repaired = await(repairer.repair(tenant, exported.row(), rawLost.lo(), typedLost.hi(), horizon,
        "repair-1"));

    // THEN raw and typed both hold every row once again, and no staging table is left
    assertThat(repaired.failure()).isEmpty();
    assertThat(count(table + "Raw")).isEqualTo(rows);
    assertThat(count(table)).isEqualTo(rows);
    assertThat(count(table + " | summarize by _WindowId, ReportId, DeviceId, Timestamp")).isEqualTo(rows);
    assertThat(await(env.adxClient.mgmt(".show tables | where TableName contains '_Repair_'"))).isEmpty();
  }

  @Test
  void theConfiguredRetentionAndHotCacheAreSetOnTheRawAndTypedTables() throws Exception {
    env.configureIncremental(List.of("DeviceInfo"));
    TablePolicies.Policies defaults = new TablePolicies.Policies(Optional.of(Duration.ofDays(400)), Optional.empty(),
        Optional.of(Duration.ofDays(365)), Optional.of(Duration.ofDays(31)));
    TablePolicies.Policies info = new TablePolicies.Policies(Optional.empty(), Optional.of(Duration.ofDays(7)),
        Optional.of(Duration.ofDays(730)), Optional.empty());
    TypedTables typed = new TypedTables(env.adxClient, env.state, new TablePolicies(true, defaults,
        Map.of("DeviceInfo", info)), env.time, "test-node");
    TenantContext tenant = tenant("");
    TableExporter.Result r = await(env.exporter("test-node").keepingTypedTables(typed).run(tenant,
        await(env.state.latest()).rows().get(0), SCHEDULE.horizonStart(env.time.now()),
        SCHEDULE.closePoint(env.time.now(), Optional.empty(), Duration.ZERO), "r1"));
    assertThat(r.failure()).isEmpty();

    assertThat(policy("DeviceInfo", "retention")).contains("730.00:00:00");
    assertThat(policy("DeviceInfo", "caching")).contains("31.00:00:00");
    assertThat(policy("DeviceInfoRaw", "retention")).contains("400.00:00:00");
    assertThat(policy("DeviceInfoRaw", "caching")).contains("7.00:00:00");
  }

  @Test
  void tenantsWithRawTablesOfTheirOwnFeedOneTypedTableEachThroughItsOwnPolicyEntry() throws Exception {
    // GIVEN DeviceInfo of two tenants, each into its own raw table
    await(env.adxClient.mgmt(".create-merge table DeviceInfoContoso (Records:dynamic)"));
    await(env.adxClient.mgmt(".create-or-alter table DeviceInfoContoso ingestion json mapping 'DynamicJsonMap' "
        + "'[{\"column\":\"Records\",\"Properties\":{\"Path\":\"$\"},\"datatype\":\"dynamic\"}]'"));
    env.configureIncremental(List.of("DeviceInfo"));
    await(env.appender.append(MigrationStateStore.CONFIG_TABLE, List.of(Map.of("SourceTable", "DeviceInfo",
        "DestinationTable", "DeviceInfoContoso", "WatermarkColumn", "None", "LoadType", "Incremental",
        "IsActive", true, "TenantId", "contoso", "Version", 1L))));

    // WHEN both are exported, then exported again by a restarted node
    for (String run : List.of("r1", "r2")) {
      TypedTables typed = typedTables();
      TableExporter exporter = env.exporter("test-node").keepingTypedTables(typed);
      for (MigrationConfigRow row : await(env.state.latest()).rows()) {
        TenantContext tenant = tenant(row.tenantId());
        TableExporter.Result r = await(exporter.run(tenant, row, SCHEDULE.horizonStart(env.time.now()),
            SCHEDULE.closePoint(env.time.now(), Optional.empty(), Duration.ZERO), run));
        assertThat(r.failure()).as(row.tenantId()).isEmpty();
      }
    }

    // THEN the typed table holds both tenants' rows, each once, and its policy one entry per raw table
    long own = count("DeviceInfoRaw");
    long contoso = count("DeviceInfoContoso");
    assertThat(own).isPositive();
    assertThat(contoso).isPositive();
    assertThat(count("DeviceInfo | where _TenantId == ''")).isEqualTo(own);
    assertThat(count("DeviceInfo | where _TenantId == 'contoso'")).isEqualTo(contoso);
    String policy = String.valueOf(await(env.adxClient.mgmt(".show table DeviceInfo policy update")).get(0)
        .get("Policy"));
    assertThat(new io.vertx.core.json.JsonArray(policy)).hasSize(2);
    assertThat(policy).contains("\"Source\":\"DeviceInfoRaw\"", "\"Source\":\"DeviceInfoContoso\"",
        "DeviceInfo_From_DeviceInfoContoso()");
  }

  @Test
  void aTypedTableThatCannotBeMadeDoesNotStopTheExportAndIsMadeAndFilledLater() throws Exception {
    // GIVEN ADX refusing to create the typed table (as it does for a principal without Database User)
    env.configureIncremental(List.of("DeviceInfo"));
    env.adx.faults().failRequests(AdxFaults.Endpoint.MGMT, Pattern.compile("^\\.create-merge table DeviceInfo "),
        AdxFaults.Kind.PERMANENT, 1, "Principal 'aadapp=runtime' is not authorized to perform operation "
            + "'CreateTable' (injected fault)");
    TypedTables typed = typedTables();
    TableExporter exporter = env.exporter("test-node").keepingTypedTables(typed);
    TenantContext tenant = tenant("");

    // WHEN the table is exported
    TableExporter.Result first = await(exporter.run(tenant, await(env.state.latest()).rows().get(0),
        SCHEDULE.horizonStart(env.time.now()), SCHEDULE.closePoint(env.time.now(), Optional.empty(), Duration.ZERO),
        "r1"));

    // THEN the rows reached raw, the typed table was not made and that was audited with ADX's reason
    assertThat(first.failure()).isEmpty();
    assertThat(count("DeviceInfoRaw")).isPositive();
    assertThat(columns("DeviceInfoRaw")).containsExactly("Records");
    assertThat(await(env.adxClient.mgmt(".show tables | where TableName == 'DeviceInfo'"))).isEmpty();
    assertThat(await(env.adxClient.query("MigrationAuditLog | where Status == 'TypedRefused' | project FailureReason")))
        .singleElement().satisfies(r -> assertThat(String.valueOf(r.get("FailureReason"))).contains("not authorized",
            "DeviceInfoRaw only"));

    // AND once it can be made (the next try, a while later), it holds every raw row
    env.sim.clock().advance(Duration.ofDays(1));
    TableExporter.Result second = await(exporter.run(tenant, first.row(), SCHEDULE.horizonStart(env.time.now()),
        SCHEDULE.closePoint(env.time.now(), Optional.empty(), Duration.ZERO), "r2"));
    assertThat(second.failure()).isEmpty();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (count("DeviceInfo") != count("DeviceInfoRaw") && System.nanoTime() < deadline) {
      await(env.vertx.timer(200));
    }
    assertThat(count("DeviceInfo")).isEqualTo(count("DeviceInfoRaw"));
  }

  private TypedTables typedTables() {
    return new TypedTables(env.adxClient, env.state, TablePolicies.standard(), env.time, "test-node");
  }

  private TenantContext tenant(String key) {
    return TenantFixture.context(env.vertx, env.sim, env.time, key, "graph");
  }

  private String policy(String table, String kind) throws Exception {
    return String.valueOf(await(env.adxClient.mgmt(".show table " + table + " policy " + kind)).get(0).get("Policy"));
  }

  private static Window window(Map<String, Object> audit) {
    return Window.of(KustoTime.fromValue(audit.get("WindowStart")), KustoTime.fromValue(audit.get("WindowEnd")));
  }

  /** Drops a window's extents (found by the window's ingest-by tag, which typed extents carry too). */
  private int dropExtents(String table, Window w) throws Exception {
    String tag = WindowId.of("", "DeviceLogonEvents", w).shortHash();
    return await(env.adxClient.mgmt(".drop extents <| .show table " + table + " extents where tags has 'ingest-by:"
        + tag + "'")).size();
  }

  private MigrationConfigRow snapshotRow(String table) throws Exception {
    return await(env.state.latest()).rows().stream().filter(r -> r.sourceTable().equals(table)).findFirst()
        .orElseThrow();
  }

  /** Every row of a query as text, sorted: the same list means the same multiset of rows. */
  private List<String> rowsOf(String query) throws Exception {
    return await(env.adxClient.query(query)).stream().map(r -> new TreeMap<>(r).toString()).sorted().toList();
  }

  private List<String> columns(String table) throws Exception {
    return await(env.adxClient.query(table + " | getschema | project ColumnName")).stream()
        .map(r -> String.valueOf(r.get("ColumnName"))).toList();
  }

  private long count(String query) throws Exception {
    return ((Number) await(env.adxClient.query(query + " | count")).get(0).get("Count")).longValue();
  }
}
