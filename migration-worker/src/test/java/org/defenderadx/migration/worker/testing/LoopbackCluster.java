package org.defenderadx.migration.worker.testing;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Real Vert.x clustering for tests: Hazelcast with TCP-IP join on 127.0.0.1 only, multicast off. */
public final class LoopbackCluster {
  private LoopbackCluster() {
  }

  /** A fresh cluster name, so concurrent test classes never join each other. */
  public static String newName() {
    return "test-" + UUID.randomUUID();
  }

  public static Vertx join(String clusterName) throws Exception {
    return join(clusterName, 5801);
  }

  /** A member listening on {@code port} (or the next free one), for clients that must be told where to join. */
  public static Vertx join(String clusterName, int port) throws Exception {
    Config config = new Config();
    config.setClusterName(clusterName);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(true).setPortCount(100);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    HazelcastClusterManager manager = new HazelcastClusterManager(config);
    return Vertx.builder().withClusterManager(manager).buildClustered()
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
