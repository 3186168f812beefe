package org.defenderadx.simulator.kql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.defenderadx.simulator.kql.InMemoryCatalog.col;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KqlEngineCoreTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  private final KqlEngine engine = new KqlEngine();
  private InMemoryCatalog catalog;
  private InMemoryCatalog.Table events;

  @BeforeEach
  void setUp() {
    catalog = new InMemoryCatalog();
    events = catalog.table("DeviceProcessEvents", col("Timestamp", KqlType.DATETIME),
        col("DeviceId", KqlType.STRING), col("ReportId", KqlType.LONG), col("FileName", KqlType.STRING));
    for (int i = 0; i < 10; i++) {
      Instant ts = T0.plus(Duration.ofMinutes(20L * i));
      events.add(ts.plusSeconds(30), ts, "dev-" + (i % 3), (long) i, i % 2 == 0 ? "cmd.exe" : "PowerShell.exe");
    }
  }

  private QueryResult run(String kql) {
    return engine.execute(kql, new QueryContext(catalog, T0.plus(Duration.ofDays(1))));
  }

  private List<List<Object>> rows(String kql) {
    return run(kql).toList().stream().map(Arrays::asList).collect(Collectors.toList());
  }

  private static List<String> names(QueryResult r) {
    return r.columns().stream().map(Column::name).collect(Collectors.toList());
  }

  @Test
  void runsTheAgreedWindowQueryWithTotalRidingAlong() {
    String q = "let __lo = datetime(2026-11-01T00:00:00.0000000Z);\n"
        + "let __hi = datetime(2026-11-01T01:00:00.0000000Z);\n"
        + "let __w = DeviceProcessEvents\n"
        + "| where ingestion_time() >= __lo and ingestion_time() < __hi;\n"
        + "let __total = toscalar(__w | count);\n"
        + "__w\n"
        + "| extend __SourceIngestionTime = ingestion_time(), __WindowTotal = __total";
    QueryResult r = run(q);
    assertThat(names(r)).containsExactly("Timestamp", "DeviceId", "ReportId", "FileName", "__SourceIngestionTime",
        "__WindowTotal");
    assertThat(r.columns().get(4).type()).isEqualTo(KqlType.DATETIME);
    assertThat(r.columns().get(5).type()).isEqualTo(KqlType.LONG);
    List<Object[]> rows = r.toList();
    assertThat(rows).hasSize(3);
    assertThat(rows).allSatisfy(row -> assertThat(row[5]).isEqualTo(3L));
    assertThat(rows.get(0)[4]).isEqualTo(T0.plusSeconds(30));
    assertThat(events.lastHint.get()).isEqualTo(new IngestionTimeRange(T0, T0.plus(Duration.ofHours(1))));
    assertThat(events.scans).as("the let-bound window is scanned once for the count and once for rows")
        .isEqualTo(2);
    assertThat(r.stats().rowsScanned()).isEqualTo(6);
  }

  @Test
  void emptyWindowReturnsNoRowsAndNeverRunsTheCount() {
    QueryResult r = run("let __lo = datetime(2030-01-01T00:00:00.0000000Z);\n"
        + "let __hi = datetime(2030-01-01T01:00:00.0000000Z);\n"
        + "let __w = DeviceProcessEvents\n| where ingestion_time() >= __lo and ingestion_time() < __hi;\n"
        + "let __total = toscalar(__w | count);\n__w\n| extend __SourceIngestionTime = ingestion_time(),"
        + " __WindowTotal = __total");
    assertThat(r.toList()).isEmpty();
    assertThat(r.columns()).hasSize(6);
    assertThat(events.scans).isEqualTo(1);
  }

  @Test
  void fingerprintOfAnEmptyTableIsZeroAndNull() {
    catalog.table("Empty", col("a", KqlType.STRING));
    List<Object[]> got = run("print Count = toscalar(Empty | count), MaxIngestion = toscalar(Empty"
        + " | summarize max(ingestion_time()))").toList();
    assertThat(got).hasSize(1);
    assertThat(got.get(0)).containsExactly(0L, null);
  }

  @Test
  void windowOnAConfiguredColumnIsHalfOpen() {
    List<List<Object>> got = rows("let __lo = datetime(2026-11-01T00:20:00.0000000Z);"
        + "let __hi = datetime(2026-11-01T01:00:00.0000000Z);"
        + "DeviceProcessEvents | where Timestamp >= __lo and Timestamp < __hi | project ReportId");
    assertThat(got).containsExactly(List.of(1L), List.of(2L));
  }

  @Test
  void pushesIngestionTimeBoundsIntoTheScanForOtherComparisonForms() {
    run("DeviceProcessEvents | where ingestion_time() > datetime(2026-11-01T00:00:00Z) "
        + "and ingestion_time() <= datetime(2026-11-01T02:00:00Z)").toList();
    assertThat(events.lastHint.get()).isEqualTo(new IngestionTimeRange(T0, T0.plusSeconds(7200).plusNanos(100)));
    List<List<Object>> got = rows("DeviceProcessEvents | where ingestion_time() between "
        + "(datetime(2026-11-01T00:20:30Z) .. datetime(2026-11-01T00:40:30Z)) | project ReportId");
    assertThat(got).containsExactly(List.of(1L), List.of(2L));
  }

  @Test
  void takeStopsTheScan() {
    QueryResult r = run("DeviceProcessEvents | take 2");
    assertThat(r.toList()).hasSize(2);
    assertThat(r.stats().rowsScanned()).isEqualTo(2);
  }

  @Test
  void countsAndPrintsScalars() {
    assertThat(rows("DeviceProcessEvents | count")).containsExactly(List.of(10L));
    QueryResult r = run("print Count = toscalar(DeviceProcessEvents | count), "
        + "MaxIngestion = toscalar(DeviceProcessEvents | summarize max(ingestion_time()))");
    assertThat(names(r)).containsExactly("Count", "MaxIngestion");
    assertThat(r.toList().get(0)).containsExactly(10L, T0.plus(Duration.ofMinutes(180)).plusSeconds(30));
  }

  @Test
  void printsUnnamedColumnsAsKustoDoes() {
    QueryResult r = run("print 1 + 2, x = 'a'");
    assertThat(names(r)).containsExactly("print_0", "x");
    assertThat(r.toList().get(0)).containsExactly(3L, "a");
  }

  @Test
  void recountsPerHourBin() {
    List<List<Object>> got = rows("DeviceProcessEvents | where ingestion_time() >= datetime(2026-11-01T00:00:00.0000000Z)"
        + " and ingestion_time() < datetime(2026-11-01T02:00:00.0000000Z)"
        + " | summarize Count = count() by Bin = bin(ingestion_time(), 1h)");
    assertThat(got).containsExactly(List.of(T0, 3L), List.of(T0.plusSeconds(3600), 3L));
  }

  @Test
  void wherSupportsComparisonsAndBooleanLogic() {
    assertThat(rows("DeviceProcessEvents | where ReportId > 2 and not(ReportId >= 5) or ReportId == 9"
        + " | project ReportId")).containsExactly(List.of(3L), List.of(4L), List.of(9L));
    assertThat(rows("DeviceProcessEvents | where DeviceId != 'dev-0' and ReportId < 3 | project ReportId"))
        .containsExactly(List.of(1L), List.of(2L));
  }

  @Test
  void stringOperatorsFollowKustoCaseRules() {
    assertThat(rows("DeviceProcessEvents | where FileName has 'powershell' | count")).containsExactly(List.of(5L));
    assertThat(rows("DeviceProcessEvents | where FileName has 'power' | count")).containsExactly(List.of(0L));
    assertThat(rows("DeviceProcessEvents | where FileName contains 'SHELL' | count")).containsExactly(List.of(5L));
    assertThat(rows("DeviceProcessEvents | where FileName contains_cs 'SHELL' | count"))
        .containsExactly(List.of(0L));
    assertThat(rows("DeviceProcessEvents | where FileName !contains 'shell' | count")).containsExactly(List.of(5L));
    assertThat(rows("DeviceProcessEvents | where FileName startswith 'CMD' and FileName endswith '.EXE' | count"))
        .containsExactly(List.of(5L));
    assertThat(rows("DeviceProcessEvents | where FileName =~ 'CMD.EXE' | count")).containsExactly(List.of(5L));
    assertThat(rows("DeviceProcessEvents | where FileName !~ 'CMD.EXE' | count")).containsExactly(List.of(5L));
    assertThat(rows("DeviceProcessEvents | where DeviceId in ('dev-1', 'dev-2') | count"))
        .containsExactly(List.of(6L));
    assertThat(rows("DeviceProcessEvents | where DeviceId !in ('dev-1', 'dev-2') | count"))
        .containsExactly(List.of(4L));
    assertThat(rows("DeviceProcessEvents | where DeviceId in~ ('DEV-1') | count")).containsExactly(List.of(3L));
    assertThat(rows("DeviceProcessEvents | where ReportId between (2 .. 4) | count")).containsExactly(List.of(3L));
    assertThat(rows("DeviceProcessEvents | where ReportId !between (2 .. 4) | count")).containsExactly(List.of(7L));
  }

  @Test
  void moreStringPredicates() {
    assertThat(rows("DeviceProcessEvents | where FileName has_any ('cmd', 'nothing') | count")).containsExactly(List.of(5L));
    assertThat(rows("DeviceProcessEvents | where FileName has_all ('PowerShell', 'exe') | count"))
        .containsExactly(List.of(5L));
    assertThat(rows("DeviceProcessEvents | where FileName matches regex @'^[a-z]+\\.exe$' | count"))
        .containsExactly(List.of(5L));
    assertThat(rows("DeviceProcessEvents | where FileName startswith_cs 'power' | count")).containsExactly(List.of(0L));
    assertThat(rows("DeviceProcessEvents | where FileName hasprefix 'power' | count")).containsExactly(List.of(5L));
    assertThat(rows("DeviceProcessEvents | where FileName !has 'cmd' | count")).containsExactly(List.of(5L));
    assertThat(rows("DeviceProcessEvents | where FileName has_cs 'CMD' | count")).containsExactly(List.of(0L));
  }

  @Test
  void extendsProjectsAndRenames() {
    QueryResult r = run("DeviceProcessEvents | where ReportId == 1 | extend Doubled = ReportId * 2, "
        + "Next = Doubled + 1 | project-rename Id = ReportId | project-away Timestamp, File*");
    assertThat(names(r)).containsExactly("DeviceId", "Id", "Doubled", "Next");
    assertThat(r.toList().get(0)).containsExactly("dev-1", 1L, 2L, 3L);
    QueryResult p = run("DeviceProcessEvents | take 1 | project Id = ReportId, DeviceId, Label = strcat(DeviceId, '/', ReportId)");
    assertThat(names(p)).containsExactly("Id", "DeviceId", "Label");
    assertThat(p.toList().get(0)).containsExactly(0L, "dev-0", "dev-0/0");
  }

  @Test
  void extendOfAnExistingNameMovesTheColumnToTheEnd() {
    QueryResult r = run("print a = 1, b = 2, c = 3 | extend a = a * 10, d = a + 1, h = tostring(pack_all())");
    assertThat(names(r)).containsExactly("b", "c", "a", "d", "h");
    assertThat(r.toList().get(0)).containsExactly(2L, 3L, 10L, 11L, "{\"b\":2,\"c\":3,\"a\":10,\"d\":11}");
  }

  @Test
  void sortsWithKustoDefaultsAndTakesTop() {
    assertThat(rows("DeviceProcessEvents | order by ReportId | take 2 | project ReportId"))
        .containsExactly(List.of(9L), List.of(8L));
    assertThat(rows("DeviceProcessEvents | sort by DeviceId asc, ReportId desc | take 4 | project ReportId"))
        .containsExactly(List.of(9L), List.of(6L), List.of(3L), List.of(0L));
    assertThat(rows("DeviceProcessEvents | top 3 by ReportId asc | project ReportId"))
        .containsExactly(List.of(0L), List.of(1L), List.of(2L));
    assertThat(rows("datatable(x:long)[3, long(null), 1] | order by x asc")).containsExactly(
        Arrays.asList((Object) null), List.of(1L), List.of(3L));
    assertThat(rows("datatable(x:long)[3, long(null), 1] | order by x desc")).containsExactly(
        List.of(3L), List.of(1L), Arrays.asList((Object) null));
    assertThat(rows("datatable(x:long)[3, long(null), 1] | order by x asc nulls last")).containsExactly(
        List.of(1L), List.of(3L), Arrays.asList((Object) null));
  }

  @Test
  void runsTheSeedScriptsRowNumberPagingQuery() {
    String q = "DeviceProcessEvents\n"
        + "| where Timestamp > datetime(1900-01-01T00:00:00.000000Z)\n"
        + "| order by Timestamp desc\n"
        + "| serialize rownum = row_number()\n"
        + "| where rownum between (4 .. 6)\n"
        + "| project-away rownum";
    QueryResult r = run(q);
    assertThat(names(r)).containsExactly("Timestamp", "DeviceId", "ReportId", "FileName");
    assertThat(r.toList().stream().map(row -> row[2]).collect(Collectors.toList())).containsExactly(6L, 5L, 4L);
    assertThat(r.stats().rowsSorted()).isEqualTo(10);
    String none = "DeviceProcessEvents | extend IngestionTime = ingestion_time() "
        + "| where ingestion_time() > datetime(1900-01-01T00:00:00.000000Z) | order by IngestionTime desc "
        + "| serialize rownum = row_number() | where rownum between (1 .. 2) | project-away rownum";
    assertThat(run(none).toList().stream().map(row -> row[2]).collect(Collectors.toList()))
        .containsExactly(9L, 8L);
    String gen2 = "DeviceProcessEvents | sort by Timestamp asc | extend rownum = row_number() "
        + "| where rownum between (9 .. 20) | project-away rownum";
    assertThat(run(gen2).toList().stream().map(row -> row[2]).collect(Collectors.toList()))
        .containsExactly(8L, 9L);
  }

  @Test
  void summarizesWithDefaultColumnNames() {
    QueryResult r = run("DeviceProcessEvents | summarize count(), max(ReportId), sum(ReportId), "
        + "dcount(FileName), avg(ReportId) by DeviceId | order by DeviceId asc");
    assertThat(names(r)).containsExactly("DeviceId", "count_", "max_ReportId", "sum_ReportId", "dcount_FileName",
        "avg_ReportId");
    assertThat(r.toList().get(0)).containsExactly("dev-0", 4L, 9L, 18L, 2L, 4.5);
    QueryResult s = run("DeviceProcessEvents | where ReportId < 4 | summarize set = make_set(DeviceId), "
        + "make_list(ReportId), countif(FileName == 'cmd.exe'), min(Timestamp), any(FileName)");
    assertThat(names(s)).containsExactly("set", "list_ReportId", "countif_", "min_Timestamp", "any_FileName");
    assertThat(s.toList().get(0)).containsExactly(List.of("dev-0", "dev-1", "dev-2"), List.of(0L, 1L, 2L, 3L), 2L,
        T0, "cmd.exe");
  }

  @Test
  void summarizeWithoutByOnEmptyInputYieldsOneRow() {
    assertThat(rows("DeviceProcessEvents | where ReportId > 100 | summarize count()")).containsExactly(List.of(0L));
    assertThat(rows("DeviceProcessEvents | where ReportId > 100 | summarize count() by DeviceId")).isEmpty();
  }

  @Test
  void argMaxReturnsTheWholeLatestRowPerKey() {
    InMemoryCatalog.Table cfg = catalog.table("MigrationConfiguration", col("SourceTable", KqlType.STRING),
        col("DestinationTable", KqlType.STRING), col("WatermarkColumn", KqlType.STRING),
        col("LastRefreshedTime", KqlType.DATETIME), col("LoadType", KqlType.STRING), col("IsActive", KqlType.BOOL));
    cfg.add(T0, "A", "ARaw", "None", null, "Full", true);
    cfg.add(T0.plusSeconds(1), "A", "ARaw", "None", T0.plusSeconds(100), "Full", true);
    cfg.add(T0.plusSeconds(2), "B", "BRaw", "Timestamp", T0.plusSeconds(50), "Full", true);
    cfg.add(T0.plusSeconds(3), "A", "ARaw", "None", T0.plusSeconds(60), "Full", true);
    catalog.function("VwLatestMigrationConfiguration", "MigrationConfiguration | where IsActive==true"
        + " |extend IngestionTime = ingestion_time() |extend LastRefreshedTimeInString= tostring(LastRefreshedTime)"
        + " |summarize arg_max(LastRefreshedTime, *) by SourceTable");
    QueryResult r = run("VwLatestMigrationConfiguration | order by SourceTable asc");
    assertThat(names(r)).containsExactly("SourceTable", "LastRefreshedTime", "DestinationTable", "WatermarkColumn",
        "LoadType", "IsActive", "IngestionTime", "LastRefreshedTimeInString");
    List<Object[]> rows = r.toList();
    assertThat(rows.get(0)).containsExactly("A", T0.plusSeconds(100), "ARaw", "None", "Full", true,
        T0.plusSeconds(1), "2026-11-01T00:01:40.0000000Z");
    assertThat(rows.get(1)[0]).isEqualTo("B");
    assertThat(run("VwLatestMigrationConfiguration()").toList()).hasSize(2);
  }

  @Test
  void viewBodyFiltersAfterArgMax() {
    InMemoryCatalog.Table cfg = catalog.table("MigrationConfiguration", col("TenantId", KqlType.STRING),
        col("SourceTable", KqlType.STRING), col("Version", KqlType.LONG), col("IsActive", KqlType.BOOL));
    cfg.add(T0, "t1", "A", 1L, true).add(T0, "t1", "A", 2L, false).add(T0, "t1", "B", 1L, true)
        .add(T0, "t2", "A", 5L, true);
    catalog.function("LatestConfig",
        "MigrationConfiguration | summarize arg_max(Version, *) by TenantId, SourceTable | where IsActive");
    List<List<Object>> got = rows("LatestConfig | order by TenantId asc, SourceTable asc");
    assertThat(got).containsExactly(List.of("t1", "B", 1L, true), List.of("t2", "A", 5L, true));
    QueryResult explicit = run("MigrationConfiguration | summarize arg_min(Version, SourceTable, IsActive) by TenantId"
        + " | order by TenantId asc");
    assertThat(names(explicit)).containsExactly("TenantId", "Version", "SourceTable", "IsActive");
    assertThat(explicit.toList().get(0)).containsExactly("t1", 1L, "A", true);
  }

  @Test
  void unknownTableAndColumnFailWithKustoMessages() {
    assertThatThrownBy(() -> run("NoSuchTable | take 1")).isInstanceOfSatisfying(KqlException.class, e -> {
      assertThat(e.kind()).isEqualTo(KqlException.Kind.UNKNOWN_TABLE);
      assertThat(e.getMessage()).contains("Failed to resolve table or column expression named 'NoSuchTable'");
    });
    assertThatThrownBy(() -> run("DeviceProcessEvents | where Foo == 1")).isInstanceOfSatisfying(KqlException.class,
        e -> {
          assertThat(e.kind()).isEqualTo(KqlException.Kind.UNKNOWN_COLUMN);
          assertThat(e.getMessage()).isEqualTo("'where' operator: Failed to resolve scalar expression named 'Foo'");
        });
    assertThatThrownBy(() -> run("DeviceProcessEvents | where (ReportId == 1")).isInstanceOfSatisfying(
        KqlException.class, e -> {
          assertThat(e.kind()).isEqualTo(KqlException.Kind.SYNTAX);
          assertThat(e.getMessage()).contains("position 42");
        });
  }

  @Test
  void toleratesCommentsTrailingSemicolonAndMultipleLines() {
    assertThat(rows("// leading comment\nlet n = 2; // two\nDeviceProcessEvents\n| take n // inline\n| count;\n"))
        .containsExactly(List.of(2L));
  }

  @Test
  void unionsByColumnName() {
    catalog.table("Other", col("DeviceId", KqlType.STRING), col("Extra", KqlType.LONG)).add(T0, "x", 7L);
    QueryResult r = run("union DeviceProcessEvents, Other | where DeviceId == 'x' or ReportId == 0");
    assertThat(names(r)).containsExactly("Timestamp", "DeviceId", "ReportId", "FileName", "Extra");
    assertThat(r.toList()).hasSize(2);
    assertThat(rows("Other | union (DeviceProcessEvents | take 1) | count")).containsExactly(List.of(2L));
    assertThat(rows("union kind=outer isfuzzy=true Other, DeviceProcessEvents | count")).containsExactly(List.of(11L));
    assertThat(rows("union withsource=T Other, DeviceProcessEvents | summarize count() by T | order by T asc"))
        .containsExactly(List.of("DeviceProcessEvents", 10L), List.of("Other", 1L));
  }

  @Test
  void getschemaDescribesColumns() {
    List<List<Object>> got = rows("DeviceProcessEvents | getschema");
    assertThat(got.get(0)).containsExactly("Timestamp", 0, "System.DateTime", "datetime");
    assertThat(got.get(2)).containsExactly("ReportId", 2, "System.Int64", "long");
  }

  @Test
  void distinctDeduplicates() {
    assertThat(rows("DeviceProcessEvents | distinct DeviceId | order by DeviceId asc"))
        .containsExactly(List.of("dev-0"), List.of("dev-1"), List.of("dev-2"));
    assertThat(rows("DeviceProcessEvents | project DeviceId | distinct * | count")).containsExactly(List.of(3L));
  }

  @Test
  void datatableAndDynamicAccess() {
    QueryResult r = run("datatable(Records:dynamic, N:int)[dynamic({\"DeviceId\":\"d1\",\"a\":{\"b\":[10,20]}}), 1,"
        + " dynamic({'DeviceId':'d2'}), int(null)]"
        + " | extend Dev = tostring(Records.DeviceId), B = Records.a.b[1], X = Records['DeviceId'],"
        + " Len = array_length(Records.a.b)");
    List<Object[]> rows = r.toList();
    assertThat(rows.get(0)[2]).isEqualTo("d1");
    assertThat(rows.get(0)[3]).isEqualTo(20L);
    assertThat(rows.get(0)[4]).isEqualTo("d1");
    assertThat(rows.get(0)[5]).isEqualTo(2L);
    assertThat(rows.get(1)[1]).isNull();
    assertThat(rows.get(1)[3]).isNull();
    assertThat(rows("datatable(Records:dynamic)[dynamic({\"id\":5})] | where Records.id == 5 | count"))
        .containsExactly(List.of(1L));
  }

  @Test
  void nullsCompareAsKustoDocuments() {
    List<List<Object>> got = rows("datatable(val:int)[5, int(null)] | extend Gt = val > 3, Eq = val == int(null),"
        + " Ne = val != int(null), GtOrNull = val > 3 or isnull(val)");
    assertThat(got.get(0)).containsExactly(5, true, false, true, true);
    assertThat(got.get(1)).containsExactly(null, null, null, null, true);
  }

  @Test
  void stringLiteralsDecodeEscapesAndVerbatimForms() {
    assertThat(rows("print a = 'it\\'s', b = \"a\\\"b\", c = 'x\\\\y', d = 'l1\\nl2', e = @'c:\\dir', "
        + "f = @'it''s', g = strlen('\\u00e9')"))
        .containsExactly(List.of("it's", "a\"b", "x\\y", "l1\nl2", "c:\\dir", "it's", 1L));
  }

  @Test
  void datetimeAndTimespanArithmetic() {
    List<List<Object>> got = rows("print a = datetime(2026-11-01T00:00:00.1234567Z) + 1d,"
        + " b = datetime(2026-11-02) - datetime(2026-11-01), c = 2h + 30m + 10s + 100ms + 1tick,"
        + " d = tostring(datetime(2026-11-01T00:00:00.1234567Z)), e = time(1.02:03:04.5), f = 1microsecond,"
        + " g = timespan(2d) / 1h, h = now() - ago(1h), i = datetime(2026-11-01 10:30), j = datetime(null)");
    assertThat(got.get(0).get(0)).isEqualTo(Instant.parse("2026-11-02T00:00:00.1234567Z"));
    assertThat(got.get(0).get(1)).isEqualTo(Duration.ofDays(1));
    assertThat(got.get(0).get(2)).isEqualTo(Duration.ofHours(2).plusMinutes(30).plusSeconds(10).plusMillis(100)
        .plusNanos(100));
    assertThat(got.get(0).get(3)).isEqualTo("2026-11-01T00:00:00.1234567Z");
    assertThat(got.get(0).get(4)).isEqualTo(Duration.ofDays(1).plusHours(2).plusMinutes(3).plusMillis(4500));
    assertThat(got.get(0).get(5)).isEqualTo(Duration.ofNanos(1000));
    assertThat(got.get(0).get(6)).isEqualTo(48.0);
    assertThat(got.get(0).get(7)).isEqualTo(Duration.ofHours(1));
    assertThat(got.get(0).get(8)).isEqualTo(Instant.parse("2026-11-01T10:30:00Z"));
    assertThat(got.get(0).get(9)).isNull();
  }

  @Test
  void numericTypingPromotesAsKustoDoes() {
    QueryResult r = run("print a = 7 / 2, b = 7 / 2.0, c = int(3) + int(4), d = 7 % 3, e = -7 % 3, f = 1e3");
    assertThat(r.columns().stream().map(Column::type).collect(Collectors.toList())).containsExactly(KqlType.LONG,
        KqlType.REAL, KqlType.INT, KqlType.LONG, KqlType.LONG, KqlType.REAL);
    assertThat(r.toList().get(0)).containsExactly(3L, 3.5, 7, 1L, -1L, 1000.0);
  }

  @Test
  void packAllRendersDeterministicJson() {
    List<List<Object>> got = rows("datatable(a:string, t:datetime, n:long, r:real, b:bool, d:dynamic)"
        + "['x\"y', datetime(2026-11-01), 5, 1.5, true, dynamic([1,{\"k\":null}])] | project s = tostring(pack_all())");
    assertThat(got.get(0).get(0)).isEqualTo("{\"a\":\"x\\\"y\",\"t\":\"2026-11-01T00:00:00.0000000Z\",\"n\":5,"
        + "\"r\":1.5,\"b\":true,\"d\":[1,{\"k\":null}]}");
  }

  @Test
  void scalarFunctions() {
    List<List<Object>> got = rows("print a = iff(1 > 2, 'y', 'n'), b = coalesce(long(null), 4), c = tolower('AbC'),"
        + " d = toupper('x'), e = substring('abcdef', 2, 3), f = isempty(''), g = isnotempty('x'),"
        + " h = isnull(long(null)), i = isnotnull(1), j = abs(-3), k = floor(17, 5), l = bin(datetime(2026-11-01T01:47:00Z), 1h),"
        + " m = tolong('42'), n = toint('7'), o = toreal('1.5'), p = tobool('true'), q = todatetime('2026-11-01'),"
        + " r = format_datetime(datetime(2026-11-01T02:03:04.5Z), 'yyyy-MM-dd HH:mm:ss.fffffff'),"
        + " s = array_length(todynamic('[1,2,3]')), t = tostring(pack('k', 1, 'v', 'x')),"
        + " u = tostring(bag_pack('k', datetime(2026-11-01))), v = hash_sha256('abc'), w = iif(true, 1, 2)");
    assertThat(got.get(0)).containsExactly("n", 4L, "abc", "X", "cde", true, true, true, true, 3L, 15L,
        Instant.parse("2026-11-01T01:00:00Z"), 42L, 7, 1.5, true, T0, "2026-11-01 02:03:04.5000000", 3L,
        "{\"k\":1,\"v\":\"x\"}", "{\"k\":\"2026-11-01T00:00:00.0000000Z\"}",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 1L);
  }

  @Test
  void stringAndDateFunctions() {
    List<List<Object>> got = rows("print a = extract('id=([0-9]+)', 1, 'x id=42 y'), b = replace_regex('a1b22', @'(\\d+)', @'<\\1>'),"
        + " c = trim_start('x+', 'xxabcxx'), d = trim_end('x+', 'xxabcxx'), e = strrep('ab', 3, '-'), f = reverse('abc'),"
        + " g = countof('aXbXc', 'X'), h = datetime_diff('hour', datetime(2026-11-01T05:10:00Z), datetime(2026-11-01T03:50:00Z)),"
        + " i = datetime_diff('day', datetime(2026-11-02T00:00:01Z), datetime(2026-11-01T23:59:59Z)),"
        + " j = datetime_part('month', datetime(2026-11-01)), k = getyear(datetime(2026-11-01)),"
        + " l = dayofweek(datetime(2026-11-01)), m = startofweek(datetime(2026-11-04T10:00:00Z)),"
        + " n = startofmonth(datetime(2026-11-04T10:00:00Z)), o = endofday(datetime(2026-11-04T10:00:00Z)),"
        + " p = array_slice(dynamic([1,2,3,4]), 1, -2), q = strcat_array(array_concat(dynamic(['a']), dynamic(['b'])), '+'),"
        + " r = tostring(bag_merge(dynamic({'a':1}), dynamic({'a':2,'b':3})))");
    assertThat(got.get(0)).containsExactly("42", "a<1>b<22>", "abcxx", "xxabc", "ab-ab-ab", "cba", 2L, 2L, 1L, 11L,
        2026L, Duration.ZERO, Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-01T00:00:00Z"),
        Instant.parse("2026-11-04T23:59:59.9999999Z"), List.of(2L, 3L), "a+b", "{\"a\":1,\"b\":3}");
  }

  @Test
  void extentTagsAreADynamicArray() {
    InMemoryCatalog.Table t = catalog.table("Tagged", col("x", KqlType.LONG));
    t.rows.add(new StoredRow(new Object[] {1L}, T0, List.of("ingest-by:batch-1", "drop-by:x")));
    assertThat(rows("Tagged | extend tags = extent_tags() | where tags has 'ingest-by:batch-1' | project tags"))
        .containsExactly(List.of(List.of("ingest-by:batch-1", "drop-by:x")));
  }

  @Test
  void rowsShorterThanTheSchemaReadAsNull() {
    InMemoryCatalog.Table t = catalog.table("Drift", col("a", KqlType.LONG), col("b", KqlType.STRING));
    t.add(T0, 1L);
    assertThat(rows("Drift | project a, b")).containsExactly(List.of(1L, ""));
  }

  @Test
  void normalisesValuesASourceHandsOverInOtherJavaTypes() {
    InMemoryCatalog.Table t = catalog.table("Loose", col("i", KqlType.INT), col("r", KqlType.REAL),
        col("t", KqlType.DATETIME), col("d", KqlType.DYNAMIC));
    t.add(T0, 5L, 2, Instant.parse("2026-11-01T00:00:00.123456789Z"), java.util.Map.of("k", 1));
    QueryResult r = run("Loose | extend s = tostring(d)");
    assertThat(r.toList().get(0)).containsExactly(5, 2.0, Instant.parse("2026-11-01T00:00:00.1234567Z"),
        java.util.Map.of("k", 1), "{\"k\":1}");
  }

  @Test
  void letBoundScalarsAndTablesCompose() {
    assertThat(rows("let x = 3; let y = x * 2; let T = DeviceProcessEvents | where ReportId < y;"
        + " T | where ReportId >= x | count")).containsExactly(List.of(3L));
    assertThat(rows("let m = toscalar(DeviceProcessEvents | summarize max(ReportId));"
        + " DeviceProcessEvents | where ReportId == m | project ReportId")).containsExactly(List.of(9L));
  }

  @Test
  void inAcceptsASubquery() {
    assertThat(rows("DeviceProcessEvents | where ReportId in ((DeviceProcessEvents | where ReportId > 7 "
        + "| project ReportId)) | count")).containsExactly(List.of(2L));
    assertThat(rows("DeviceProcessEvents | where ReportId in (dynamic([1, 2])) | count"))
        .containsExactly(List.of(2L));
  }

  @Test
  void rangeGeneratesRows() {
    assertThat(rows("range x from 1 to 5 step 2")).containsExactly(List.of(1L), List.of(3L), List.of(5L));
  }

  @Test
  void mapsResultRowsToContractTypes() {
    Map<String, Object> row = new java.util.LinkedHashMap<>();
    List<Object[]> got = run("print g = guid(74be27de-1e4e-49d9-b579-fe0b331d3642), d = decimal(1.5)").toList();
    assertThat(got.get(0)[0]).isEqualTo(java.util.UUID.fromString("74be27de-1e4e-49d9-b579-fe0b331d3642"));
    assertThat(got.get(0)[1]).isEqualTo(new java.math.BigDecimal("1.5"));
    assertThat(row).isEmpty();
  }
}
