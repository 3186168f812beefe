package org.defenderadx.migration.worker.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.defenderadx.migration.api.bus.EventBusTlsOptions;
import org.defenderadx.migration.common.config.ClusterConfig;
import org.defenderadx.migration.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A clustered Vert.x from the {@code cluster} section: Hazelcast from the base XML ({@code conf/cluster.xml}) with the
 * section's keys applied over it, and the event bus between nodes (TLS with client certificates when configured).
 */
public final class ClusterSetup {
  private ClusterSetup() {
  }

  private static final Logger LOG = LoggerFactory.getLogger(ClusterSetup.class);

  /** Where the build puts a copy of {@code conf/cluster.xml} (not at the root: Vert.x would pick that up itself). */
  public static final String CLASSPATH_XML = "defender-adx-migration/cluster.xml";

  public static Future<Vertx> clusteredVertx(ClusterConfig cluster) {
    return clusteredVertx(cluster, options -> Vertx.builder().with(options));
  }

  /** Clustered as configured, built by {@code builder} from the options with the event bus set (e.g. with metrics). */
  public static Future<Vertx> clusteredVertx(ClusterConfig cluster,
                                             java.util.function.Function<VertxOptions, io.vertx.core.VertxBuilder> builder) {
    Config hazelcast;
    VertxOptions options;
    try {
      hazelcast = hazelcastConfig(cluster);
      options = new VertxOptions().setEventBusOptions(eventBusOptions(cluster));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return builder.apply(options).withClusterManager(new HazelcastClusterManager(hazelcast)).buildClustered();
  }

  /** The base XML with the configured name, interface, port, members and heartbeat timings applied over it. */
  public static Config hazelcastConfig(ClusterConfig cluster) {
    Config hz = baseXml(cluster);
    hz.setClusterName(cluster.name());
    hz.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(cluster.heartbeat().toSeconds()));
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(cluster.memberTimeout().toSeconds()));
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.getNetworkConfig().setPort(cluster.port());
    hz.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(List.of(cluster.host()));
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (join.getKubernetesConfig().isEnabled()) {
      if (!cluster.members().isEmpty()) {
        throw new ConfigException(List.of("cluster.members: the Hazelcast XML enables Kubernetes discovery; leave "
            + "the member list empty (the headless service names the members)"));
      }
      LOG.info("cluster '{}': members from Kubernetes discovery (Hazelcast XML)", cluster.name());
      return hz;
    }
    join.getTcpIpConfig().setEnabled(true)
        .setMembers(cluster.members().isEmpty() ? List.of(cluster.host()) : cluster.members());
    return hz;
  }

  private static Config baseXml(ClusterConfig cluster) {
    if (cluster.hazelcastConfig().isPresent()) {
      Path file = Path.of(cluster.hazelcastConfig().get());
      if (!Files.isReadable(file)) {
        throw new ConfigException(List.of("cluster.hazelcastConfig: cannot read " + file.toAbsolutePath()));
      }
      try (InputStream in = Files.newInputStream(file)) {
        return new XmlConfigBuilder(in).build();
      } catch (IOException | RuntimeException e) {
        throw new ConfigException(List.of("cluster.hazelcastConfig: " + file + " is not a Hazelcast configuration: "
            + e.getMessage()));
      }
    }
    try (InputStream in = ClusterSetup.class.getClassLoader().getResourceAsStream(CLASSPATH_XML)) {
      if (in == null) {
        throw new IllegalStateException(CLASSPATH_XML + " is missing from the class path (a broken build)");
      }
      return new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + CLASSPATH_XML + ": " + e.getMessage(), e);
    }
  }

  /**
   * The event bus between nodes: on {@code cluster.eventBusPort}, and with TLS when enabled
   * ({@link EventBusTlsOptions}: this node's key and certificate, trust in the configured authority only, a client
   * certificate required of every peer).
   */
  public static EventBusOptions eventBusOptions(ClusterConfig cluster) {
    return EventBusTlsOptions.apply(new EventBusOptions().setPort(cluster.eventBusPort()), cluster.eventBusTls());
  }
}
