package org.defenderadx.simulator.adx;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.azure.kusto.data.Client;
import io.vertx.core.Vertx;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.defenderadx.simulator.adx.store.Database;
import org.defenderadx.simulator.adx.store.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The original Python exporter's setup and seed scripts (frigatebird kql/), applied as a pair through the SDK. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OriginalScriptsTest {
  static final List<String> RAW_TABLES = List.of("DeviceTvmSoftwareInventoryRaw",
      "DeviceTvmSecureConfigurationAssessmentRaw", "DeviceTvmHardwareFirmwareRaw",
      "DeviceBaselineComplianceProfilesRaw", "DeviceBaselineComplianceAssessmentKBRaw",
      "DeviceBaselineComplianceAssessmentRaw", "DeviceTvmBrowserExtensionsRaw",
      "DeviceTvmSoftwareVulnerabilitiesRaw", "DeviceTvmCertificateInfoRaw");

  private static Vertx vertx;
  private static AdxStandIn adx;
  private static Client client;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    adx = AdxStandIn.start(vertx, new AdxStandInOptions()).await();
    client = KustoClients.client(adx);
  }

  @AfterAll
  static void stop() {
    adx.stop().await();
    vertx.close().await();
  }

  static Path script(String name) {
    try {
      return Paths.get(OriginalScriptsTest.class.getResource("/kql/original/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void setupScriptIsSentWholeAndSeedCommandsOneByOne() {
    assertThat(KqlScriptRunner.commands(read("TVMExportConfig.kql"))).hasSize(1);
    assertThat(KqlScriptRunner.commands(read("TVMExportConfigInsert.kql"))).hasSize(1)
        .allSatisfy(c -> assertThat(c).startsWith(".ingest inline into table MigrationConfiguration <|"));
  }

  @Test
  void setupAndSeedCreateTheOriginalSchemaAndConfigRowsAndSetupIsHarmlessTwice() {
    // WHEN the original setup runs twice and the seed once
    KqlScriptRunner.apply(client, "frigatebird_db", script("TVMExportConfig.kql"));
    KqlScriptRunner.apply(client, "frigatebird_db", script("TVMExportConfig.kql"));
    KqlScriptRunner.apply(client, "frigatebird_db", script("TVMExportConfigInsert.kql"));

    // THEN
    Database db = adx.database("frigatebird_db");
    assertThat(db.tables()).extracting(Table::name).containsAll(RAW_TABLES)
        .contains("MigrationConfiguration", "MigrationAuditLog").hasSize(11);
    for (String raw : RAW_TABLES) {
      Table t = db.tableNamed(raw);
      assertThat(t.folder()).isEqualTo("Raw");
      assertThat(t.mapping("json", "DynamicJsonMap")).hasValueSatisfying(m -> {
        assertThat(m.columns()).hasSize(1);
        assertThat(m.columns().get(0).column()).isEqualTo("Records");
        assertThat(m.columns().get(0).path().isRoot()).isTrue();
      });
    }
    assertThat(db.tableNamed("MigrationConfiguration").columns()).extracting(c -> c.name())
        .containsExactly("SourceTable", "DestinationTable", "WatermarkColumn", "LastRefreshedTime", "LoadType",
            "IsActive");
    assertThat(db.function("VwLatestMigrationConfiguration")).hasValueSatisfying(v -> {
      assertThat(v.view()).isTrue();
      assertThat(v.body()).contains("summarize arg_max(LastRefreshedTime, *) by SourceTable");
    });
    assertThat(db.principals()).extracting(p -> p.role()).containsExactly("users", "ingestors");

    List<java.util.Map<String, Object>> config = db.tableNamed("MigrationConfiguration").rowsAsMaps();
    assertThat(config).hasSize(9);
    assertThat(config.get(1)).containsEntry("SourceTable", "DeviceTvmSecureConfigurationAssessment")
        .containsEntry("WatermarkColumn", "Timestamp").containsEntry("LastRefreshedTime", null)
        .containsEntry("LoadType", "Full").containsEntry("IsActive", true);
  }

  private static String read(String name) {
    try {
      return java.nio.file.Files.readString(script(name));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
