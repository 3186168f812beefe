package org.defenderadx.migration.worker.lease;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.worker.testing.LoopbackCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TableLeasesTest {

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void oneHolderAtATimeAndALapsedLeaseCanBeTakenAndNoLongerCommits() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      TableLeases leases = new TableLeases(vertx);
      String key = TableLeases.key("", "DeviceInfo");

      String first = await(leases.acquire(key, Duration.ofMillis(400)));
      assertThat(first).isNotNull();
      assertThat(await(leases.acquire(key, Duration.ofMillis(400)))).as("held").isNull();
      assertThat(await(leases.renew(key, first, Duration.ofMillis(400)))).isTrue();

      await(vertx.timer(1_000)); // the lease was not renewed: it lapses
      String second = await(leases.acquire(key, Duration.ofSeconds(30)));

      assertThat(second).isNotNull().isNotEqualTo(first);
      assertThat(await(leases.holds(key, first))).isFalse();
      assertThat(await(leases.renew(key, first, Duration.ofSeconds(30)))).as("a lost lease is not renewed").isFalse();
      assertThat(await(leases.holds(key, second))).isTrue();
      await(leases.release(key, first)); // releasing a lost lease leaves the new holder alone
      assertThat(await(leases.holds(key, second))).isTrue();
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void twoClusteredNodesNeverHoldTheSameTable() throws Exception {
    String cluster = LoopbackCluster.newName();
    Vertx a = LoopbackCluster.join(cluster);
    Vertx b = LoopbackCluster.join(cluster);
    try {
      String key = TableLeases.key("contoso", "DeviceProcessEvents");
      String onA = await(new TableLeases(a).acquire(key, Duration.ofSeconds(30)));
      String onB = await(new TableLeases(b).acquire(key, Duration.ofSeconds(30)));

      assertThat(onA).isNotNull();
      assertThat(onB).isNull();
      assertThat(await(new TableLeases(b).holds(key, onA))).isTrue();
    } finally {
      await(a.close());
      await(b.close());
    }
  }
}
