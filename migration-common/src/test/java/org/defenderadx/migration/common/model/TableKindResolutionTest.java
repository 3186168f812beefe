package org.defenderadx.migration.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TableKindResolutionTest {

  private static MigrationConfigRow row(String table, String watermark, String loadType, String allowance) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("SourceTable", table);
    m.put("DestinationTable", table + "Raw");
    m.put("WatermarkColumn", watermark);
    m.put("LastRefreshedTime", null);
    m.put("LoadType", loadType);
    m.put("IsActive", true);
    m.put("LateArrivalAllowance", allowance);
    return MigrationConfigRow.fromColumns(m);
  }

  @ParameterizedTest
  @ValueSource(strings = {"DeviceTvmSoftwareInventory", "DeviceTvmSecureConfigurationAssessment",
      "DeviceTvmHardwareFirmware", "DeviceBaselineComplianceProfiles", "DeviceBaselineComplianceAssessmentKB",
      "DeviceBaselineComplianceAssessment", "DeviceTvmBrowserExtensions", "DeviceTvmSoftwareVulnerabilities",
      "DeviceTvmCertificateInfo", "DeviceTvmSoftwareVulnerabilitiesKB", "DeviceTvmInfoGathering"})
  void seedAndTvmTablesAreSnapshotsWhateverTheRowSays(String table) {
    ResolvedTable resolved = row(table, "Timestamp", "Incr", "").resolve();
    assertThat(resolved.kind()).isEqualTo(TableKind.SNAPSHOT);
    assertThat(resolved.warnings()).anySatisfy(w -> assertThat(w).contains(table).contains("snapshot"));
  }

  @Test
  void eventTablesDefaultToIngestionTime() {
    ResolvedTable resolved = row("DeviceProcessEvents", "None", "Full", null).resolve();
    assertThat(resolved.kind()).isEqualTo(TableKind.INCREMENTAL_INGESTION_TIME);
    assertThat(resolved.watermark().isIngestionTime()).isTrue();
    assertThat(resolved.warnings()).isEmpty();
  }

  @Test
  void columnWatermarkNeedsALateArrivalAllowance() {
    assertThatThrownBy(() -> row("DeviceProcessEvents", "Timestamp", "Incr", null).resolve())
        .isInstanceOf(ConfigRowException.class)
        .hasMessageContaining("'DeviceProcessEvents'").hasMessageContaining("LateArrivalAllowance");
  }

  @Test
  void columnWatermarkWithAllowanceIsAllowedWithAWarning() {
    ResolvedTable resolved = row("DeviceProcessEvents", "Timestamp", "Incr", "2.00:00:00").resolve();
    assertThat(resolved.kind()).isEqualTo(TableKind.INCREMENTAL_COLUMN);
    assertThat(resolved.watermark().kql()).isEqualTo("['Timestamp']");
    assertThat(resolved.lateArrivalAllowance()).isEqualTo(Duration.ofDays(2));
    assertThat(resolved.warnings()).singleElement().asString().contains("Timestamp").contains("2.00:00:00");
  }

  @Test
  void tableWithoutADatetimeColumnIsASnapshot() {
    ResolvedTable resolved = row("SomeKbTable", "None", "Incr", null)
        .resolve(Optional.of(Map.of("Id", "string", "Score", "real")));
    assertThat(resolved.kind()).isEqualTo(TableKind.SNAPSHOT);
  }

  @Test
  void configuredColumnMustBeADatetimeColumnOfTheSource() {
    Map<String, String> schema = Map.of("Timestamp", "datetime", "LastUpdatedOn", "string");
    assertThatThrownBy(() -> row("SomeTable", "LastUpdatedOn", "Incr", "1.00:00:00").resolve(Optional.of(schema)))
        .isInstanceOf(ConfigRowException.class).hasMessageContaining("'SomeTable'")
        .hasMessageContaining("LastUpdatedOn is of type string at the source, not datetime");
    assertThatThrownBy(() -> row("SomeTable", "Missing", "Incr", "1.00:00:00").resolve(Optional.of(schema)))
        .isInstanceOf(ConfigRowException.class)
        .hasMessageContaining("Missing is not a column of SomeTable at the source (its datetime columns: Timestamp)");
    ResolvedTable typed = row("SomeTable", "Timestamp", "Incr", "1.00:00:00")
        .resolve(Optional.of(Map.of("Timestamp", "DateTime")));
    assertThat(typed.kind()).isEqualTo(TableKind.INCREMENTAL_COLUMN);
  }

  @Test
  void unsafeIdentifiersFailNamingTheTable() {
    assertThatThrownBy(() -> row("DeviceInfo | take 1", "None", "Incr", null).resolve())
        .isInstanceOf(ConfigRowException.class).hasMessageContaining("DeviceInfo | take 1");
    assertThatThrownBy(() -> row("DeviceEvents", "Time\u0455tamp", "Incr", "1d").resolve())
        .isInstanceOf(ConfigRowException.class).hasMessageContaining("'DeviceEvents'").hasMessageContaining("column");
    Map<String, Object> badDest = new LinkedHashMap<>();
    badDest.put("SourceTable", "DeviceEvents");
    badDest.put("DestinationTable", "X; .drop table Y");
    assertThatThrownBy(() -> MigrationConfigRow.fromColumns(badDest).resolve())
        .isInstanceOf(ConfigRowException.class).hasMessageContaining("'DeviceEvents'");
  }
}
