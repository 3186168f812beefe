package org.defenderadx.migration.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvironmentOverridesTest {

  @Test
  void overridesANestedKeyByItsUpperSnakeCasePath() {
    Map<String, Object> tree = SettingsParserTest.minimal();

    Map<String, Object> out = EnvironmentOverrides.apply(tree, Map.of(
        "MIGRATION_ADX_DATABASE", "Other", "MIGRATION_ADX_CLUSTER_URL", "https://c2.kusto.windows.net"));

    assertThat(SettingsParserTest.section(out, "adx"))
        .containsEntry("database", "Other")
        .containsEntry("clusterUrl", "https://c2.kusto.windows.net");
    assertThat(SettingsParserTest.section(tree, "adx")).containsEntry("database", "DefenderArchive");
  }

  @Test
  void setsKeysTheFileDoesNotSpellOut() {
    Map<String, Object> out = EnvironmentOverrides.apply(SettingsParserTest.minimal(), Map.of(
        "MIGRATION_MIGRATION_SETTLE_LAG", "10m", "MIGRATION_TENANTS_0_API_BASE_URL", "http://localhost:9000"));

    assertThat(SettingsParserTest.section(out, "migration")).containsEntry("settleLag", "10m");
    assertThat(SettingsParserTest.section(out, "tenants", "0", "api")).containsEntry("baseUrl", "http://localhost:9000");
  }

  @Test
  void addsATenantAtTheNextIndex() {
    Map<String, Object> out = EnvironmentOverrides.apply(SettingsParserTest.minimal(), Map.of(
        "MIGRATION_TENANTS_1_KEY", "fabrikam", "MIGRATION_TENANTS_1_TENANT_ID", "t2"));

    assertThat(SettingsParserTest.section(out, "tenants", "1"))
        .containsEntry("key", "fabrikam").containsEntry("tenantId", "t2");
  }

  @Test
  void splitsListValuesOnCommas() {
    Map<String, Object> out = EnvironmentOverrides.apply(SettingsParserTest.minimal(), Map.of(
        "MIGRATION_CLUSTER_MEMBERS", "10.0.0.1:5701, 10.0.0.2:5701"));

    assertThat(SettingsParserTest.section(out, "cluster").get("members"))
        .isEqualTo(List.of("10.0.0.1:5701", "10.0.0.2:5701"));
  }

  @Test
  void ignoresOtherVariablesAndRejectsUnknownMigrationOnes() {
    assertThat(EnvironmentOverrides.apply(SettingsParserTest.minimal(), Map.of("PATH", "/bin")))
        .isEqualTo(SettingsParserTest.minimal());
    assertThatThrownBy(() -> EnvironmentOverrides.apply(SettingsParserTest.minimal(), Map.of("MIGRATION_ADX_DATABSE", "x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MIGRATION_ADX_DATABSE: matches no configuration key");
  }

  @Test
  void setsClusterTimingsAndEventBusTlsFilesFromTheEnvironment() {
    Map<String, Object> out = EnvironmentOverrides.apply(SettingsParserTest.minimal(), Map.of(
        "MIGRATION_CLUSTER_TABLE_LEASE_TTL", "20s", "MIGRATION_CLUSTER_TLS_KEY_FILE", "/run/secrets/node.key",
        "MIGRATION_CLUSTER_HAZELCAST_CONFIG", "/etc/cluster.xml"));

    assertThat(SettingsParserTest.section(out, "cluster")).containsEntry("tableLeaseTtl", "20s")
        .containsEntry("hazelcastConfig", "/etc/cluster.xml");
    assertThat(SettingsParserTest.section(out, "cluster", "tls")).containsEntry("keyFile", "/run/secrets/node.key");
  }
}
