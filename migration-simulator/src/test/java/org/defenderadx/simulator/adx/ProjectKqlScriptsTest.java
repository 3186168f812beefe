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
    KqlScriptRunner.apply(client, "db", OriginalScriptsTest.script("TVMExportConfig.kql"));
    KqlScriptRunner.apply(client, "db", OriginalScriptsTest.script("TVMExportConfigInsert.kql"));
    client.executeMgmt("db", ".set-or-append MigrationConfiguration <| MigrationConfiguration "
        + "| where SourceTable == 'DeviceTvmSoftwareInventory' | extend LastRefreshedTime = datetime(2025-05-01)");
    for (int i = 0; i < 2; i++) {
      KqlScriptRunner.apply(client, "db", KQL.resolve("setup.kql"));
      KqlScriptRunner.apply(client, "db", KQL.resolve("upgrade-from-original.kql"));
    }
    assertThat(adx.database("db").tableNamed("MigrationConfiguration").columns().get(4).name())
        .as("upgraded column order: the original six first").isEqualTo("LoadType");
    var r = client.executeQuery("db", "VwLatestMigrationConfiguration "
        + "| where SourceTable == 'DeviceTvmSoftwareInventory'").getPrimaryResults();
    assertThat(r.next()).isTrue();
    assertThat(r.getLong("Version")).isEqualTo(1);
    assertThat(r.getString("LastRefreshedTimeInString")).startsWith("2025-05-01T00:00:00");
    assertThat(KustoClients.column(client.executeQuery("db", "VwLatestMigrationConfiguration"), "SourceTable"))
        .hasSize(9).doesNotHaveDuplicates();
  }
}
