package org.defenderadx.migration.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The ops token: a secret from the environment or a file, never a configuration override, never printed. */
class OpsConfigTest {

  private static SecretResolver resolver(Map<String, String> env) {
    return new SecretResolver() {
      @Override
      public Optional<String> env(String name) {
        return Optional.ofNullable(env.get(name));
      }

      @Override
      public Optional<String> file(String path) {
        return path.equals("/run/secrets/ops") ? Optional.of("from-file") : Optional.empty();
      }
    };
  }

  private static Map<String, String> baseEnv(String... more) {
    java.util.HashMap<String, String> env = new java.util.HashMap<>(Map.of("DEFENDER_SECRET", "a", "ADX_SECRET", "b"));
    for (int i = 0; i < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return env;
  }

  @Test
  void withoutAnOpsSectionOrTheConventionalVariableThereIsNoToken() {
    MigrationSettings s = SettingsParser.parse(SettingsParserTest.minimal(), resolver(baseEnv()));
    assertThat(s.ops().token()).isEmpty();
  }

  @Test
  void theConventionalVariableIsReadAsASecretAndNeverPrinted() {
    MigrationSettings s = SettingsParser.parse(SettingsParserTest.minimal(),
        resolver(baseEnv(ConfigKeys.OPS_TOKEN_DEFAULT_ENV, "tok-123")));
    assertThat(s.ops().token()).hasValueSatisfying(t -> {
      assertThat(t.reveal()).isEqualTo("tok-123");
      assertThat(t.toString()).doesNotContain("tok-123").contains(ConfigKeys.OPS_TOKEN_DEFAULT_ENV);
    });
    assertThat(s.toString()).doesNotContain("tok-123");
  }

  @Test
  void tokenEnvAndTokenFileNameWhereTheTokenIs() {
    Map<String, Object> root = SettingsParserTest.minimal();
    SettingsParserTest.section(root, "ops").put("tokenEnv", "MY_OPS");
    assertThat(SettingsParser.parse(root, resolver(baseEnv("MY_OPS", "x"))).ops().token().map(Secret::reveal))
        .contains("x");

    Map<String, Object> fromFile = SettingsParserTest.minimal();
    SettingsParserTest.section(fromFile, "ops").put("tokenFile", "/run/secrets/ops");
    assertThat(SettingsParser.parse(fromFile, resolver(baseEnv())).ops().token().map(Secret::reveal))
        .contains("from-file");
  }

  @Test
  void aNamedVariableThatIsNotSetStopsStartUpWithTheKey() {
    Map<String, Object> root = SettingsParserTest.minimal();
    SettingsParserTest.section(root, "ops").put("tokenEnv", "MY_OPS");
    assertThatThrownBy(() -> SettingsParser.parse(root, resolver(baseEnv())))
        .hasMessageContaining("ops.tokenEnv").hasMessageContaining("MY_OPS");
  }

  @Test
  void theTokenVariableIsNotTakenForAConfigurationOverride() {
    Map<String, Object> out = EnvironmentOverrides.apply(SettingsParserTest.minimal(),
        Map.of(ConfigKeys.OPS_TOKEN_DEFAULT_ENV, "tok-123"));
    assertThat(out).doesNotContainKey("ops");
    assertThatThrownBy(() -> EnvironmentOverrides.apply(SettingsParserTest.minimal(), Map.of("MIGRATION_OPS_TOKN", "x")))
        .hasMessageContaining("MIGRATION_OPS_TOKN");
  }
}
