package org.defenderadx.migration.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.node.MigrationNode;
import org.defenderadx.migration.worker.testing.Simulators;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Roles from configuration ({@code cluster.roles}): a node that only coordinates plans and hands out work but
 * exports nothing; a node that only exports never plans; together they export every table exactly.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class NodeRolesTest {

  private static final List<String> TABLES = List.of("DeviceLogonEvents", "DeviceInfo", "AlertInfo");

  private StandIns env;
  private MigrationNode coordinatorOnly;
  private MigrationNode exporterOnly;

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
  }

  @AfterEach
  void stop() throws Exception {
    for (MigrationNode n : new MigrationNode[] {coordinatorOnly, exporterOnly}) {
      if (n != null) {
        await(n.stop());
      }
    }
    env.close();
  }

  @Test
  void aCoordinatorOnlyNodePlansAndAnExporterOnlyNodeExportsEveryTableExactly() throws Exception {
    // GIVEN two clustered nodes, one with each role
    env.configureIncremental(TABLES);
    String cluster = "roles-" + UUID.randomUUID();
    int portA = freePort();
    int portB = freePort();
    coordinatorOnly = await(MigrationNode.start(settings(cluster, portA, portA, portB, "coordinator"),
        new MigrationNode.Environment(env.time, Optional.of(Simulators.trusting(env.sim)), "node-plans")));
    exporterOnly = await(MigrationNode.start(settings(cluster, portB, portA, portB, "exporter"),
        new MigrationNode.Environment(env.time, Optional.of(Simulators.trusting(env.sim)), "node-exports")));

    // WHEN the coordinator hands the tables out until each has caught up
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (!caughtUp(coordinatorOnly.coordinator().lastOutcomes()) && System.nanoTime() < deadline) {
      await(env.vertx.timer(500));
    }

    // THEN only the exporter exported, only the coordinator planned, and every table is exact
    Map<String, TableOutcome> outcomes = coordinatorOnly.coordinator().lastOutcomes();
    assertThat(caughtUp(outcomes)).as("outcomes %s", outcomes).isTrue();
    assertThat(coordinatorOnly.coordinator().isActive()).isTrue();
    assertThat(exporterOnly.coordinator().isActive()).isFalse();
    assertThat(exporterOnly.coordinator().lastOutcomes()).isEmpty();
    List<String> auditNodes = await(env.adxClient.query("MigrationAuditLog | where Status == 'Succeeded' "
        + "| distinct Node")).stream().map(r -> String.valueOf(r.get("Node"))).toList();
    assertThat(auditNodes).containsExactly("node-exports");
    for (String table : TABLES) {
      TableOutcome o = outcomes.get(TableLeases.key("", table));
      assertThat(o.node()).isEqualTo("node-exports");
      env.assertExact(table, table + "Raw", o.watermark().orElseThrow());
    }
  }

  private MigrationSettings settings(String cluster, int port, int portA, int portB, String role) {
    JsonObject tree = ObservabilityTest.settingsTree(env, "1m");
    tree.put("cluster", new JsonObject().put("enabled", true).put("name", cluster).put("host", "127.0.0.1")
        .put("port", port).put("members", new JsonArray().add("127.0.0.1:" + portA).add("127.0.0.1:" + portB))
        .put("roles", new JsonArray().add(role)));
    return ConfigLoader.parse(tree, ObservabilityTest.secrets());
  }

  private static boolean caughtUp(Map<String, TableOutcome> outcomes) {
    return TABLES.stream().allMatch(t -> {
      TableOutcome o = outcomes.get(TableLeases.key("", t));
      return o != null && o.caughtUp() && o.failure().isEmpty() && o.watermark().isPresent();
    });
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
