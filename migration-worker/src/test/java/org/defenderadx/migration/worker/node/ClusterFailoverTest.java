package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.worker.testing.LoopbackCluster;
import org.defenderadx.migration.worker.testing.NodeProcesses;
import org.defenderadx.migration.worker.testing.NodeProcesses.NodeProcess;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes, each in its own JVM, clustered on loopback with Hazelcast exactly as the service starts: in the middle of
 * a backfill of several tables the active coordinator's node is killed with SIGKILL; the other node takes over the
 * coordination within the configured bound and the dead node's tables once their leases lapse, and every table ends
 * exact with no window committed twice.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClusterFailoverTest {

  private static final List<String> TABLES =
      List.of("DeviceLogonEvents", "DeviceInfo", "DeviceNetworkEvents", "DeviceFileEvents");
  private static final Duration HEARTBEAT = Duration.ofSeconds(1);
  // Short enough for a quick takeover, long enough that a node on a loaded CI machine keeps renewing its leases.
  private static final Duration MEMBER_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration LEASE_TTL = Duration.ofSeconds(5);
  private static final Duration TABLE_LEASE_TTL = Duration.ofSeconds(8);
  private static final String BECAME_ACTIVE = "is now the active coordinator";

  private StandIns env;
  private NodeProcesses nodes;
  @TempDir
  Path dir;

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
    nodes = new NodeProcesses(env, dir);
  }

  @AfterEach
  void stop() throws Exception {
    nodes.close();
    env.close();
  }

  @Test
  void theActiveCoordinatorsNodeKilledMidBackfillTheOtherTakesOverAndEveryTableEndsExact() throws Exception {
    String cluster = LoopbackCluster.newName();
    int portA = freePort();
    int portB = freePort();
    List<String> members = List.of("127.0.0.1:" + portA, "127.0.0.1:" + portB);

    NodeProcess a = nodes.launch("node-a", config("a", cluster, portA, members));
    NodeProcess b = nodes.launch("node-b", config("b", cluster, portB, members));
    CompletableFuture.anyOf(a.printed(BECAME_ACTIVE), b.printed(BECAME_ACTIVE)).get(90, TimeUnit.SECONDS);
    CompletableFuture.allOf(a.printed("node node-a started"), b.printed("node node-b started")).get(90, TimeUnit.SECONDS);
    // Tables are configured once both workers listen, so the first cycle spreads them over both nodes.
    env.configureIncremental(TABLES);

    // GIVEN a backfill under way on both nodes
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!(committedBy("node-a") > 0 && committedBy("node-b") > 0) && System.nanoTime() < deadline) {
      await(env.vertx.timer(200));
    }
    assertThat(committedBy("node-a")).as("node-a exports tables").isPositive();
    assertThat(committedBy("node-b")).as("node-b exports tables").isPositive();
    Set<String> caughtUpBeforeKill = caughtUpTables();
    assertThat(caughtUpBeforeKill).as("the backfill is still under way").hasSizeLessThan(TABLES.size());

    // WHEN the active coordinator's node dies
    NodeProcess active = activeNow(a, b);
    NodeProcess standby = active == a ? b : a;
    int standbyLines = standby.lineCount();
    active.kill();
    long killed = System.nanoTime();
    Instant killedAt = env.time.now();

    // THEN the other node takes the coordination over within the configured bound
    standby.printedFrom("node " + standby.name() + " " + BECAME_ACTIVE, standbyLines).get(60, TimeUnit.SECONDS);
    Duration takeover = Duration.ofNanos(System.nanoTime() - killed);
    assertThat(takeover).as("takeover within memberTimeout + leaseTtl + heartbeat, with slack for a loaded machine")
        .isLessThan(MEMBER_TIMEOUT.plus(LEASE_TTL).plus(HEARTBEAT).plusSeconds(10));

    // AND finishes every table, the dead node's included
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(100);
    while (caughtUpTables().size() < TABLES.size() && System.nanoTime() < deadline) {
      await(env.vertx.timer(500));
    }
    assertThat(caughtUpTables()).as("every table caught up after the takeover").containsExactlyInAnyOrderElementsOf(
        TABLES);
    for (String table : TABLES) {
      env.assertExact(table, table + "Raw", watermark(table));
    }
    List<Map<String, Object>> twice = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Succeeded' | summarize n = count() by WindowId | where n > 1"));
    assertThat(twice).as("windows committed more than once").isEmpty();
    List<Map<String, Object>> takenOver = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Succeeded' | summarize nodes = dcount(Node) by SourceTable"
            + " | where nodes == 2"));
    assertThat(takenOver).as("a table the killed node had begun was finished by the other").isNotEmpty();
    List<Map<String, Object>> lateFromDead = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Succeeded' and Node == '" + active.name() + "' and Timestamp > datetime("
            + killedAt.plusSeconds(60) + ") | count"));
    assertThat(((Number) lateFromDead.get(0).get("Count")).longValue()).as("nothing from the dead node").isZero();
  }

  /**
   * The node whose coordinator is active, by the last election line each printed. Right after a lease changed hands
   * the old holder says so only at its next heartbeat; so this asks again for a few seconds.
   */
  private NodeProcess activeNow(NodeProcess... nodes) throws Exception {
    List<NodeProcess> active = List.of();
    for (int attempt = 0; attempt < 10 && active.size() != 1; attempt++) {
      if (attempt > 0) {
        await(env.vertx.timer(500));
      }
      active = java.util.Arrays.stream(nodes)
          .filter(n -> n.lastLineWithAny(BECAME_ACTIVE, "lost the coordinator lease", "resigns")
              .filter(l -> l.contains(BECAME_ACTIVE)).isPresent())
          .toList();
    }
    assertThat(active).as("exactly one active coordinator").hasSize(1);
    return active.get(0);
  }

  private long committedBy(String node) throws Exception {
    List<Map<String, Object>> r = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Succeeded' and Node == '" + node + "' | count"));
    return ((Number) r.get(0).get("Count")).longValue();
  }

  private Set<String> caughtUpTables() throws Exception {
    Instant target = new WindowGrid(Duration.ofDays(1)).cellStart(env.time.now().minus(Duration.ofMinutes(5)));
    return await(env.state.latest()).rows().stream()
        .filter(r -> TABLES.contains(r.sourceTable()))
        .filter(r -> r.lastRefreshed().filter(w -> !w.isBefore(target)).isPresent())
        .map(MigrationConfigRow::sourceTable).collect(Collectors.toSet());
  }

  private Instant watermark(String table) throws Exception {
    return await(env.state.latest()).rows().stream().filter(r -> r.sourceTable().equals(table))
        .findFirst().flatMap(MigrationConfigRow::lastRefreshed).orElseThrow();
  }

  private Path config(String suffix, String cluster, int port, List<String> members) throws Exception {
    String yaml = String.join("\n",
        "tenants:",
        "  - key: \"\"",
        "    tenantId: " + DefenderSimConfig.DEFAULT_TENANT,
        "    authorityHost: " + env.sim.tlsBaseUrl(),
        "    credential:",
        "      kind: client-secret",
        "      clientId: " + DefenderSimConfig.DEFAULT_CLIENT_ID,
        "      clientSecretEnv: SIM_SECRET",
        "    api:",
        "      flavour: graph",
        "      baseUrl: " + env.sim.baseUrl(),
        "adx:",
        "  clusterUrl: " + env.adx.url(),
        "  database: " + StandIns.DATABASE,
        "  credential:",
        "    kind: none",
        "migration:",
        "  windowGrid: 1d",
        // A small row cap, so each table's backfill takes many windows (the exporter merges cells up to the cap)
        // and the kill lands in the middle of it.
        "  rowCap: 100",
        "  cycleInterval: 2m",
        "  settleLag: 5m",
        "cluster:",
        "  enabled: true",
        "  name: " + cluster,
        "  host: 127.0.0.1",
        "  port: " + port,
        "  members: [" + String.join(", ", members) + "]",
        "  heartbeat: " + HEARTBEAT.toSeconds() + "s",
        "  memberTimeout: " + MEMBER_TIMEOUT.toSeconds() + "s",
        "  leaseTtl: " + LEASE_TTL.toSeconds() + "s",
        "  tableLeaseTtl: " + TABLE_LEASE_TTL.toSeconds() + "s",
        "http:",
        "  port: 0",
        "");
    Path file = dir.resolve("application-" + suffix + ".yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
