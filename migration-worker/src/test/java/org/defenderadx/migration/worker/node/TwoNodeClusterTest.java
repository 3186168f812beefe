package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.testing.LoopbackCluster;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two nodes clustered with Hazelcast on loopback: tables are spread over both workers, the tenant's call budget is
 * shared (the simulator, enforcing the same quota, never has to throttle), no table is exported by both at once, and
 * every table ends exact.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class TwoNodeClusterTest {

  private static final List<String> TABLES =
      List.of("DeviceLogonEvents", "DeviceInfo", "DeviceNetworkEvents", "DeviceFileEvents");

  private StandIns env;
  private Vertx nodeA;
  private Vertx nodeB;

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
    String cluster = LoopbackCluster.newName();
    nodeA = LoopbackCluster.join(cluster);
    nodeB = LoopbackCluster.join(cluster);
  }

  @AfterEach
  void stop() throws Exception {
    await(nodeA.close());
    await(nodeB.close());
    env.close();
  }

  @Test
  void twoNodesShareTheQuotaSplitTheTablesAndEndExact() throws Exception {
    env.configureIncremental(TABLES);
    Duration leaseTtl = Duration.ofSeconds(30);
    for (Vertx node : List.of(nodeA, nodeB)) {
      String name = node == nodeA ? "node-a" : "node-b";
      await(node.deployVerticle(new FetchVerticle(new TableRuns(node, env.exporter(node, name),
          Map.of("", TenantFixture.context(node, env.sim, env.time, "", "graph")), new TableLeases(node), leaseTtl,
          name, env.offerCheck()), name)));
    }
    CoordinatorVerticle coordinator = new CoordinatorVerticle(env.state, new TableLeases(nodeA), Set.of(""),
        WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5)), env.serviceClock, env.time,
        Duration.ofMinutes(2));
    await(nodeA.deployVerticle(coordinator));

    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!allCaughtUp(coordinator.lastOutcomes()) && System.nanoTime() < deadline) {
      await(env.vertx.timer(500));
    }

    Map<String, TableOutcome> outcomes = coordinator.lastOutcomes();
    assertThat(allCaughtUp(outcomes)).as("outcomes %s", outcomes).isTrue();
    for (String table : TABLES) {
      env.assertExact(table, table + "Raw", outcomes.get(TableLeases.key("", table)).watermark().orElseThrow());
    }
    List<Map<String, Object>> nodes = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Succeeded' | distinct Node"));
    assertThat(nodes.stream().map(r -> String.valueOf(r.get("Node"))).collect(Collectors.toSet()))
        .as("both nodes exported windows").containsExactlyInAnyOrder("node-a", "node-b");
    List<Map<String, Object>> twice = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Succeeded' | summarize n = count() by WindowId | where n > 1"));
    assertThat(twice).as("windows committed more than once").isEmpty();
    assertThat(env.sim.stats().calls("graph", 429)).as("our shared pacing kept within the quota").isZero();
  }

  private static boolean allCaughtUp(Map<String, TableOutcome> outcomes) {
    return TABLES.stream().allMatch(t -> {
      TableOutcome o = outcomes.get(TableLeases.key("", t));
      return o != null && o.caughtUp() && o.watermark().isPresent();
    });
  }
}
