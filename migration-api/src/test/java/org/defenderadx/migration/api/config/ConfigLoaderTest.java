package org.defenderadx.migration.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.config.ConfigException;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.common.model.ApiFlavour;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  /** The file shipped in conf/, relative to this module when Maven runs the tests. */
  private static final Path SHIPPED = Path.of("..", "conf", "application.yaml");
  private static final Map<String, String> SECRETS = Map.of(
      "DEFENDER_CLIENT_SECRET", "defender-secret-value", "ADX_CLIENT_SECRET", "adx-secret-value");

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private MigrationSettings load(Path file, Map<String, String> env) throws Exception {
    try {
      return ConfigLoader.load(vertx, file, env).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  @Test
  void theShippedConfigurationIsValidOnceItsSecretsAreInTheEnvironment() throws Exception {
    MigrationSettings s = load(SHIPPED, SECRETS);

    assertThat(s.tenants()).hasSize(1);
    assertThat(s.tenants().get(0).api().flavour()).isEqualTo(ApiFlavour.GRAPH);
    assertThat(s.adx().database()).isEqualTo("DefenderArchive");
    assertThat(s.toString()).doesNotContain("defender-secret-value", "adx-secret-value");
  }

  @Test
  void environmentVariablesOverrideTheFile() throws Exception {
    Map<String, String> env = new java.util.HashMap<>(SECRETS);
    env.put("MIGRATION_ADX_DATABASE", "FromEnvironment");
    env.put("MIGRATION_TENANTS_0_API_CALLS_PER_MINUTE", "30");

    MigrationSettings s = load(SHIPPED, env);

    assertThat(s.adx().database()).isEqualTo("FromEnvironment");
    assertThat(s.tenants().get(0).api().callsPerMinute()).isEqualTo(30);
  }

  @Test
  void aMissingSecretStopsStartUpNamingTheKey() {
    assertThatThrownBy(() -> load(SHIPPED, Map.of("ADX_CLIENT_SECRET", "x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tenants[0].credential.clientSecretEnv: environment variable DEFENDER_CLIENT_SECRET is not set");
  }

  @Test
  void aBadValueInTheFileStopsStartUpWithItsPath(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("application.yaml");
    Files.writeString(file, Files.readString(SHIPPED).replace("settleLag: 5m", "settleLag: soon"));

    assertThatThrownBy(() -> load(file, SECRETS))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("migration.settleLag: 'soon' is not a duration");
  }

  @Test
  void aMissingFileIsReportedByPath(@TempDir Path dir) {
    assertThatThrownBy(() -> load(dir.resolve("nope.yaml"), SECRETS))
        .hasMessageContaining("configuration file not found")
        .hasMessageContaining("nope.yaml");
  }

  @Test
  void aKeyGivenTwiceIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
    // a second ops section further down would silently replace the first's token
    Path file = dir.resolve("application.yaml");
    Files.writeString(file, Files.readString(SHIPPED) + "\nops:\n  tokenEnv: ATTACKER_CHOSEN\n");

    assertThatThrownBy(() -> load(file, SECRETS))
        .hasMessageContaining("duplicate key ops");
  }
}
