package org.defenderadx.simulator.adx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.microsoft.azure.kusto.data.Client;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The repository's own {@code kql/} scripts through the real SDK: setup and seed twice on a fresh database, and the
 * upgrade path from the original scripts, twice. Runs where the {@code kql/} folder is present (the main line).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProjectKqlScriptsTest {
  private static final Path KQL = Paths.get("..", "kql");
  private Vertx vertx;
  private AdxStandIn adx;
  private Client client;

  @BeforeEach
  void start() {
    assumeTrue(Files.isRegularFile(KQL.resolve("setup.kql")), "no kql/ folder in this checkout");
    vertx = Vertx.vertx();
    adx = AdxStandIn.start(vertx, new AdxStandInOptions()).await();
    client = KustoClients.client(adx);
  }

  @AfterEach
  void stop() {
    if (adx != null) {
      adx.stop().await();
      vertx.close().await();
    }
  }

  @Test
  void setupAndSeedApplyTwiceOnAFreshDatabase() throws Exception {
    for (int i = 0; i < 2; i++) {
      KqlScriptRunner.apply(client, "db", KQL.resolve("setup.kql"));
      KqlScriptRunner.apply(client, "db", KQL.resolve("seed-configuration.kql"));
    }
    long configured = adx.database("db").tableNamed("MigrationConfiguration").rowCount();
    assertThat(configured).isPositive();
    List<String> active = KustoClients.column(client.executeQuery("db", "VwLatestMigrationConfiguration"),
        "SourceTable");
    assertThat(active).hasSize((int) configured).doesNotHaveDuplicates();
  }

  @Test
  void originalDatabaseUpgradesAndTheUpgradeIsHarmlessTwice() throws Exception {
    // GIVEN the original's database: its setup and seed, a watermark on one table, a later row switching one off
    KqlScriptRunner.apply(client, "db", OriginalScriptsTest.script("TVMExportConfig.kql"));
    KqlScriptRunner.apply(client, "db", OriginalScriptsTest.script("TVMExportConfigInsert.kql"));
    client.executeMgmt("db", ".set-or-append MigrationConfiguration <| MigrationConfiguration "
        + "| where SourceTable == 'DeviceTvmSoftwareInventory' | extend LastRefreshedTime = datetime(2025-05-01), "
        + "LoadType = 'Incr'");
    client.executeMgmt("db", ".set-or-append MigrationConfiguration <| datatable (SourceTable:string, "
        + "DestinationTable:string, WatermarkColumn:string, LastRefreshedTime:datetime, LoadType:string, IsActive:bool)"
        + " ['DeviceTvmCertificateInfo', 'DeviceTvmCertificateInfoRaw', 'None', datetime(null), 'Full', false]");
    List<String> originalColumns = columns(client.executeQuery("db", "VwLatestMigrationConfiguration"));

    // WHEN setup and the upgrade run twice
    for (int i = 0; i < 2; i++) {
      KqlScriptRunner.apply(client, "db", KQL.resolve("setup.kql"));
      KqlScriptRunner.apply(client, "db", upgradeScript("1d"));
    }

    // THEN one carried-forward row per original table, marked, watermark and switch-off as the original left them
    assertThat(adx.database("db").tableNamed("MigrationConfiguration").columns().get(4).name())
        .as("upgraded column order: the original six first").isEqualTo("LoadType");
    var carried = client.executeQuery("db", "MigrationConfiguration | where UpdatedBy == 'upgrade-from-original' "
        + "| summarize n = count() by SourceTable | where n > 1");
    assertThat(carried.getPrimaryResults().count()).as("tables carried forward twice").isZero();
    var r = client.executeQuery("db", "VwMigrationConfigurationState "
        + "| where SourceTable == 'DeviceTvmSoftwareInventory'").getPrimaryResults();
    assertThat(r.next()).isTrue();
    assertThat(r.getString("UpdatedBy")).isEqualTo("upgrade-from-original");
    assertThat(r.getString("LastRefreshedTimeInString")).startsWith("2025-05-01T00:00:00");
    var off = client.executeQuery("db", "VwMigrationConfigurationState "
        + "| where SourceTable == 'DeviceTvmCertificateInfo'").getPrimaryResults();
    assertThat(off.next()).isTrue();
    assertThat(off.getBooleanObject("IsActive")).as("switched off by the original's latest row").isFalse();
    var timestamp = client.executeQuery("db", "VwMigrationConfigurationState "
        + "| where SourceTable == 'DeviceTvmSecureConfigurationAssessment'").getPrimaryResults();
    assertThat(timestamp.next()).isTrue();
    assertThat(timestamp.getString("Notes")).contains("WatermarkColumn Timestamp is no longer used");

    // AND the original's view still answers with its columns first, in its order, and its meaning
    List<String> now = columns(client.executeQuery("db", "VwLatestMigrationConfiguration"));
    assertThat(now.subList(0, originalColumns.size())).isEqualTo(originalColumns);
    List<String> active = KustoClients.column(client.executeQuery("db", "VwLatestMigrationConfiguration"),
        "SourceTable");
    assertThat(active).hasSize(8).doesNotHaveDuplicates().doesNotContain("DeviceTvmCertificateInfo");
    var old = client.executeQuery("db", "VwLatestMigrationConfiguration | where SourceTable == "
        + "'DeviceTvmSoftwareInventory' | project SourceTable, IngestionTime, LastRefreshedTimeInString, LoadType")
        .getPrimaryResults();
    assertThat(old.next()).isTrue();
    assertThat(old.getString("LastRefreshedTimeInString")).isEqualTo("2025-05-01T00:00:00.0000000Z");
    assertThat(old.getString("LoadType")).isEqualTo("Incr");
    assertThat(old.getObject("IngestionTime")).isNotNull();
  }

  /** kql/upgrade-from-original.kql with its placeholder replaced, as the upgrade command applies it. */
  private static Path upgradeScript(String allowance) throws Exception {
    Path copy = Files.createTempFile("upgrade-from-original", ".kql");
    Files.writeString(copy, Files.readString(KQL.resolve("upgrade-from-original.kql"))
        .replace("{LateArrivalAllowance}", allowance));
    copy.toFile().deleteOnExit();
    return copy;
  }

  private static List<String> columns(com.microsoft.azure.kusto.data.KustoOperationResult r) {
    return java.util.Arrays.stream(r.getPrimaryResults().getColumns()).map(c -> c.getColumnName()).toList();
  }
}
