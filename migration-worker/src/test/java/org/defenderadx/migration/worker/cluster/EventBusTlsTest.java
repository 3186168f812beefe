package org.defenderadx.migration.worker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.config.ClusterConfig;
import org.defenderadx.migration.worker.testing.LoopbackCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The event bus between nodes with TLS as {@link ClusterSetup} configures it: nodes holding a certificate of the
 * cluster's authority talk; a node without TLS, or with a certificate of another authority, is in the same Hazelcast
 * cluster (open-source Hazelcast cannot keep it out) but can neither reach the others' consumers nor be reached.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EventBusTlsTest {

  private final List<Vertx> nodes = new ArrayList<>();
  private final List<SelfSignedCertificate> certificates = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Vertx n : nodes) {
      await(n.close());
    }
    certificates.forEach(SelfSignedCertificate::delete);
  }

  @Test
  void nodesWithTheClustersCertificateTalkAndOthersCannot() throws Exception {
    // The cluster's authority: one self-signed certificate every TLS node presents and trusts.
    SelfSignedCertificate clusterCert = certificate();
    SelfSignedCertificate strangerCert = certificate();
    String name = LoopbackCluster.newName();
    List<Integer> ports = List.of(freePort(), freePort(), freePort(), freePort());
    JsonArray members = new JsonArray();
    ports.forEach(p -> members.add("127.0.0.1:" + p));

    Vertx a = join(section(name, ports.get(0), members).put("tls", tls(clusterCert, clusterCert)));
    Vertx b = join(section(name, ports.get(1), members).put("tls", tls(clusterCert, clusterCert)));
    Vertx plain = join(section(name, ports.get(2), members));
    Vertx stranger = join(section(name, ports.get(3), members).put("tls", tls(strangerCert, clusterCert)));
    for (Vertx n : List.of(a, b, plain, stranger)) {
      await(n.eventBus().<String>consumer("echo-" + nodes.indexOf(n), m -> m.reply("pong from " + nodes.indexOf(n)))
          .completion());
    }

    assertThat(request(b, "echo-0")).isEqualTo("pong from 0");
    assertThat(request(a, "echo-1")).isEqualTo("pong from 1");

    assertThatThrownBy(() -> request(plain, "echo-0", 6_000)).as("plaintext to a TLS node")
        .hasMessageContaining("Timed out");
    assertThatThrownBy(() -> request(a, "echo-2", 6_000)).as("TLS to a plaintext node")
        .hasMessageContaining("Timed out");
    assertThatThrownBy(() -> request(stranger, "echo-0", 6_000)).as("a certificate of another authority")
        .hasMessageContaining("Timed out");
    assertThatThrownBy(() -> request(a, "echo-3", 6_000)).as("to a node with a certificate of another authority")
        .hasMessageContaining("Timed out");
    assertThat(request(a, "echo-1")).as("the cluster's own nodes still talk").isEqualTo("pong from 1");
  }

  private Vertx join(JsonObject section) throws Exception {
    ClusterConfig config = ClusterSetupTest.cluster(section);
    Vertx vertx = await(ClusterSetup.clusteredVertx(config));
    nodes.add(vertx);
    return vertx;
  }

  private static JsonObject section(String name, int port, JsonArray members) {
    return new JsonObject().put("enabled", true).put("name", name).put("host", "127.0.0.1").put("port", port)
        .put("members", members).put("heartbeat", "1s").put("memberTimeout", "5s");
  }

  private static JsonObject tls(SelfSignedCertificate own, SelfSignedCertificate authority) {
    return new JsonObject().put("enabled", true).put("keyFile", own.privateKeyPath())
        .put("certFile", own.certificatePath()).put("caFile", authority.certificatePath());
  }

  private SelfSignedCertificate certificate() {
    SelfSignedCertificate c = SelfSignedCertificate.create("localhost");
    certificates.add(c);
    return c;
  }

  /** A request and its reply; generous timeout: the first TLS handshake on a loaded machine takes seconds. */
  private static String request(Vertx from, String address) throws Exception {
    return request(from, address, 15_000);
  }

  private static String request(Vertx from, String address, long timeoutMs) throws Exception {
    return await(from.eventBus().<String>request(address, "ping", new DeliveryOptions().setSendTimeout(timeoutMs)))
        .body();
  }

  private static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
