package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.bus.TableWork;
import org.defenderadx.migration.common.model.MigrationConfigRow;
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
 * Fencing: a node exporting a table whose lease lapsed and was taken by another node (what a long pause or a network
 * split leaves behind) is refused its next commit; the node that took the table over finishes it, and no window is
 * committed twice.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class LateCommitFencingTest {

  private static final String TABLE = "DeviceNetworkEvents";

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
  void aNodeWhoseLeaseWasTakenOverIsRefusedItsNextCommitAndTheTableEndsExact() throws Exception {
    env.configureIncremental(List.of(TABLE));
    Duration leaseTtl = Duration.ofSeconds(30);
    String key = TableLeases.key("", TABLE);
    String workerA = await(nodeA.deployVerticle(new FetchVerticle(new TableRuns(nodeA, env.fencedExporter(nodeA,
        "node-a"), Map.of("", TenantFixture.context(nodeA, env.sim, env.time, "", "graph")), new TableLeases(nodeA),
        leaseTtl, "node-a", env.offerCheck()), "node-a")));

    // GIVEN node-a exporting the table under the lease it took, a few windows committed
    Future<TableOutcome> runA = offer(nodeA, "node-a");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (committedBy("node-a") < 2 && System.nanoTime() < deadline) {
      await(env.vertx.timer(100));
    }
    assertThat(committedBy("node-a")).as("node-a is under way").isGreaterThanOrEqualTo(2);

    // WHEN its lease lapses and node-b takes the table (the lease map as a lapse and a takeover leave it)
    TableLeases leasesB = new TableLeases(nodeB);
    String leaseA = await(leasesB.holder(key)).orElseThrow();
    await(leasesB.release(key, leaseA));
    String leaseB = await(leasesB.acquire(key, leaseTtl));
    assertThat(leaseB).isNotNull();
    long committedByAAtTakeover = committedBy("node-a");

    // THEN node-a's run stops at its next commit, refused
    TableOutcome outcomeA = runA.toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
    assertThat(outcomeA.failure()).as("node-a's run was fenced off").hasValueSatisfying(
        f -> assertThat(f).contains("lease").contains("not committing"));
    assertThat(outcomeA.caughtUp()).isFalse();
    // A commit whose lease check passed just before the takeover may still land (docs/correctness.md, L2).
    assertThat(committedBy("node-a")).as("no commit from node-a after its lease was taken")
        .isLessThanOrEqualTo(committedByAAtTakeover + 1);

    // AND node-b, offered the table once the lease is free, finishes it from the watermark node-a left, exactly
    await(nodeA.undeploy(workerA));
    await(nodeB.deployVerticle(new FetchVerticle(new TableRuns(nodeB, env.fencedExporter(nodeB, "node-b"),
        Map.of("", TenantFixture.context(nodeB, env.sim, env.time, "", "graph")), leasesB, leaseTtl, "node-b", env.offerCheck()),
        "node-b")));
    await(leasesB.release(key, leaseB));
    TableOutcome outcomeB = offer(nodeB, "node-b").toCompletionStage().toCompletableFuture()
        .get(3, TimeUnit.MINUTES);
    assertThat(outcomeB.failure()).isEmpty();
    assertThat(outcomeB.caughtUp()).isTrue();
    assertThat(committedBy("node-b")).isPositive();
    env.assertExact(TABLE, TABLE + "Raw", outcomeB.watermark().orElseThrow());
    List<Map<String, Object>> twice = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Succeeded' | summarize n = count() by WindowId | where n > 1"));
    assertThat(twice).as("windows committed more than once").isEmpty();
  }

  /**
   * Offers the table to whichever fetch verticle listens, as the coordinator does; the outcome is the one {@code
   * expectedNode} publishes when its run ends.
   */
  private Future<TableOutcome> offer(Vertx node, String expectedNode) throws Exception {
    MigrationConfigRow row = await(env.state.latest()).rows().stream()
        .filter(r -> r.sourceTable().equals(TABLE)).findFirst().orElseThrow();
    WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));
    Instant now = env.time.now();
    TableWork work = new TableWork("", TABLE, row.toColumns(), schedule.horizonStart(now),
        schedule.closePoint(now, Optional.of(env.serviceClock.now("", now)), row.lateArrivalAllowance()),
        UUID.randomUUID().toString());
    Promise<TableOutcome> outcome = Promise.promise();
    MessageConsumer<JsonObject> outcomes = node.eventBus().consumer(Addresses.TABLE_OUTCOMES, m -> {
      TableOutcome o = TableOutcome.fromJson(m.body());
      if (o.node().equals(expectedNode)) {
        outcome.tryComplete(o);
      }
    });
    await(outcomes.completion());
    JsonObject answer = await(node.eventBus().<JsonObject>request(Addresses.TABLE_WORK, work.toJson(),
        new DeliveryOptions().setSendTimeout(TimeUnit.SECONDS.toMillis(30)))).body();
    assertThat(answer.getBoolean("accepted")).as("offer taken: %s", answer).isTrue();
    return outcome.future().onComplete(x -> outcomes.unregister());
  }

  private long committedBy(String node) throws Exception {
    List<Map<String, Object>> r = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Succeeded' and Node == '" + node + "' and SourceTable == '" + TABLE
            + "' | count"));
    return ((Number) r.get(0).get("Count")).longValue();
  }
}
