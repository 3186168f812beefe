package org.defenderadx.migration.worker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.testing.LoopbackCluster;
import org.defenderadx.migration.worker.testing.TestClocks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One active coordinator at a time, taken over within a bounded time once the active one stops renewing. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CoordinatorElectionTest {

  private static final Clock REAL_TIME = TimeSource.scaled(Instant.now(), 1).clock();

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void oneNodeLeadsUntilItStopsRenewingThenAnotherTakesOverWithinTheLease() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Duration ttl = Duration.ofSeconds(2);
      CoordinatorElection a = new CoordinatorElection(vertx, "node-a", ttl, REAL_TIME);
      CoordinatorElection b = new CoordinatorElection(vertx, "node-b", ttl, REAL_TIME);

      assertThat(await(a.heartbeat())).isTrue();
      assertThat(await(b.heartbeat())).as("b stands by while a holds the lease").isFalse();
      assertThat(await(a.activeNode())).contains("node-a");
      for (int i = 0; i < 4; i++) { // a renews for longer than one lease: b never gets in
        await(vertx.timer(700));
        assertThat(await(a.heartbeat())).isTrue();
        assertThat(await(b.heartbeat())).isFalse();
      }

      long stoppedRenewing = System.nanoTime(); // a's node hangs or dies: no more heartbeats from it
      while (!await(b.heartbeat())) {
        await(vertx.timer(200));
      }
      Duration takeover = Duration.ofNanos(System.nanoTime() - stoppedRenewing);

      assertThat(takeover).as("taken over once the lease lapsed, not before")
          .isGreaterThanOrEqualTo(ttl.minusMillis(300)).isLessThan(ttl.plusSeconds(2));
      assertThat(b.isActive()).isTrue();
      assertThat(a.isActive()).as("a's own deadline passed with its lease").isFalse();
      assertThat(await(a.heartbeat())).as("a's late renewal finds the lease taken").isFalse();
      assertThat(await(a.activeNode())).contains("node-b");
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void aLeaderThatCannotRenewStopsCountingItselfActiveBeforeItsLeaseLapses() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      TestClocks.MutableClock clock = new TestClocks.MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
      CoordinatorElection a = new CoordinatorElection(vertx, "node-a", Duration.ofSeconds(30), clock);

      assertThat(await(a.heartbeat())).isTrue();
      clock.advance(Duration.ofSeconds(29));
      assertThat(a.isActive()).isTrue();
      clock.advance(Duration.ofSeconds(1)); // no renewal for a whole lease: the map may have let it lapse by now

      assertThat(a.isActive()).isFalse();
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void resigningHandsOverAtTheNextHeartbeat() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      CoordinatorElection a = new CoordinatorElection(vertx, "node-a", Duration.ofSeconds(60), REAL_TIME);
      CoordinatorElection b = new CoordinatorElection(vertx, "node-b", Duration.ofSeconds(60), REAL_TIME);
      assertThat(await(a.heartbeat())).isTrue();

      await(a.resign());

      assertThat(a.isActive()).isFalse();
      assertThat(await(a.activeNode())).isEqualTo(Optional.empty());
      assertThat(await(a.heartbeat())).as("a resigned election takes nothing again").isFalse();
      assertThat(await(a.activeNode())).isEqualTo(Optional.empty());
      assertThat(await(b.heartbeat())).isTrue();
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void acrossTwoClusteredNodesTheSurvivorTakesOverWhenTheLeadersNodeLeaves() throws Exception {
    String cluster = LoopbackCluster.newName();
    Vertx nodeA = LoopbackCluster.join(cluster);
    Vertx nodeB = LoopbackCluster.join(cluster);
    try {
      Duration ttl = Duration.ofSeconds(3);
      CoordinatorElection a = new CoordinatorElection(nodeA, "node-a", ttl, REAL_TIME);
      CoordinatorElection b = new CoordinatorElection(nodeB, "node-b", ttl, REAL_TIME);
      assertThat(await(a.heartbeat())).isTrue();
      assertThat(await(b.heartbeat())).isFalse();
      assertThat(await(b.activeNode())).contains("node-a");

      long left = System.nanoTime();
      await(nodeA.close()); // its lease is not given up: it lapses in the map the survivor now holds
      while (!await(b.heartbeat())) {
        await(nodeB.timer(250));
      }
      Duration takeover = Duration.ofNanos(System.nanoTime() - left);

      assertThat(takeover).isLessThan(ttl.plusSeconds(5));
      assertThat(await(b.activeNode())).contains("node-b");
    } finally {
      await(nodeB.close());
    }
  }
}
