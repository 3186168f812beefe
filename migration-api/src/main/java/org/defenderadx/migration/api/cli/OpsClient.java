package org.defenderadx.migration.api.cli;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.EventBusTlsOptions;
import org.defenderadx.migration.api.bus.OpsReply;
import org.defenderadx.migration.api.bus.OpsRequest;
import org.defenderadx.migration.common.config.ClusterConfig;

/**
 * migrationctl's connection to the cluster: a Hazelcast lite member (it holds no data and takes no work) carrying a
 * clustered Vert.x event bus, and the requests it sends with the ops token as a header.
 *
 * <p>Joining is bounded: Hazelcast waits before and during the join for seconds only, and the whole connect is cut
 * at a deadline. A lite member alone, or with lite members only, is not a cluster: that too is "unreachable". So is
 * a cluster whose nodes do not answer {@link Addresses#OPS_PING} over the event bus: its own connections, with the
 * nodes' TLS when the target has it ({@link EventBusTlsOptions}), which a lite member can join without.
 */
public final class OpsClient implements AutoCloseable {

  /** No cluster could be joined, or it has no node to answer. */
  public static final class Unreachable extends Exception {
    public Unreachable(String message) {
      super(message);
    }
  }

  private final HazelcastInstance hazelcast;
  private final Vertx vertx;
  private final String token;

  private OpsClient(HazelcastInstance hazelcast, Vertx vertx, String token) {
    this.hazelcast = hazelcast;
    this.vertx = vertx;
    this.token = token;
  }

  public static OpsClient connect(ClusterTarget target, String token, Duration timeout) throws Unreachable {
    long deadline = System.nanoTime() + timeout.toNanos();
    VertxOptions options;
    try {
      options = new VertxOptions().setEventBusOptions(EventBusTlsOptions.apply(new EventBusOptions(), target.tls()));
    } catch (RuntimeException e) {
      throw unreachable(target, e.getMessage());
    }
    CompletableFuture<HazelcastInstance> joining = CompletableFuture.supplyAsync(
        () -> Hazelcast.newHazelcastInstance(config(target, timeout)));
    HazelcastInstance hz;
    try {
      hz = joining.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      joining.thenAccept(h -> h.getLifecycleService().terminate());
      throw unreachable(target, "no member answered within " + timeout.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable(target, "interrupted");
    } catch (ExecutionException e) {
      throw unreachable(target, String.valueOf(e.getCause().getMessage()));
    }
    if (dataMembers(hz) == 0) {
      hz.getLifecycleService().terminate();
      throw unreachable(target, "no node of cluster '" + target.name() + "' answered at " + target.members());
    }
    Vertx vertx;
    try {
      vertx = Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hz)).buildClustered()
          .toCompletionStage().toCompletableFuture().get(Math.max(left(deadline), 5_000), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      hz.getLifecycleService().terminate();
      throw unreachable(target, "joined, but the event bus did not start: " + e);
    }
    OpsClient client = new OpsClient(hz, vertx, token);
    try {
      client.ping(target, Duration.ofMillis(Math.max(left(deadline), 8_000)));
    } catch (Unreachable e) {
      client.close();
      throw e;
    }
    return client;
  }

  private static long left(long deadline) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }

  /**
   * Asks a node over the event bus. Hazelcast lets a member in without TLS or a certificate, but a node with
   * event-bus TLS neither takes messages from such a member nor gets its replies through: they are lost, and a
   * command would wait its whole timeout. Nodes older than the ping (no handler) are taken as they are.
   */
  private void ping(ClusterTarget target, Duration wait) throws Unreachable {
    try {
      vertx.eventBus().request(Addresses.OPS_PING, new JsonObject(), new DeliveryOptions().setSendTimeout(
          wait.toMillis())).toCompletionStage().toCompletableFuture().get(wait.toMillis() + 2_000,
          TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable(target, "interrupted");
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      if (noHandlers(cause)) {
        return;
      }
      throw new Unreachable("joined cluster '" + target.name() + "' (" + nodes() + " node(s)), but no node answered "
          + "over the event bus within " + wait.toSeconds() + " s (" + cause.getMessage() + "). The event bus runs "
          + "on connections of its own, both ways: the nodes' cluster.eventBusPort and a free port on "
          + target.bindHost() + ". " + tlsHint(target.tls()));
    }
  }

  private static String tlsHint(ClusterConfig.EventBusTls tls) {
    if (!tls.enabled()) {
      return "This CLI has event-bus TLS off (no cluster.tls in its configuration, no --tls-cert): nodes with "
          + "cluster.tls enabled answer only peers presenting a certificate of their authority. Give migrationctl "
          + "--config with that cluster.tls section, or --tls-key/--tls-cert/--tls-ca; else check that a firewall "
          + "lets the event-bus ports through.";
    }
    return "This CLI uses event-bus TLS with certificate " + tls.certFile() + " and trusts " + tls.caFile()
        + ": the nodes must have cluster.tls enabled, present certificates signed by that authority and trust the one "
        + "that signed this certificate; else check that a firewall lets the event-bus ports through.";
  }

  private static Unreachable unreachable(ClusterTarget target, String why) {
    return new Unreachable("cannot reach cluster '" + target.name() + "' through " + target.members() + ": " + why
        + ". Is a clustered node running (cluster.enabled: true), with the same cluster name, and reachable from "
        + "here on its cluster port?");
  }

  private static int dataMembers(HazelcastInstance hz) {
    int n = 0;
    for (Member m : hz.getCluster().getMembers()) {
      if (!m.isLiteMember()) {
        n++;
      }
    }
    return n;
  }

  static Config config(ClusterTarget target, Duration timeout) {
    Config hz = new Config();
    hz.setClusterName(target.name());
    hz.setLiteMember(true);
    hz.setInstanceName("migrationctl-" + UUID.randomUUID());
    // Vert.x takes over an instance it did not start only if the instance carries its node id.
    hz.getMemberAttributeConfig().setAttribute("__vertx.nodeId", UUID.randomUUID().toString());
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", System.getProperty("hazelcast.logging.type", "none"));
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    // Seconds, not Hazelcast's defaults (a 5 s wait before joining and a 300 s join): an operator is waiting.
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.max.join.seconds", String.valueOf(Math.max(2, timeout.toSeconds() - 1)));
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.getNetworkConfig().setPort(freePort()).setPortAutoIncrement(true).setPortCount(100);
    hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(target.bindHost());
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2);
    target.members().forEach(m -> join.getTcpIpConfig().addMember(m));
    return hz;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      return 5801;
    }
  }

  /** The number of nodes (data members) in the cluster now. */
  public int nodes() {
    return dataMembers(hazelcast);
  }

  /**
   * Sends an ops command and waits for the reply. A reply never arriving within {@code timeout}, or no node serving
   * the address, fails the future with a {@link ReplyException}.
   */
  public Future<JsonObject> request(String address, JsonObject body, Duration timeout) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
    if (token != null) {
      options.addHeader(Addresses.OPS_TOKEN_HEADER, token);
    }
    return vertx.eventBus().<JsonObject>request(address, body, options).map(m -> m.body());
  }

  public Future<OpsReply> command(String address, OpsRequest request, Duration timeout) {
    return request(address, request.toJson(), timeout).map(OpsReply::fromJson);
  }

  /**
   * Publishes a command every node receives ({@link Addresses#OPS_DRAIN}) and collects the replies: {@code expected}
   * of them, or as many as came before {@code timeout}.
   */
  public Future<List<OpsReply>> publish(String address, OpsRequest request, int expected, Duration timeout) {
    String replyTo = "migrationctl.reply." + UUID.randomUUID();
    List<OpsReply> replies = new ArrayList<>();
    io.vertx.core.Promise<List<OpsReply>> done = io.vertx.core.Promise.promise();
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(replyTo, m -> {
      synchronized (replies) {
        replies.add(OpsReply.fromJson(m.body()));
        if (replies.size() >= expected) {
          done.tryComplete(List.copyOf(replies));
        }
      }
    });
    long timer = vertx.setTimer(timeout.toMillis(), t -> {
      synchronized (replies) {
        done.tryComplete(List.copyOf(replies));
      }
    });
    return consumer.completion().compose(v -> {
      DeliveryOptions options = new DeliveryOptions().addHeader(Addresses.OPS_REPLY_TO_HEADER, replyTo);
      if (token != null) {
        options.addHeader(Addresses.OPS_TOKEN_HEADER, token);
      }
      vertx.eventBus().publish(address, request.toJson(), options);
      return done.future();
    }).eventually(() -> {
      vertx.cancelTimer(timer);
      return consumer.unregister();
    });
  }

  /** True when the failure means no node serves the address (an older node, or none at all). */
  public static boolean noHandlers(Throwable e) {
    return e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS;
  }

  public static boolean timedOut(Throwable e) {
    return e instanceof ReplyException r && r.failureType() == ReplyFailure.TIMEOUT;
  }

  public Optional<Vertx> vertx() {
    return Optional.of(vertx);
  }

  /**
   * Leaves the cluster. Vert.x does not stop a Hazelcast instance it was handed, so this does; a lite member holds no
   * data, so it can leave at once instead of gracefully.
   */
  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // leaving the cluster below is what matters
    } finally {
      hazelcast.getLifecycleService().terminate();
    }
  }
}
