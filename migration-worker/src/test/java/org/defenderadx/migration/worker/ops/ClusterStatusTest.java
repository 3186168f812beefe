package org.defenderadx.migration.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.worker.node.MigrationNode;
import org.defenderadx.migration.worker.testing.Simulators;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two clustered nodes export four tables between them; each node's status page and each node's answer on the event
 * bus tell the same story: the same tables, watermarks, rows and states, and who exported what.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ClusterStatusTest {

  private static final List<String> TABLES =
      List.of("DeviceLogonEvents", "DeviceInfo", "DeviceNetworkEvents", "DeviceFileEvents");

  private StandIns env;
  private MigrationNode nodeA;
  private MigrationNode nodeB;

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
  }

  @AfterEach
  void stop() throws Exception {
    for (MigrationNode n : new MigrationNode[] {nodeA, nodeB}) {
      if (n != null) {
        await(n.stop());
      }
    }
    env.close();
  }

  @Test
  void everyNodeGivesTheSameStatusOfTheWholeCluster() throws Exception {
    env.configureIncremental(TABLES);
    String cluster = "status-" + UUID.randomUUID();
    int portA = freePort();
    int portB = freePort();
    nodeA = await(MigrationNode.start(settings(cluster, portA, portA, portB),
        new MigrationNode.Environment(env.time, Optional.of(Simulators.trusting(env.sim)), "node-a")));
    nodeB = await(MigrationNode.start(settings(cluster, portB, portA, portB),
        new MigrationNode.Environment(env.time, Optional.of(Simulators.trusting(env.sim)), "node-b")));
    WebClient http = WebClient.create(env.vertx);

    // Both nodes export until every table is caught up, as either node's status says.
    JsonObject fromA = null;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (System.nanoTime() < deadline) {
      fromA = await(http.get(nodeA.ops().httpPort(), "127.0.0.1", "/api/status").send()).bodyAsJsonObject();
      if (fromA.getJsonArray("tables").stream().map(JsonObject.class::cast)
          .allMatch(t -> "caught-up".equals(t.getString("state")) && t.getString("node") != null)) {
        break;
      }
      await(env.vertx.timer(1000));
    }
    JsonArray tablesFromA = fromA.getJsonArray("tables");
    assertThat(tablesFromA).hasSize(TABLES.size());
    assertThat(tablesFromA.stream().map(t -> ((JsonObject) t).getString("state"))).containsOnly("caught-up");

    // B's page and B's event-bus answer say the same (the lag aside: it grows with the clock between the two), B
    // knowing from the cluster map what A did and from ADX how far every table got.
    await(env.vertx.timer(StatusReport.CACHE_FOR.toMillis() + 500));
    JsonObject fromB = await(http.get(nodeB.ops().httpPort(), "127.0.0.1", "/api/status").send()).bodyAsJsonObject();
    assertThat(fromB.getString("node")).isEqualTo("node-b");
    assertThat(withoutLag(fromB.getJsonArray("tables"))).isEqualTo(withoutLag(tablesFromA));
    JsonObject overBusFromB = await(nodeB.vertx().eventBus().<JsonObject>request(Addresses.OPS_STATUS,
        new JsonObject(), ObservabilityTest.withToken())).body();
    assertThat(withoutLag(overBusFromB.getJsonArray("tables"))).isEqualTo(withoutLag(tablesFromA));

    // The tables were spread over both nodes, and the status says which node exported each.
    Set<String> exporters = new HashSet<>();
    tablesFromA.forEach(t -> exporters.add(((JsonObject) t).getString("node")));
    assertThat(exporters).isSubsetOf("node-a", "node-b").isNotEmpty();
    List<String> auditNodes = await(env.adxClient.query("MigrationAuditLog | where Status == 'Succeeded' "
        + "| distinct Node")).stream().map(r -> String.valueOf(r.get("Node"))).toList();
    assertThat(exporters).isSubsetOf(auditNodes);
  }

  private MigrationSettings settings(String cluster, int port, int portA, int portB) {
    JsonObject base = ObservabilityTest.settingsTree(env, "1h");
    base.put("cluster", new JsonObject().put("enabled", true).put("name", cluster).put("host", "127.0.0.1")
        .put("port", port).put("members", new JsonArray().add("127.0.0.1:" + portA).add("127.0.0.1:" + portB)));
    return ConfigLoader.parse(base, ObservabilityTest.secrets());
  }

  private static JsonArray withoutLag(JsonArray tables) {
    JsonArray copy = tables.copy();
    copy.forEach(t -> ((JsonObject) t).remove("lagSeconds"));
    return copy;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
