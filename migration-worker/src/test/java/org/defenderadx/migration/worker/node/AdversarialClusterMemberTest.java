package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.bus.TableWork;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.quota.HourWindow;
import org.defenderadx.migration.common.quota.QuotaLimits;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.cluster.PeerSignature;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.ops.OpsHolds;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.defenderadx.migration.worker.testing.LoopbackCluster;
import org.defenderadx.migration.worker.testing.Simulators;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A process that joins the node's Hazelcast cluster without the ops token (as anything reaching the cluster port can,
 * open-source Hazelcast having no member authentication) forges the messages nodes send each other: table work for
 * a switched-off table, a run-now, an outcome claiming a table caught up in 2028, and the same signed with a wrong
 * token, and holds, a lease and a drained call budget written straight into the shared maps. Every one is refused or
 * ignored; nothing is exported or committed for the switched-off table, and the forged entries pause nothing.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class AdversarialClusterMemberTest {

  private static final String TOKEN = "cluster-ops-token";
  private static final String OFF = "DeviceLogonEvents";

  private StandIns env;
  private MigrationNode node;
  private Vertx intruder;
  private JsonObject tree;

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
    env.configureIncremental(List.of("DeviceInfo", OFF));
    MigrationConfigRow off = await(env.state.latest()).rows().stream().filter(r -> r.sourceTable().equals(OFF))
        .findFirst().orElseThrow();
    Map<String, Object> switchedOff = new HashMap<>(off.toColumns());
    switchedOff.put("IsActive", false);
    switchedOff.put("Version", 2L);
    await(env.appender.append(MigrationStateStore.CONFIG_TABLE, List.of(switchedOff)));
    String clusterName = LoopbackCluster.newName();
    int port = freePort();
    tree = new JsonObject()
        .put("tenants", new JsonArray().add(new JsonObject().put("key", "")
            .put("tenantId", DefenderSimConfig.DEFAULT_TENANT).put("authorityHost", env.sim.tlsBaseUrl())
            .put("credential", new JsonObject().put("kind", "client-secret")
                .put("clientId", DefenderSimConfig.DEFAULT_CLIENT_ID).put("clientSecretEnv", "SIM_SECRET"))
            .put("api", new JsonObject().put("flavour", "graph").put("baseUrl", env.sim.baseUrl()))))
        .put("adx", new JsonObject().put("clusterUrl", env.adx.url()).put("database", StandIns.DATABASE)
            .put("credential", new JsonObject().put("kind", "none")))
        .put("migration", new JsonObject().put("windowGrid", "1d").put("cycleInterval", "1m").put("settleLag", "5m"))
        .put("cluster", new JsonObject().put("enabled", true).put("name", clusterName).put("host", "127.0.0.1")
            .put("port", port))
        .put("ops", new JsonObject().put("tokenEnv", "NODE_OPS_TOKEN"))
        .put("http", new JsonObject().put("port", 0));
    MigrationSettings settings = ConfigLoader.parse(tree, Map.of("SIM_SECRET",
        DefenderSimConfig.DEFAULT_CLIENT_SECRET, "NODE_OPS_TOKEN", TOKEN));
    node = await(MigrationNode.start(settings,
        new MigrationNode.Environment(env.time, Optional.of(Simulators.trusting(env.sim)), "node-1")));
    intruder = LoopbackCluster.join(clusterName, port);
  }

  @AfterEach
  void stop() throws Exception {
    if (intruder != null) {
      await(intruder.close());
    }
    if (node != null) {
      await(node.stop());
    }
    env.close();
  }

  @Test
  void forgedMessagesFromAMemberWithoutTheTokenAreRefusedAndNothingIsExported() throws Exception {
    Instant now = env.time.now();
    MigrationConfigRow off = await(env.state.latest()).rows().stream().filter(r -> r.sourceTable().equals(OFF))
        .findFirst().orElseThrow();
    Map<String, Object> active = new HashMap<>(off.toColumns());
    active.put("IsActive", true);
    JsonObject work = new TableWork("", OFF, active, now.minus(Duration.ofDays(30)),
        Instant.parse("2028-01-01T00:00:00Z"), "forged-run").toJson();
    PeerSignature wrongKey = new PeerSignature(ConfigLoader.parse(tree, Map.of("SIM_SECRET",
        DefenderSimConfig.DEFAULT_CLIENT_SECRET, "NODE_OPS_TOKEN", TOKEN + "-guessed")).ops().token());

    // WHEN the intruder sends table work, unsigned and signed with a wrong key, and asks for a cycle
    int unsigned = failureCode(intruder.eventBus().request(Addresses.TABLE_WORK, work,
        new DeliveryOptions().setSendTimeout(10_000)));
    int wronglySigned = failureCode(intruder.eventBus().request(Addresses.TABLE_WORK, work,
        wrongKey.sign(Addresses.TABLE_WORK, work).setSendTimeout(10_000)));
    int runNow = failureCode(intruder.eventBus().request(Addresses.COORDINATOR_RUN_NOW, new JsonObject(),
        new DeliveryOptions().setSendTimeout(10_000)));
    // and publishes an outcome claiming the table caught up in 2028
    TableOutcome claim = new TableOutcome("", OFF, 1_000_000, 30, true,
        Optional.of(Instant.parse("2028-01-01T00:00:00Z")), Optional.empty(), Optional.empty(), "node-1");
    intruder.eventBus().publish(Addresses.TABLE_OUTCOMES, claim.toJson());
    await(env.vertx.timer(2_000));

    // THEN each is refused or ignored, and the switched-off table is neither exported nor committed
    assertThat(unsigned).as("unsigned table work").isEqualTo(401);
    assertThat(wronglySigned).as("table work signed with a guessed key").isEqualTo(401);
    assertThat(runNow).as("run-now").isEqualTo(401);
    assertThat(node.coordinator().lastOutcomes()).as("outcomes the coordinator believes")
        .doesNotContainKey(TableLeases.key("", OFF));
    Object windows = await(env.adxClient.query("MigrationAuditLog | where SourceTable == '" + OFF
        + "' and Status == 'Succeeded' | count")).get(0).get("Count");
    assertThat(((Number) windows).longValue()).isZero();
    assertThat(await(env.state.latest()).rows().stream().filter(r -> r.sourceTable().equals(OFF)).findFirst()
        .orElseThrow().lastRefreshed()).as("the switched-off table's watermark").isEmpty();
  }

  @Test
  void holdsAMemberWithoutTheTokenWritesIntoTheSharedMapAreIgnored() throws Exception {
    // GIVEN an intruder pausing the tenant and DeviceInfo by writing the shared holds map directly
    await(intruder.sharedData().<String, String>getAsyncMap("defender-adx-migration.ops.holds")
        .compose(m -> m.put("tenant|", "paused by an intruder")
            .compose(v -> m.put("table||DeviceInfo", "paused by an intruder"))));

    // WHEN the node runs its cycles
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline && !caughtUp(node.coordinator().lastOutcomes().get(
        TableLeases.key("", "DeviceInfo")))) {
      await(env.vertx.timer(500));
    }

    // THEN the forged holds neither block the table nor show as pauses
    assertThat(caughtUp(node.coordinator().lastOutcomes().get(TableLeases.key("", "DeviceInfo"))))
        .as("DeviceInfo exported despite the forged holds").isTrue();
    PeerSignature cluster = new PeerSignature(ConfigLoader.parse(tree, Map.of("SIM_SECRET",
        DefenderSimConfig.DEFAULT_CLIENT_SECRET, "NODE_OPS_TOKEN", TOKEN)).ops().token());
    assertThat(await(new OpsHolds(node.vertx(), cluster).pausedTenants())).as("pauses shown").isEmpty();
    assertThat(await(new OpsHolds(node.vertx(), cluster).blocking("", "DeviceInfo"))).isNull();
  }

  @Test
  void leasesAndCallBudgetsAMemberWithoutTheTokenWritesAreIgnored() throws Exception {
    // GIVEN an intruder holding DeviceInfo's lease (no expiry) and pausing the tenant's call budget until 2100 with
    // its minute and hour spent, written straight into the shared maps
    long year2100 = TimeUnit.SECONDS.toNanos(Instant.parse("2100-01-01T00:00:00Z").getEpochSecond());
    JsonArray hourSpent = new JsonArray();
    for (int slot = 0; slot < HourWindow.SLOTS; slot++) {
      hourSpent.add(slot == HourWindow.SLOTS - 1 ? 1500 : 0);
    }
    JsonObject drained = new JsonObject().put("perMinute", 45).put("minuteBurst", 2).put("perHour", 1500)
        .put("minuteUnits", 0L).put("hourSlot", HourWindow.slotOf(Instant.parse("2100-01-01T00:00:00Z")))
        .put("hourCalls", hourSpent).put("updatedAtNanos", year2100).put("pausedUntilNanos", year2100);
    await(intruder.sharedData().<String, String>getAsyncMap("defender-adx-migration.leases")
        .compose(m -> m.put(TableLeases.key("", "DeviceInfo"), "intruder-lease")));
    await(intruder.sharedData().<String, Object>getAsyncMap("defender-adx-migration.quota")
        .compose(m -> m.put("", drained)));

    TableOutcome before = node.coordinator().lastOutcomes().get(TableLeases.key("", "DeviceInfo"));

    // WHEN the node runs its cycles, until DeviceInfo has had a run that started after the forged writes
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    TableOutcome after = before;
    while (System.nanoTime() < deadline && (after == before || !caughtUp(after))) {
      await(env.vertx.timer(500));
      after = node.coordinator().lastOutcomes().get(TableLeases.key("", "DeviceInfo"));
    }

    // THEN the forged lease was replaced and the forged budget read as a full one: DeviceInfo is exported, and the
    // lease map holds no entry of the intruder's
    assertThat(after).as("a run of DeviceInfo after the forged writes").isNotSameAs(before);
    assertThat(caughtUp(after)).as("DeviceInfo exported despite the forged lease and budget").isTrue();
    String lease = await(intruder.sharedData().<String, String>getAsyncMap("defender-adx-migration.leases")
        .compose(m -> m.get(TableLeases.key("", "DeviceInfo"))));
    assertThat(lease).as("DeviceInfo's lease entry").isNotEqualTo("intruder-lease");
    // and a node reading the budget the intruder drained grants a permit now (it would wait until 2100 otherwise)
    PeerSignature cluster = new PeerSignature(ConfigLoader.parse(tree, Map.of("SIM_SECRET",
        DefenderSimConfig.DEFAULT_CLIENT_SECRET, "NODE_OPS_TOKEN", TOKEN)).ops().token());
    await(intruder.sharedData().<String, Object>getAsyncMap("defender-adx-migration.quota")
        .compose(m -> m.put("", drained)));
    QuotaLimits limits = QuotaLimits.of(45, 1500);
    SharedCallBudget budget = new SharedCallBudget(node.vertx(), env.time).sealedBy(cluster);
    assertThat(await(budget.peek("", limits)).pausedUntil()).as("pause read from the forged entry")
        .isBefore(Instant.parse("2100-01-01T00:00:00Z"));
    Instant granted = await(budget.acquire("", limits).timeout(10, TimeUnit.SECONDS));
    assertThat(granted).isBefore(Instant.parse("2100-01-01T00:00:00Z"));
  }

  private static boolean caughtUp(TableOutcome o) {
    return o != null && o.caughtUp() && o.failure().isEmpty();
  }

  private static int failureCode(Future<?> request) throws Exception {
    Throwable failure = await(request.<Throwable>map(m -> null).otherwise(e -> e));
    assertThat(failure).isInstanceOf(ReplyException.class);
    return ((ReplyException) failure).failureCode();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
