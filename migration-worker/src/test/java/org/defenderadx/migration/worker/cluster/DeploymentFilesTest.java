package org.defenderadx.migration.worker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.KubernetesConfig;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The Kubernetes manifests are not deployed by CI, but what they hand the node is checked here: the ConfigMap's
 * application.yaml passes the node's validation with the environment the Deployment gives it, its cluster.xml turns
 * into a Hazelcast configuration with Kubernetes discovery through the headless Service, and the paths agree.
 */
class DeploymentFilesTest {

  private static final Path K8S = Path.of("..", "deploy", "kubernetes");

  @TempDir
  Path dir;

  @Test
  void theConfigMapIsAValidConfigurationWithKubernetesDiscoveryThroughTheHeadlessService() throws Exception {
    Map<String, Object> configMap = yaml("configmap.yaml");
    @SuppressWarnings("unchecked")
    Map<String, String> data = (Map<String, String>) configMap.get("data");
    Path application = Files.writeString(dir.resolve("application.yaml"), data.get("application.yaml"));
    Path clusterXml = Files.writeString(dir.resolve("cluster.xml"), data.get("cluster.xml"));
    assertThat(data.get("application.yaml")).contains("hazelcastConfig: /app/conf/k8s/cluster.xml");

    // The environment the Deployment sets (the pod IP) and the Secret provides; the XML from where the test put it.
    Map<String, String> env = Map.of("MIGRATION_CLUSTER_HOST", "10.0.0.5",
        "MIGRATION_CLUSTER_HAZELCAST_CONFIG", clusterXml.toString(),
        "DEFENDER_CLIENT_SECRET", "s", "ADX_CLIENT_SECRET", "s", "MIGRATION_OPS_TOKEN", "t", "OPS_HTTP_TOKEN", "h");
    Vertx vertx = Vertx.vertx();
    MigrationSettings settings;
    try {
      settings = ConfigLoader.load(vertx, application, env).await(30, TimeUnit.SECONDS);
    } finally {
      vertx.close();
    }
    assertThat(settings.cluster().enabled()).isTrue();
    assertThat(settings.cluster().host()).isEqualTo("10.0.0.5");
    assertThat(settings.http().host()).isEqualTo("0.0.0.0");
    assertThat(settings.http().token()).as("the ops HTTP data needs a token").isPresent();
    assertThat(settings.cluster().eventBusTls().enabled()).as("event-bus TLS on").isTrue();
    assertThat(List.of(settings.cluster().eventBusTls().keyFile(), settings.cluster().eventBusTls().certFile(),
        settings.cluster().eventBusTls().caFile())).containsExactly("/app/tls/tls.key", "/app/tls/tls.crt",
        "/app/tls/ca.crt");

    Config hazelcast = ClusterSetup.hazelcastConfig(settings.cluster());
    KubernetesConfig kubernetes = hazelcast.getNetworkConfig().getJoin().getKubernetesConfig();
    assertThat(kubernetes.isEnabled()).isTrue();
    assertThat(hazelcast.getNetworkConfig().getJoin().getTcpIpConfig().isEnabled()).isFalse();
    String serviceName = (String) ((Map<?, ?>) yaml("service.yaml").get("metadata")).get("name");
    assertThat(kubernetes.getProperty("service-dns")).startsWith(serviceName + ".migration.svc");
  }

  @Test
  void theDeploymentMountsTheConfigMapWhereItsArgumentsAndTheConfigurationLook() throws Exception {
    String deployment = Files.readString(K8S.resolve("deployment.yaml"));
    assertThat(deployment).contains("mountPath: /app/conf/k8s").contains("\"/app/conf/k8s/application.yaml\"")
        .contains("/health/live").contains("/health/ready").contains("name: MIGRATION_CLUSTER_HOST");
    assertThat(yaml("service.yaml").get("spec").toString()).contains("clusterIP=None")
        .contains("publishNotReadyAddresses=true");
    assertThat(List.of("DEFENDER_CLIENT_SECRET", "ADX_CLIENT_SECRET", "MIGRATION_OPS_TOKEN", "OPS_HTTP_TOKEN"))
        .allSatisfy(k -> assertThat(Files.readString(K8S.resolve("secret.example.yaml"))).contains(k));
  }

  @Test
  @SuppressWarnings("unchecked")
  void theEventBusTlsMaterialIsMountedFromTheSecretTheExampleNames() throws Exception {
    String deployment = Files.readString(K8S.resolve("deployment.yaml"));
    Map<String, Object> secret = yaml("secret-tls.example.yaml");
    String name = (String) ((Map<?, ?>) secret.get("metadata")).get("name");
    assertThat(deployment).contains("mountPath: /app/tls").contains("secretName: " + name);
    assertThat(((Map<String, ?>) secret.get("stringData")).keySet()).containsExactlyInAnyOrder("tls.key", "tls.crt",
        "ca.crt");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theNetworkPolicyAdmitsClusterPortsFromTheNodesAndOpsPodsAndHttpFromMonitoringOnly() throws Exception {
    Map<String, Object> policy = yaml("networkpolicy.yaml");
    assertThat(policy.get("kind")).isEqualTo("NetworkPolicy");
    Map<String, Object> spec = (Map<String, Object>) policy.get("spec");
    assertThat(spec.get("podSelector").toString()).isEqualTo("{matchLabels={app=defender-adx-migration}}");
    assertThat(Files.readString(K8S.resolve("deployment.yaml"))).contains("app: defender-adx-migration");
    assertThat((List<String>) spec.get("policyTypes")).contains("Ingress");
    List<Map<String, Object>> rules = (List<Map<String, Object>>) spec.get("ingress");
    assertThat(rules).hasSize(2);
    assertThat(rules).allSatisfy(r -> assertThat(r.get("from")).as("every rule names its sources").isNotNull());
    assertThat(rules.get(0).get("ports").toString()).contains("port=5701").contains("port=5801")
        .doesNotContain("8080");
    assertThat(rules.get(0).get("from").toString()).doesNotContain("namespaceSelector");
    assertThat(rules.get(1).get("ports").toString()).contains("port=8080").doesNotContain("5701", "5801");
    assertThat(rules.get(1).get("from").toString()).contains("kubernetes.io/metadata.name=monitoring");
  }

  private static Map<String, Object> yaml(String file) throws Exception {
    return new Yaml().load(Files.readString(K8S.resolve(file)));
  }
}
