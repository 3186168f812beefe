package org.defenderadx.migration.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.defenderadx.migration.common.model.ApiFlavour;
import org.junit.jupiter.api.Test;

class SettingsParserTest {

  private static final String SECRET_VALUE = "s3cr3t-value-never-printed";

  private final SecretResolver secrets = new SecretResolver() {
    @Override
    public Optional<String> env(String name) {
      return name.equals("DEFENDER_SECRET") || name.equals("ADX_SECRET") ? Optional.of(SECRET_VALUE) : Optional.empty();
    }

    @Override
    public Optional<String> file(String path) {
      return path.equals("/run/secrets/x") ? Optional.of("from-file") : Optional.empty();
    }
  };

  static Map<String, Object> minimal() {
    Map<String, Object> credential = new LinkedHashMap<>(Map.of(
        "kind", "client-secret", "clientId", "11111111-1111-1111-1111-111111111111", "clientSecretEnv", "DEFENDER_SECRET"));
    Map<String, Object> tenant = new LinkedHashMap<>(Map.of(
        "key", "", "tenantId", "22222222-2222-2222-2222-222222222222", "credential", credential));
    Map<String, Object> adxCredential = new LinkedHashMap<>(Map.of(
        "kind", "client-secret", "clientId", "33333333-3333-3333-3333-333333333333", "clientSecretEnv", "ADX_SECRET"));
    Map<String, Object> adx = new LinkedHashMap<>(Map.of(
        "clusterUrl", "https://mycluster.westeurope.kusto.windows.net", "database", "DefenderArchive",
        "tenantId", "22222222-2222-2222-2222-222222222222", "credential", adxCredential));
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("tenants", new ArrayList<>(List.of(tenant)));
    root.put("adx", adx);
    return root;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> section(Map<String, Object> root, String... path) {
    Object node = root;
    for (String p : path) {
      if (node instanceof List<?> l) {
        node = l.get(Integer.parseInt(p));
      } else {
        Map<String, Object> m = (Map<String, Object>) node;
        node = m.computeIfAbsent(p, k -> new LinkedHashMap<String, Object>());
      }
    }
    return (Map<String, Object>) node;
  }

  @Test
  void appliesDocumentedDefaultsToAMinimalConfiguration() {
    MigrationSettings s = SettingsParser.parse(minimal(), secrets);

    TenantConfig t = s.tenants().get(0);
    assertThat(t.api().flavour()).isEqualTo(ApiFlavour.GRAPH);
    assertThat(t.api().huntingUrl()).hasToString("https://graph.microsoft.com/v1.0/security/runHuntingQuery");
    assertThat(t.api().scope()).isEqualTo("https://graph.microsoft.com/.default");
    assertThat(t.api().callsPerMinute()).isEqualTo(45);
    assertThat(t.api().callsPerHour()).isEqualTo(1500);
    assertThat(t.authorityHost()).hasToString("https://login.microsoftonline.com");
    assertThat(s.adx().ingestUrl()).hasToString("https://ingest-mycluster.westeurope.kusto.windows.net");
    assertThat(s.adx().ingestionMode()).isEqualTo(IngestionMode.QUEUED);
    assertThat(s.adx().maxInFlightBytes()).isEqualTo(512_000_000L);
    assertThat(s.migration().rowCap()).isEqualTo(100_000);
    assertThat(s.migration().byteCap()).isEqualTo(50_000_000L);
    assertThat(s.migration().settleLag()).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.migration().initialLookback()).isEqualTo(Duration.ofDays(30));
    assertThat(s.migration().windowGrid()).isEqualTo(Duration.ofHours(1));
    assertThat(s.migration().maxRowSize()).isEqualTo(16_000_000L);
    assertThat(s.migration().maxServiceWait()).isEqualTo(Duration.ofMinutes(15));
    assertThat(s.migration().maxCommitBatch()).isEqualTo(32);
    assertThat(s.migration().closeWait()).isEqualTo(Duration.ofMinutes(10));
    assertThat(s.cluster().enabled()).isFalse();
    assertThat(s.http().port()).isEqualTo(8080);
    assertThat(s.http().token()).as("the ops HTTP endpoints are open unless a token is configured").isEmpty();
  }

  @Test
  void theOpsHttpTokenIsASecretFromTheEnvironmentOrAFile() {
    Map<String, Object> fromEnv = minimal();
    section(fromEnv, "http").put("tokenEnv", "ADX_SECRET");
    assertThat(SettingsParser.parse(fromEnv, secrets).http().token()).hasValueSatisfying(
        t -> assertThat(t.reveal()).isEqualTo(SECRET_VALUE));

    Map<String, Object> fromFile = minimal();
    section(fromFile, "http").put("tokenFile", "/run/secrets/x");
    assertThat(SettingsParser.parse(fromFile, secrets).http().token()).hasValueSatisfying(
        t -> assertThat(t.reveal()).isEqualTo("from-file"));

    Map<String, Object> unset = minimal();
    section(unset, "http").put("tokenEnv", "NOT_SET");
    assertThatThrownBy(() -> SettingsParser.parse(unset, secrets)).hasMessageContaining("http.tokenEnv")
        .hasMessageContaining("NOT_SET is not set");
  }

  @Test
  void theRowLimitFitsInTheByteCap() {
    Map<String, Object> small = minimal();
    section(small, "migration").put("byteCap", "1MB");
    assertThat(SettingsParser.parse(small, secrets).migration().maxRowSize()).isEqualTo(1_000_000L);

    Map<String, Object> tooLarge = minimal();
    section(tooLarge, "migration").put("maxRowSize", "60MB");
    assertThatThrownBy(() -> SettingsParser.parse(tooLarge, secrets)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("migration.maxRowSize").hasMessageContaining("migration.byteCap");
  }

  @Test
  void theLongestServiceWaitIsBounded() {
    Map<String, Object> root = minimal();
    section(root, "migration").put("maxServiceWait", "5m");
    assertThat(SettingsParser.parse(root, secrets).migration().maxServiceWait()).isEqualTo(Duration.ofMinutes(5));

    section(root, "migration").put("maxServiceWait", "30d");
    assertThatThrownBy(() -> SettingsParser.parse(root, secrets)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("migration.maxServiceWait");
  }

  @Test
  void theWaitForTheNextCloseIsZeroToAnHour() {
    Map<String, Object> off = minimal();
    section(off, "migration").put("closeWait", "0s");
    assertThat(SettingsParser.parse(off, secrets).migration().closeWait()).isZero();

    Map<String, Object> tooLong = minimal();
    section(tooLong, "migration").put("closeWait", "2h");
    assertThatThrownBy(() -> SettingsParser.parse(tooLong, secrets)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("migration.closeWait");
  }

  @Test
  void theCommitBatchIsBetweenOneWindowAndTwoHundredFiftySix() {
    Map<String, Object> alone = minimal();
    section(alone, "migration").put("maxCommitBatch", 1);
    assertThat(SettingsParser.parse(alone, secrets).migration().maxCommitBatch()).isEqualTo(1);

    for (int bad : new int[] {0, 257}) {
      Map<String, Object> root = minimal();
      section(root, "migration").put("maxCommitBatch", bad);
      assertThatThrownBy(() -> SettingsParser.parse(root, secrets)).isInstanceOf(ConfigException.class)
          .hasMessageContaining("migration.maxCommitBatch");
    }
  }

  @Test
  void legacyFlavoursGetTheirOwnEndpointsAndScopes() {
    Map<String, Object> root = minimal();
    section(root, "tenants", "0", "api").put("flavour", "MDE");

    TenantConfig t = SettingsParser.parse(root, secrets).tenants().get(0);

    assertThat(t.api().huntingUrl()).hasToString("https://api.securitycenter.microsoft.com/api/advancedqueries/run");
    assertThat(t.api().scope()).isEqualTo("https://api.securitycenter.microsoft.com/.default");
  }

  @Test
  void reportsEveryBadValueWithItsKeyPath() {
    Map<String, Object> root = minimal();
    section(root, "migration").put("settleLag", "five minutes");
    section(root, "migration").put("rowCap", "200000");
    section(root, "migration").put("windowGrid", "7m");
    section(root, "migration").put("initialLookback", "45d");
    section(root, "adx").put("ingestionMode", "carrier-pigeon");
    section(root, "tenants", "0", "api").put("flavour", "sentinel");

    assertThatThrownBy(() -> SettingsParser.parse(root, secrets))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .anySatisfy(p -> assertThat(p).startsWith("migration.settleLag: ").contains("five minutes"))
            .anySatisfy(p -> assertThat(p).startsWith("migration.rowCap: ").contains("200000"))
            .anySatisfy(p -> assertThat(p).startsWith("migration.windowGrid: ").contains("divide a day"))
            .anySatisfy(p -> assertThat(p).startsWith("migration.initialLookback: "))
            .anySatisfy(p -> assertThat(p).startsWith("adx.ingestionMode: ").contains("carrier-pigeon"))
            .anySatisfy(p -> assertThat(p).startsWith("tenants[0].api.flavour: ").contains("sentinel"))
            .hasSize(6));
  }

  @Test
  void theInFlightBudgetMustHoldAtLeastOneBlob() {
    Map<String, Object> root = minimal();
    section(root, "adx").put("blobTargetSize", "100MB");
    section(root, "adx").put("maxInFlightSize", "64MB");

    assertThatThrownBy(() -> SettingsParser.parse(root, secrets))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
            .satisfies(p -> assertThat(p).startsWith("adx.maxInFlightSize: ").contains("blobTargetSize")));

    section(root, "adx").put("maxInFlightSize", "1GB");
    assertThat(SettingsParser.parse(root, secrets).adx().maxInFlightBytes()).isEqualTo(1_000_000_000L);
  }

  @Test
  void typedTablesAreOnByDefaultAndRetentionIsPerTableOverDefaults() {
    TablePolicies standard = SettingsParser.parse(minimal(), secrets).adx().tablePolicies();
    assertThat(standard.typedTables()).isTrue();
    assertThat(standard.of("DeviceInfo")).isEqualTo(TablePolicies.Policies.NONE);

    Map<String, Object> root = minimal();
    section(root, "adx").put("typedTables", "false");
    section(root, "adx", "retention").put("raw", "400d");
    section(root, "adx", "retention").put("typedHotCache", "31d");
    section(root, "adx", "retention", "tables", "DeviceTvmSoftwareVulnerabilities").put("typed", "730d");
    TablePolicies p = SettingsParser.parse(root, secrets).adx().tablePolicies();
    assertThat(p.typedTables()).isFalse();
    assertThat(p.of("DeviceInfo").rawRetention()).contains(Duration.ofDays(400));
    assertThat(p.of("DeviceInfo").typedRetention()).isEmpty();
    assertThat(p.of("DeviceTvmSoftwareVulnerabilities").typedRetention()).contains(Duration.ofDays(730));
    assertThat(p.of("DeviceTvmSoftwareVulnerabilities").rawRetention()).contains(Duration.ofDays(400));
    assertThat(p.of("DeviceTvmSoftwareVulnerabilities").typedHotCache()).contains(Duration.ofDays(31));
  }

  @Test
  void aRawRetentionShorterThanWhatVerifyAndRepairReadIsRefused() {
    Map<String, Object> root = minimal();
    section(root, "adx", "retention").put("raw", "7d");
    section(root, "adx", "retention", "tables", "Bad-Name").put("typed", "1d");
    section(root, "adx", "retention", "tables", "DeviceInfo").put("raww", "90d");

    assertThatThrownBy(() -> SettingsParser.parse(root, secrets))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .anySatisfy(x -> assertThat(x).startsWith("adx.retention.raw: ").contains("31d", "verify and repair"))
            .anySatisfy(x -> assertThat(x).startsWith("adx.retention.tables.Bad-Name: "))
            .anySatisfy(x -> assertThat(x).startsWith("adx.retention.tables.DeviceInfo.raww: unknown key"))
            .hasSize(3));
  }

  @Test
  void rejectsUnknownKeysSoThatTyposDoNotFallBackToDefaults() {
    Map<String, Object> root = minimal();
    section(root, "adx").put("databse", "Typo");

    assertThatThrownBy(() -> SettingsParser.parse(root, secrets))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("adx.databse: unknown key");
  }

  @Test
  void requiresTheSecretToBeFoundWhereTheConfigurationSays() {
    Map<String, Object> root = minimal();
    section(root, "tenants", "0", "credential").put("clientSecretEnv", "NOT_SET_ANYWHERE");

    assertThatThrownBy(() -> SettingsParser.parse(root, secrets))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tenants[0].credential.clientSecretEnv: environment variable NOT_SET_ANYWHERE is not set");
  }

  @Test
  void readsSecretsFromFiles() {
    Map<String, Object> root = minimal();
    Map<String, Object> credential = section(root, "tenants", "0", "credential");
    credential.remove("clientSecretEnv");
    credential.put("clientSecretFile", "/run/secrets/x");

    Secret secret = SettingsParser.parse(root, secrets).tenants().get(0).credential().clientSecret().orElseThrow();

    assertThat(secret.reveal()).isEqualTo("from-file");
    assertThat(secret.origin()).isEqualTo("file /run/secrets/x");
  }

  @Test
  void neverPrintsSecretsInToString() {
    MigrationSettings s = SettingsParser.parse(minimal(), secrets);

    assertThat(s.toString()).doesNotContain(SECRET_VALUE).contains("Secret(env DEFENDER_SECRET)");
    assertThat(s.tenants().get(0).credential().clientSecret().orElseThrow().reveal()).isEqualTo(SECRET_VALUE);
  }

  @Test
  void neverPrintsResolvedSecretsInErrors() {
    Map<String, Object> root = minimal();
    section(root, "migration").put("rowCap", "0");
    section(root, "adx").put("databse", "typo");

    assertThatThrownBy(() -> SettingsParser.parse(root, secrets))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).contains("migration.rowCap").doesNotContain(SECRET_VALUE));
  }

  @Test
  void aLoopbackLookalikeNameIsNotLoopback() {
    Map<String, Object> root = minimal();
    section(root, "tenants", "0", "api").put("baseUrl", "http://127.attacker.example");
    section(root, "adx").put("clusterUrl", "http://127.0.0.1:8082");

    assertThatThrownBy(() -> SettingsParser.parse(root, secrets))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
            "tenants[0].api.baseUrl: 'http://127.attacker.example' uses plain http; only local simulators "
                + "(localhost, 127.0.0.1) may"));
  }

  @Test
  void aSecretPastedIntoClientSecretEnvIsNotEchoed() {
    Map<String, Object> root = minimal();
    String pasted = "Xy8Q~fake.secret-value_that/looks+like~one";
    section(root, "tenants", "0", "credential").put("clientSecretEnv", pasted);

    assertThatThrownBy(() -> SettingsParser.parse(root, secrets))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).contains("clientSecretEnv must name an environment variable")
            .doesNotContain(pasted).doesNotContain("Xy8Q"));
  }

  @Test
  void refusesPlainHttpExceptOnLoopback() {
    Map<String, Object> root = minimal();
    section(root, "tenants", "0", "api").put("baseUrl", "http://defender.example.com");
    section(root, "adx").put("clusterUrl", "http://localhost:8082");

    assertThatThrownBy(() -> SettingsParser.parse(root, secrets))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .containsExactly("tenants[0].api.baseUrl: 'http://defender.example.com' uses plain http; only local "
                + "simulators (localhost, 127.0.0.1) may"));
  }

  @Test
  void aLocalStandInServesIngestionOnTheSameUrl() {
    Map<String, Object> root = minimal();
    section(root, "adx").put("clusterUrl", "http://localhost:8082");

    assertThat(SettingsParser.parse(root, secrets).adx().ingestUrl()).hasToString("http://localhost:8082");
  }

  @Test
  void tenantKeysMustBeUnique() {
    Map<String, Object> root = minimal();
    @SuppressWarnings("unchecked")
    List<Object> tenants = (List<Object>) root.get("tenants");
    tenants.add(new LinkedHashMap<>(section(root, "tenants", "0")));

    assertThatThrownBy(() -> SettingsParser.parse(root, secrets))
        .hasMessageContaining("tenants[1].key: '' is used by two tenants");
  }

  @Test
  void requiresAtLeastOneTenantAndTheAdxSection() {
    Map<String, Object> root = new LinkedHashMap<>();

    assertThatThrownBy(() -> SettingsParser.parse(root, secrets))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .contains("tenants: at least one tenant is required", "adx: is required"));
  }

  @Test
  void parsesDurationAndSizeForms() {
    assertThat(ConfigValues.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(ConfigValues.parseDuration("PT5M")).isEqualTo(Duration.ofMinutes(5));
    assertThat(ConfigValues.parseDuration("30d")).isEqualTo(Duration.ofDays(30));
    assertThat(ConfigValues.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(ConfigValues.parseSize("1MiB")).isEqualTo(1_048_576L);
    assertThat(ConfigValues.parseSize("50MB")).isEqualTo(50_000_000L);
    assertThat(ConfigValues.parseSize("1000")).isEqualTo(1000L);
    assertThatThrownBy(() -> ConfigValues.parseSize("lots")).hasMessageContaining("'lots' is not a size");
  }

  @Test
  void clusterTimingsDefaultToSecondsAndBoundATakeover() {
    ClusterConfig c = SettingsParser.parse(minimal(), secrets).cluster();

    assertThat(c.heartbeat()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.memberTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.leaseTtl()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.tableLeaseTtl()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.hazelcastConfig()).isEmpty();
    assertThat(c.eventBusTls().enabled()).isFalse();
  }

  @Test
  void readsTheClusterSectionIncludingEventBusTls() {
    Map<String, Object> root = minimal();
    Map<String, Object> cluster = section(root, "cluster");
    cluster.put("enabled", "true");
    cluster.put("name", "prod-migration");
    cluster.put("members", List.of("10.0.0.5:5701", "10.0.0.6"));
    cluster.put("hazelcastConfig", "/etc/migration/cluster.xml");
    cluster.put("heartbeat", "1s");
    cluster.put("memberTimeout", "5s");
    cluster.put("leaseTtl", "4s");
    cluster.put("tableLeaseTtl", "30s");
    cluster.put("eventBusPort", "5702");
    section(root, "cluster", "tls").putAll(Map.of("enabled", "true", "keyFile", "/run/secrets/node.key",
        "certFile", "/run/secrets/node.crt", "caFile", "/run/secrets/ca.crt"));

    ClusterConfig c = SettingsParser.parse(root, secrets).cluster();

    assertThat(c.enabled()).isTrue();
    assertThat(c.name()).isEqualTo("prod-migration");
    assertThat(c.members()).containsExactly("10.0.0.5:5701", "10.0.0.6");
    assertThat(c.hazelcastConfig()).contains("/etc/migration/cluster.xml");
    assertThat(c.heartbeat()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.memberTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.leaseTtl()).isEqualTo(Duration.ofSeconds(4));
    assertThat(c.tableLeaseTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.eventBusPort()).isEqualTo(5702);
    assertThat(c.eventBusTls()).isEqualTo(new ClusterConfig.EventBusTls(true, "/run/secrets/node.key",
        "/run/secrets/node.crt", "/run/secrets/ca.crt"));
  }

  @Test
  void aNodeCoordinatesAndExportsUnlessItsRolesSayOtherwise() {
    assertThat(SettingsParser.parse(minimal(), secrets).cluster().roles())
        .containsExactlyInAnyOrder(ClusterConfig.NodeRole.COORDINATOR, ClusterConfig.NodeRole.EXPORTER);

    Map<String, Object> root = minimal();
    section(root, "cluster").put("roles", List.of("exporter"));
    ClusterConfig exporterOnly = SettingsParser.parse(root, secrets).cluster();
    assertThat(exporterOnly.roles()).containsExactly(ClusterConfig.NodeRole.EXPORTER);
    assertThat(exporterOnly.has(ClusterConfig.NodeRole.COORDINATOR)).isFalse();

    Map<String, Object> bad = minimal();
    section(bad, "cluster").put("roles", List.of("coordinator", "ingestor"));
    assertThatThrownBy(() -> SettingsParser.parse(bad, secrets))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .anySatisfy(p -> assertThat(p).startsWith("cluster.roles[1]: ").contains("'ingestor' is not a role")));
  }

  @Test
  void rejectsClusterTimingsThatCannotBoundATakeover() {
    Map<String, Object> root = minimal();
    Map<String, Object> cluster = section(root, "cluster");
    cluster.put("heartbeat", "1500ms");
    cluster.put("leaseTtl", "2s");
    cluster.put("memberTimeout", "1h");
    cluster.put("tableLeaseTtl", "1s");
    cluster.put("name", "has spaces");
    section(root, "cluster", "tls").put("enabled", "true");

    assertThatThrownBy(() -> SettingsParser.parse(root, secrets))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .anySatisfy(p -> assertThat(p).startsWith("cluster.heartbeat: ").contains("whole seconds"))
            .anySatisfy(p -> assertThat(p).startsWith("cluster.memberTimeout: ").contains("1h is outside"))
            .anySatisfy(p -> assertThat(p).startsWith("cluster.tableLeaseTtl: ").contains("1s is outside"))
            .anySatisfy(p -> assertThat(p).startsWith("cluster.name: "))
            .anySatisfy(p -> assertThat(p).startsWith("cluster.tls.keyFile: "))
            .anySatisfy(p -> assertThat(p).startsWith("cluster.tls.certFile: "))
            .anySatisfy(p -> assertThat(p).startsWith("cluster.tls.caFile: ")));
  }

  @Test
  void aCoordinatorLeaseShorterThanTwoHeartbeatsIsRefused() {
    Map<String, Object> root = minimal();
    section(root, "cluster").put("heartbeat", "5s");
    section(root, "cluster").put("leaseTtl", "8s");

    assertThatThrownBy(() -> SettingsParser.parse(root, secrets))
        .hasMessageContaining("cluster.leaseTtl: 8s must be at least two heartbeats (10s)");
  }
}
