package org.defenderadx.simulator.kql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.simulator.kql.InMemoryCatalog.col;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The views and the upgrade query of kql/setup.kql and kql/upgrade-from-original.kql (copied, reduced), as the ADX
 * stand-in's engine runs them; ProjectKqlScriptsTest applies the files themselves.
 */
class ConfigurationViewsTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  private final KqlEngine engine = new KqlEngine();
  private final InMemoryCatalog catalog = new InMemoryCatalog();
  private InMemoryCatalog.Table cfg;

  @BeforeEach
  void setUp() {
    cfg = catalog.table("MigrationConfiguration", col("SourceTable", KqlType.STRING),
        col("DestinationTable", KqlType.STRING), col("WatermarkColumn", KqlType.STRING),
        col("LastRefreshedTime", KqlType.DATETIME), col("LastRefreshedTimeInString", KqlType.STRING),
        col("LoadType", KqlType.STRING), col("IsActive", KqlType.BOOL), col("TenantId", KqlType.STRING),
        col("Version", KqlType.LONG), col("LateArrivalAllowance", KqlType.TIMESPAN), col("UpdatedBy", KqlType.STRING),
        col("Notes", KqlType.STRING), col("BucketProgress", KqlType.STRING));
    // Rows the original script wrote: only its seven columns (the stored rows predate the new ones).
    cfg.add(T0, "DeviceTvmSoftwareInventory", "DeviceTvmSoftwareInventoryRaw", "None", null, "", "Full", true);
    cfg.add(T0.plusSeconds(1), "DeviceTvmSoftwareInventory", "DeviceTvmSoftwareInventoryRaw", "None",
        T0.plusSeconds(3600), "2026-11-01T01:00:00.0000000Z", "Incr", true);
    cfg.add(T0, "DeviceTvmCertificateInfo", "DeviceTvmCertificateInfoRaw", "None", null, "", "Full", true);
    // Rows written by the new tool.
    cfg.add(T0.plusSeconds(2), "DeviceTvmCertificateInfo", "DeviceTvmCertificateInfoRaw", "None", null, "", "Full",
        true, "", 1L, Duration.ofHours(1), "ops", "", "");
    cfg.add(T0.plusSeconds(3), "DeviceProcessEvents", "DeviceProcessEventsRaw", "None", null, "", "Full", true,
        "t1", 1L, null, "ops", "", "");
    cfg.add(T0.plusSeconds(4), "DeviceProcessEvents", "DeviceProcessEventsRaw", "None", null, "", "Full", false,
        "t1", 2L, null, "ops", "deactivated", "");
    catalog.function("VwMigrationConfigurationState", "\n    MigrationConfiguration\n"
        + "    | extend TenantId = coalesce(TenantId, ''), Version = coalesce(Version, 0)\n"
        + "    | summarize arg_max(Version, *) by TenantId, SourceTable\n");
    catalog.function("VwActiveMigrationConfiguration", "\n    VwMigrationConfigurationState\n"
        + "    | where IsActive == true\n");
    catalog.function("MigrationSnapshotTables", "datatable (SourceTable:string) ['DeviceTvmSoftwareInventory', "
        + "'DeviceBaselineComplianceProfiles']");
  }

  private List<List<Object>> rows(String kql) {
    return engine.execute(kql, new QueryContext(catalog, T0)).toList().stream().map(Arrays::asList)
        .collect(Collectors.toList());
  }

  @Test
  void stateViewKeepsTheHighestVersionPerTenantAndTable() {
    QueryResult r = engine.execute("VwMigrationConfigurationState | order by TenantId asc, SourceTable asc",
        new QueryContext(catalog, T0));
    List<String> names = r.columns().stream().map(Column::name).collect(Collectors.toList());
    assertThat(names.subList(0, 3)).containsExactly("TenantId", "SourceTable", "Version");
    List<Object[]> got = r.toList();
    assertThat(got).hasSize(3);
    int isActive = names.indexOf("IsActive");
    int notes = names.indexOf("Notes");
    assertThat(got.get(0)[1]).isEqualTo("DeviceTvmCertificateInfo");
    assertThat(got.get(0)[2]).isEqualTo(1L);
    assertThat(got.get(1)[1]).isEqualTo("DeviceTvmSoftwareInventory");
    assertThat(got.get(1)[2]).isEqualTo(0L);
    assertThat(got.get(2)).satisfies(row -> {
      assertThat(row[0]).isEqualTo("t1");
      assertThat(row[isActive]).isEqualTo(false);
      assertThat(row[notes]).isEqualTo("deactivated");
    });
  }

  @Test
  void activeViewDropsDeactivatedTables() {
    assertThat(rows("VwActiveMigrationConfiguration | project TenantId, SourceTable | order by SourceTable asc"))
        .containsExactly(List.of("", "DeviceTvmCertificateInfo"), List.of("", "DeviceTvmSoftwareInventory"));
  }

  @Test
  void upgradeQueryCarriesTheLargestOldWatermarkAndTheLatestRowsSwitchForTablesWithoutNewRows() {
    // GIVEN a later original row switching DeviceTvmSoftwareInventory off, with no watermark
    cfg.add(T0.plusSeconds(5), "DeviceTvmSoftwareInventory",
        "DeviceTvmSoftwareInventoryRaw", "None", null, "", "Incr", false);
    String q = "let allowance = timespan(1d);\n"
        + "let original = MigrationConfiguration | where isnull(Version) | extend IngestionTime = ingestion_time();\n"
        + "let copied = original | summarize OldWatermark = max(LastRefreshedTime) by SourceTable;\n"
        + "let ours = MigrationConfiguration | where isnotnull(Version) and coalesce(TenantId, '') == ''"
        + " | distinct SourceTable;\n"
        + "original | summarize arg_max(IngestionTime, *) by SourceTable | where SourceTable !in (ours)\n"
        + "| join kind=inner copied on SourceTable\n"
        + "| extend IsSnapshotTable = SourceTable in (MigrationSnapshotTables) or SourceTable startswith 'DeviceTvm'\n"
        + "| project SourceTable, IsActive, OldWatermark, IsSnapshotTable";
    QueryResult r = engine.execute(q, new QueryContext(catalog, T0));
    assertThat(r.toList().stream().map(Arrays::asList).collect(Collectors.toList())).containsExactly(
        Arrays.asList("DeviceTvmSoftwareInventory", false, T0.plusSeconds(3600), true));
  }
}
