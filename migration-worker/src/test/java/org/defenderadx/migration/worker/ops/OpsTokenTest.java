package org.defenderadx.migration.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.defenderadx.migration.common.config.ConfigKeys;
import org.defenderadx.migration.common.config.SecretResolver;
import org.defenderadx.migration.common.config.SettingsParser;
import org.junit.jupiter.api.Test;

class OpsTokenTest {

  private static OpsToken token(String value) {
    Map<String, Object> root = new java.util.LinkedHashMap<>();
    root.put("tenants", java.util.List.of(Map.of("tenantId", "t", "credential", Map.of("kind", "none"))));
    root.put("adx", Map.of("clusterUrl", "http://127.0.0.1:1", "database", "db", "credential", Map.of("kind", "none")));
    SecretResolver env = new SecretResolver() {
      @Override
      public Optional<String> env(String name) {
        return name.equals(ConfigKeys.OPS_TOKEN_DEFAULT_ENV) ? Optional.ofNullable(value) : Optional.empty();
      }

      @Override
      public Optional<String> file(String path) {
        return Optional.empty();
      }
    };
    return new OpsToken(SettingsParser.parse(root, env).ops().token());
  }

  @Test
  void onlyTheExactTokenMatches() {
    OpsToken t = token("correct horse");
    assertThat(t.configured()).isTrue();
    assertThat(t.matches("correct horse")).isTrue();
    assertThat(t.matches("correct hors")).isFalse();
    assertThat(t.matches("correct horse ")).isFalse();
    assertThat(t.matches("")).isFalse();
    assertThat(t.matches(null)).isFalse();
  }

  @Test
  void withNoTokenConfiguredNothingMatches() {
    OpsToken t = token(null);
    assertThat(t.configured()).isFalse();
    assertThat(t.matches("")).isFalse();
    assertThat(t.matches("anything")).isFalse();
  }
}
