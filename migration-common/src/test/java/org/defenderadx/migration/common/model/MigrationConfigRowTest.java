package org.defenderadx.migration.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.window.Bucket;
import org.defenderadx.migration.common.window.WindowProgress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MigrationConfigRowTest {
  private static final Instant WM = Instant.parse("2026-11-01T00:13:27.1234567Z");

  /** The original six columns, in the seed script's order, as the SDK hands them over (strings, null). */
  private static Map<String, Object> seedRow(String table, String watermark) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("SourceTable", table);
    row.put("DestinationTable", table + "Raw");
    row.put("WatermarkColumn", watermark);
    row.put("LastRefreshedTime", null);
    row.put("LoadType", "Full");
    row.put("IsActive", 1);
    return row;
  }

  /** Our layout, in a different column order, as an upgraded database may return it. */
  private static Map<String, Object> ourRow(String table, String watermarkColumn, Object version) {
    Map<String, Object> row = new HashMap<>();
    row.put("Notes", "n");
    row.put("Version", version);
    row.put("TenantId", "contoso");
    row.put("IsActive", "true");
    row.put("LoadType", "Incremental");
    row.put("LastRefreshedTimeInString", "2026-11-01T00:13:27.1234567Z");
    row.put("LastRefreshedTime", LocalDateTime.parse("2026-11-01T00:13:27.123456"));
    row.put("WatermarkColumn", watermarkColumn);
    row.put("DestinationTable", table + "Copy");
    row.put("SourceTable", table);
    return row;
  }

  @Test
  void readsTheOriginalSixColumnShape() {
    MigrationConfigRow row = MigrationConfigRow.fromColumns(seedRow("DeviceTvmSoftwareInventory", "None"));
    assertThat(row.neverLoaded()).isTrue();
    assertThat(row.loadType()).isEqualTo(LoadType.FULL);
    assertThat(row.active()).isTrue();
    assertThat(row.tenantId()).isEmpty();
    assertThat(row.version()).isEmpty();
    assertThat(row.watermarkSource().isIngestionTime()).isTrue();
    assertThat(row.progress()).isEmpty();
  }

  @Test
  void readsOurShapeByNameWhateverTheColumnOrder() {
    MigrationConfigRow row = MigrationConfigRow.fromColumns(ourRow("DeviceProcessEvents", "", "42"));
    assertThat(row.sourceTable()).isEqualTo("DeviceProcessEvents");
    assertThat(row.destinationTable()).isEqualTo("DeviceProcessEventsCopy");
    assertThat(row.tenantId()).isEqualTo("contoso");
    assertThat(row.version()).isEqualTo(OptionalLong.of(42));
    assertThat(row.notes()).isEqualTo("n");
  }

  @Test
  void prefersTheSevenDigitStringOverTheDatetime() {
    MigrationConfigRow row = MigrationConfigRow.fromColumns(ourRow("DeviceProcessEvents", "None", 1L));
    assertThat(row.lastRefreshed()).contains(WM);
    Map<String, Object> onlyDatetime = ourRow("DeviceProcessEvents", "None", 1L);
    onlyDatetime.put("LastRefreshedTimeInString", "");
    assertThat(MigrationConfigRow.fromColumns(onlyDatetime).lastRefreshed())
        .contains(Instant.parse("2026-11-01T00:13:27.123456Z"));
  }

  @Test
  void acceptsValuesAsStringsInstantsBooleansAndNumbers() {
    Map<String, Object> row = seedRow("DeviceEvents", "Watermark_IngestionTime");
    row.put("LastRefreshedTime", WM);
    row.put("IsActive", "False");
    row.put("Version", 7.0);
    row.put("LateArrivalAllowance", "1.00:00:00");
    row.put("LoadType", "incr");
    MigrationConfigRow r = MigrationConfigRow.fromColumns(row);
    assertThat(r.lastRefreshed()).contains(WM);
    assertThat(r.active()).isFalse();
    assertThat(r.version()).isEqualTo(OptionalLong.of(7));
    assertThat(r.lateArrivalAllowance()).isEqualTo(Duration.ofDays(1));
    assertThat(r.loadType()).isEqualTo(LoadType.INCREMENTAL);
    assertThat(r.watermarkSource().isIngestionTime()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"None", "none", "", "Watermark_IngestionTime", "  NONE "})
  void ingestionTimeSentinelsMeanIngestionTime(String value) {
    Map<String, Object> row = seedRow("DeviceEvents", value);
    assertThat(MigrationConfigRow.fromColumns(row).watermarkSource().kql()).isEqualTo("ingestion_time()");
  }

  @Test
  void nullWatermarkColumnMeansIngestionTime() {
    assertThat(MigrationConfigRow.fromColumns(seedRow("DeviceEvents", null)).watermarkSource().isIngestionTime())
        .isTrue();
  }

  @Test
  void originalScriptWatermarkWasInclusiveSoResumeOneTickLater() {
    Map<String, Object> legacy = seedRow("DeviceEvents", "None");
    legacy.put("LastRefreshedTime", "2026-11-01T00:13:27.1234567Z");
    assertThat(MigrationConfigRow.fromColumns(legacy).progress())
        .contains(WindowProgress.at(WM.plus(KustoTime.TICK)));
    MigrationConfigRow ours = MigrationConfigRow.fromColumns(ourRow("DeviceEvents", "None", 3L));
    assertThat(ours.progress()).contains(WindowProgress.at(WM));
  }

  @Test
  void carriedForwardWatermarkKeepsTheOriginalMeaningWhateverItsVersion() {
    // GIVEN rows the upgrade carried forward (a Version, UpdatedBy marks them), on ingestion time and on a column
    Map<String, Object> ingestion = ourRow("DeviceEvents", "None", 1L);
    ingestion.put("UpdatedBy", MigrationConfigRow.CARRIED_FORWARD_BY);
    Map<String, Object> column = ourRow("DeviceEvents", "Timestamp", 17L);
    column.put("UpdatedBy", MigrationConfigRow.CARRIED_FORWARD_BY);
    column.put("LateArrivalAllowance", "1.00:00:00");

    // THEN the first window starts one tick after the largest value the original copied
    for (Map<String, Object> r : List.of(ingestion, column)) {
      MigrationConfigRow row = MigrationConfigRow.fromColumns(r);
      assertThat(row.carriedForward()).isTrue();
      assertThat(row.watermarkIsOriginal()).isTrue();
      assertThat(row.progress()).contains(WindowProgress.at(WM.plus(KustoTime.TICK)));
      assertThat(row.resolve().progress()).contains(WindowProgress.at(WM.plus(KustoTime.TICK)));
    }
    // AND our first commit after it writes our meaning (the exclusive end) and drops the marker
    MigrationConfigRow carried = MigrationConfigRow.fromColumns(ingestion);
    MigrationConfigRow committed = MigrationConfigRow.fromColumns(
        carried.commitRow(carried.progress().orElseThrow(), carried.nextVersion()));
    assertThat(committed.carriedForward()).isFalse();
    assertThat(committed.progress()).isEqualTo(carried.progress());
  }

  @Test
  void aSnapshotTableTakenOverHasNoSnapshotOfOursSoItIsDueAtOnce() {
    Map<String, Object> tvm = ourRow("DeviceTvmSoftwareInventory", "None", 1L);
    tvm.put("UpdatedBy", MigrationConfigRow.CARRIED_FORWARD_BY);
    assertThat(MigrationConfigRow.fromColumns(tvm).lastCommittedSnapshot()).isEmpty();
    tvm.put("UpdatedBy", "defender-adx-migration");
    assertThat(MigrationConfigRow.fromColumns(tvm).lastCommittedSnapshot()).contains(WM);
  }

  @Test
  void theCarriedForwardMarkerSurvivesTheHandOverToAnotherNode() {
    Map<String, Object> r = ourRow("DeviceEvents", "None", 1L);
    r.put("UpdatedBy", MigrationConfigRow.CARRIED_FORWARD_BY);
    MigrationConfigRow row = MigrationConfigRow.fromColumns(r);
    assertThat(MigrationConfigRow.fromColumns(new HashMap<>(row.toColumns()))).isEqualTo(row);
  }

  @Test
  void bucketProgressRoundTripsThroughTheCommitRow() {
    MigrationConfigRow row = MigrationConfigRow.fromColumns(ourRow("DeviceEvents", "None", 3L));
    WindowProgress progress = new WindowProgress(WM, Optional.of(new Bucket(5, 16)));
    Map<String, Object> commit = row.commitRow(progress, row.nextVersion());
    assertThat(MigrationConfigRow.fromColumns(commit).progress()).contains(progress);
  }

  @Test
  void commitRowHasOurColumnsInOrderWithSevenDigitWatermark() {
    MigrationConfigRow row = MigrationConfigRow.fromColumns(seedRow("DeviceEvents", "None"));
    Map<String, Object> commit = row.commitRow(WindowProgress.at(Instant.parse("2026-11-01T01:00:00Z")),
        row.nextVersion());
    assertThat(commit.keySet()).containsExactlyElementsOf(MigrationConfigRow.COLUMNS.keySet());
    assertThat(commit).containsEntry("LastRefreshedTime", Instant.parse("2026-11-01T01:00:00Z"))
        .containsEntry("LastRefreshedTimeInString", "2026-11-01T01:00:00.0000000Z")
        .containsEntry("Version", 1L).containsEntry("WatermarkColumn", "None").containsEntry("IsActive", true)
        .containsEntry("LoadType", "Full").containsEntry("TenantId", "").containsEntry("BucketProgress", "");
    MigrationConfigRow reread = MigrationConfigRow.fromColumns(commit);
    assertThat(reread.progress()).contains(WindowProgress.at(Instant.parse("2026-11-01T01:00:00Z")));
    assertThatThrownBy(() -> reread.commitRow(WindowProgress.at(WM), 1)).hasMessageContaining("version must increase");
  }

  @Test
  void createMergeCommandListsOurColumns() {
    assertThat(MigrationConfigRow.createMergeCommand("MigrationConfiguration")).isEqualTo(
        ".create-merge table MigrationConfiguration (SourceTable:string, DestinationTable:string, "
            + "WatermarkColumn:string, LastRefreshedTime:datetime, LastRefreshedTimeInString:string, "
            + "LoadType:string, IsActive:bool, TenantId:string, Version:long, LateArrivalAllowance:timespan, "
            + "UpdatedBy:string, Notes:string, BucketProgress:string)");
  }

  @Test
  void latestPicksHighestVersionPerTenantAndTableAndKeepsDeactivation() {
    MigrationConfigRow v1 = MigrationConfigRow.fromColumns(ourRow("DeviceEvents", "None", 1L));
    Map<String, Object> v2map = ourRow("DeviceEvents", "None", 2L);
    v2map.put("IsActive", false);
    v2map.put("LastRefreshedTimeInString", "2020-01-01T00:00:00Z");
    MigrationConfigRow v2 = MigrationConfigRow.fromColumns(v2map);
    Map<String, Object> otherTenant = ourRow("DeviceEvents", "None", 9L);
    otherTenant.put("TenantId", "fabrikam");
    MigrationConfigRow other = MigrationConfigRow.fromColumns(otherTenant);

    assertThat(MigrationConfigRow.latest(List.of(v2, other, v1))).containsExactlyInAnyOrder(v2, other);
  }

  @Test
  void latestAmongOriginalRowsIsTheLargestWatermark() {
    Map<String, Object> a = seedRow("DeviceEvents", "None");
    a.put("LastRefreshedTime", "2026-11-02T00:00:00Z");
    Map<String, Object> b = seedRow("DeviceEvents", "None");
    b.put("LastRefreshedTime", "2026-11-01T00:00:00Z");
    MigrationConfigRow ra = MigrationConfigRow.fromColumns(a);
    assertThat(MigrationConfigRow.latest(List.of(ra, MigrationConfigRow.fromColumns(b)))).containsExactly(ra);
  }

  @Test
  void badValuesFailNamingTheTable() {
    Map<String, Object> row = seedRow("DeviceEvents", "None");
    row.put("LastRefreshedTime", "yesterday");
    assertThatThrownBy(() -> MigrationConfigRow.fromColumns(row)).isInstanceOf(ConfigRowException.class)
        .hasMessageContaining("'DeviceEvents'").hasMessageContaining("yesterday");
    row.put("LastRefreshedTime", null);
    row.put("LoadType", "Sometimes");
    assertThatThrownBy(() -> MigrationConfigRow.fromColumns(row)).hasMessageContaining("'DeviceEvents'")
        .hasMessageContaining("Sometimes");
    assertThatThrownBy(() -> MigrationConfigRow.fromColumns(Map.of("Foo", "x"))).hasMessageContaining("SourceTable");
  }

  @Test
  void loadTypeParsingIsTolerant() {
    assertThat(LoadType.parse("FULL")).isEqualTo(LoadType.FULL);
    assertThat(LoadType.parse(" Incr ")).isEqualTo(LoadType.INCREMENTAL);
    assertThat(LoadType.parse("incremental")).isEqualTo(LoadType.INCREMENTAL);
    assertThat(LoadType.parse(null)).isEqualTo(LoadType.INCREMENTAL);
    assertThat(LoadType.parse("")).isEqualTo(LoadType.INCREMENTAL);
  }

  @Test
  void columnsReadBackToAnEqualRow() {
    MigrationConfigRow row = MigrationConfigRow.fromColumns(java.util.Map.of("SourceTable", "DeviceInfo",
        "DestinationTable", "DeviceInfoRaw", "WatermarkColumn", "None", "LastRefreshedTimeInString",
        "2026-11-01T00:00:00.1234567Z", "LoadType", "Incremental", "IsActive", true, "TenantId", "t1", "Version", 7L,
        "BucketProgress", "3/16"));

    assertThat(MigrationConfigRow.fromColumns(new java.util.HashMap<>(row.toColumns()))).isEqualTo(row);
  }
}
