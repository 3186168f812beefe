package org.defenderadx.migration.worker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.ClusterConfig;
import org.defenderadx.migration.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hazelcast and event-bus configuration a node builds from its cluster section, without starting anything. */
class ClusterSetupTest {

  @TempDir
  Path dir;

  static ClusterConfig cluster(JsonObject section) {
    JsonObject tree = new JsonObject()
        .put("tenants", new JsonArray().add(new JsonObject().put("tenantId", "t")
            .put("credential", new JsonObject().put("kind", "none"))))
        .put("adx", new JsonObject().put("clusterUrl", "http://localhost:1").put("database", "db")
            .put("credential", new JsonObject().put("kind", "none")))
        .put("cluster", section);
    return ConfigLoader.parse(tree, Map.of()).cluster();
  }

  @Test
  void theShippedXmlGetsNameMembersInterfaceAndHeartbeatsFromConfiguration() {
    ClusterConfig c = cluster(new JsonObject().put("enabled", true).put("name", "prod").put("host", "10.1.2.3")
        .put("port", 5901).put("members", new JsonArray().add("10.1.2.3:5901").add("10.1.2.4:5901"))
        .put("heartbeat", "1s").put("memberTimeout", "7s"));

    Config hz = ClusterSetup.hazelcastConfig(c);

    assertThat(hz.getClusterName()).isEqualTo("prod");
    assertThat(hz.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("1");
    assertThat(hz.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("7");
    assertThat(hz.getNetworkConfig().getPort()).isEqualTo(5901);
    assertThat(hz.getNetworkConfig().getInterfaces().isEnabled()).isTrue();
    assertThat(hz.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("10.1.2.3");
    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("10.1.2.3:5901", "10.1.2.4:5901");
    // From the XML itself: what Vert.x keeps in Hazelcast, and the backups of our leases.
    assertThat(hz.getMultiMapConfig("__vertx.subs").getBackupCount()).isEqualTo(1);
    assertThat(hz.getMapConfig("defender-adx-migration.leases").getBackupCount()).isEqualTo(1);
  }

  @Test
  void aConfiguredXmlIsTheBaseAndKubernetesDiscoveryInItIsLeftAlone() throws Exception {
    String shipped = Files.readString(Path.of("..", "conf", "cluster.xml"));
    Path xml = dir.resolve("cluster.xml");
    Files.writeString(xml, shipped
        .replace("<tcp-ip enabled=\"true\">", "<tcp-ip enabled=\"false\">")
        .replace("<kubernetes enabled=\"false\"/>", "<kubernetes enabled=\"true\">"
            + "<service-dns>migration-hazelcast.migration.svc.cluster.local</service-dns></kubernetes>"));

    Config hz = ClusterSetup.hazelcastConfig(cluster(new JsonObject().put("enabled", true)
        .put("hazelcastConfig", xml.toString())));

    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
    assertThat(join.getKubernetesConfig().getProperty("service-dns"))
        .isEqualTo("migration-hazelcast.migration.svc.cluster.local");
    assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();

    assertThatThrownBy(() -> ClusterSetup.hazelcastConfig(cluster(new JsonObject().put("enabled", true)
        .put("hazelcastConfig", xml.toString()).put("members", new JsonArray().add("10.0.0.1")))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.members");
  }

  @Test
  void aMissingOrBrokenXmlStopsStartUpWithTheKey() throws Exception {
    assertThatThrownBy(() -> ClusterSetup.hazelcastConfig(cluster(new JsonObject()
        .put("hazelcastConfig", dir.resolve("absent.xml").toString()))))
        .hasMessageContaining("cluster.hazelcastConfig: cannot read");
    Path broken = Files.writeString(dir.resolve("broken.xml"), "<hazelcast><network><port>x</port></network>");
    assertThatThrownBy(() -> ClusterSetup.hazelcastConfig(cluster(new JsonObject()
        .put("hazelcastConfig", broken.toString()))))
        .hasMessageContaining("is not a Hazelcast configuration");
  }

  @Test
  void eventBusTlsRequiresClientCertificatesSignedByTheConfiguredAuthority() throws Exception {
    Path key = Files.writeString(dir.resolve("node.key"), "k");
    Path cert = Files.writeString(dir.resolve("node.crt"), "c");
    Path ca = Files.writeString(dir.resolve("ca.crt"), "a");
    JsonObject tls = new JsonObject().put("enabled", true).put("keyFile", key.toString())
        .put("certFile", cert.toString()).put("caFile", ca.toString());

    EventBusOptions options = ClusterSetup.eventBusOptions(cluster(new JsonObject().put("eventBusPort", 5801)
        .put("tls", tls)));

    assertThat(options.isSsl()).isTrue();
    assertThat(options.getClientAuth()).isEqualTo(ClientAuth.REQUIRED);
    assertThat(options.isTrustAll()).isFalse();
    assertThat(options.getPort()).isEqualTo(5801);
    assertThat(ClusterSetup.eventBusOptions(cluster(new JsonObject())).isSsl()).isFalse();

    tls.put("caFile", dir.resolve("missing-ca.crt").toString());
    assertThatThrownBy(() -> ClusterSetup.eventBusOptions(cluster(new JsonObject().put("tls", tls))))
        .hasMessageContaining("cluster.tls.caFile: cannot read");
  }
}
