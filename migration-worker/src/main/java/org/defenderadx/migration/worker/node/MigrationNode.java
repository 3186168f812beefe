package org.defenderadx.migration.worker.node;

import com.azure.core.http.HttpClient;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.microsoft.azure.kusto.data.ClientFactory;
import com.microsoft.azure.kusto.ingest.IngestClientFactory;
import com.microsoft.azure.kusto.ingest.QueuedIngestClient;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.ClusterConfig;
import org.defenderadx.migration.common.config.IngestionMode;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.common.config.TenantConfig;
import org.defenderadx.migration.common.outcome.OutcomeClassifier;
import org.defenderadx.migration.common.outcome.RetryPolicy;
import org.defenderadx.migration.common.quota.QuotaLimits;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.common.window.WindowSplitter;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.AdxConnections;
import org.defenderadx.migration.worker.adx.AdxRowAppender;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.defenderadx.migration.worker.auth.AccessTokenSource;
import org.defenderadx.migration.worker.auth.AzureCredentials;
import org.defenderadx.migration.worker.defender.HuntingClient;
import org.defenderadx.migration.worker.export.ServiceClock;
import org.defenderadx.migration.worker.export.SnapshotExporter;
import org.defenderadx.migration.worker.export.TableExporter;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.export.WindowFetcher;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.ops.NodeObservability;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of the service: builds everything from the validated configuration and deploys the coordinator and a
 * table worker. Clustered (Hazelcast, TCP-IP on the configured members, multicast off) when the configuration says
 * so; one code path either way.
 */
public final class MigrationNode {

  private static final Logger LOG = LoggerFactory.getLogger(MigrationNode.class);
  static final Duration LEASE_TTL = Duration.ofMinutes(2);
  static final Duration WORK_TIMEOUT = Duration.ofHours(6);

  /** What differs between production and a test: the clock, and (tests only) an HTTP client for token calls. */
  public record Environment(TimeSource time, Optional<HttpClient> identityHttpClient, String nodeName) {
    public static Environment production() {
      return new Environment(timeSource(System.getProperty("migration.clock", "")), Optional.empty(), hostName());
    }

    /**
     * The system clock, or with {@code -Dmigration.clock=<ISO instant>@<scale>} a clock that starts at that instant
     * and runs that many times faster: for running against the simulators on their time scale (demo, tests).
     */
    static TimeSource timeSource(String spec) {
      if (spec.isBlank()) {
        return TimeSource.system();
      }
      String[] parts = spec.split("@");
      return TimeSource.scaled(java.time.Instant.parse(parts[0]), Double.parseDouble(parts[1]));
    }
  }

  private final Vertx vertx;
  private final QueuedIngestClient ingestClient;
  private final CoordinatorVerticle coordinator;
  private final NodeObservability ops;

  private MigrationNode(Vertx vertx, QueuedIngestClient ingestClient, CoordinatorVerticle coordinator,
                        NodeObservability ops) {
    this.vertx = vertx;
    this.ingestClient = ingestClient;
    this.coordinator = coordinator;
    this.ops = ops;
  }

  public static void main(String[] args) {
    Path config = Path.of(args.length > 0 ? args[0] : "conf/application.yaml");
    Vertx bootstrap = Vertx.vertx();
    MigrationSettings settings;
    try {
      settings = ConfigLoader.load(bootstrap, config).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("defender-adx-migration: cannot start: " + e.getMessage());
      bootstrap.close();
      System.exit(2);
      return;
    } finally {
      bootstrap.close();
    }
    try {
      MigrationNode node = start(settings, Environment.production()).await(5, TimeUnit.MINUTES);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        // Straight to stdout as well: the logging backend may already be stopping with the JVM.
        System.out.println("defender-adx-migration: shutting down, draining the tables in flight");
        System.out.flush();
        LOG.info("shutting down: no new work is taken; windows under way settle, confirmed ones are committed");
        try {
          node.stop().await(60, TimeUnit.SECONDS);
          System.out.println("defender-adx-migration: drained and stopped");
          System.out.flush();
        } catch (Exception e) {
          LOG.warn("shutdown did not finish cleanly: {}", e.getMessage());
        }
      }, "defender-adx-migration-shutdown"));
    } catch (Exception e) {
      LOG.error("cannot start: {}", e.getMessage(), e);
      System.exit(1);
    }
  }

  public static Future<MigrationNode> start(MigrationSettings settings, Environment env) {
    if (settings.adx().ingestionMode() != IngestionMode.QUEUED) {
      return Future.failedFuture(new IllegalArgumentException("adx.ingestionMode: only 'queued' is supported by this "
          + "version; '" + settings.adx().ingestionMode().configName() + "' is not yet"));
    }
    PrometheusMeterRegistry registry = NodeObservability.registry();
    return vertx(settings.cluster(), registry).compose(vertx -> {
      try {
        return wire(vertx, settings, env, registry).onFailure(e -> vertx.close());
      } catch (Exception e) {
        vertx.close();
        return Future.failedFuture(e);
      }
    });
  }

  private static Future<MigrationNode> wire(Vertx vertx, MigrationSettings settings, Environment env,
                                            PrometheusMeterRegistry registry) throws Exception {
    TimeSource time = env.time();
    WorkerExecutor sdkPool = vertx.createSharedWorkerExecutor("adx-sdk", 8);
    AdxClient adx = new AdxClient(ClientFactory.createClient(AdxConnections.engine(settings.adx())),
        settings.adx().database(), sdkPool);
    QueuedIngestClient ingestClient = IngestClientFactory.createClient(AdxConnections.ingestion(settings.adx()));
    MigrationStateStore state = new MigrationStateStore(adx, new AdxRowAppender(adx));
    WindowIngestion ingestion = new WindowIngestion(ingestClient, settings.adx().database(), sdkPool);

    Map<String, TenantContext> tenants = new LinkedHashMap<>();
    for (TenantConfig t : settings.tenants()) {
      AccessTokenSource tokens = new AccessTokenSource(vertx,
          () -> AzureCredentials.create(t.credential(), t.authorityHost().toString(), t.tenantId(),
              env.identityHttpClient()),
          t.api().scope(), time.clock());
      CircuitBreaker breaker = CircuitBreaker.create("defender-" + (t.key().isEmpty() ? "default" : t.key()), vertx,
          new CircuitBreakerOptions().setMaxFailures(5).setTimeout(-1)
              .setResetTimeout(time.realDelayMillis(Duration.ofSeconds(30))))
          .openHandler(v -> LOG.warn("tenant '{}': circuit breaker open after repeated failures", t.key()))
          .closeHandler(v -> LOG.info("tenant '{}': circuit breaker closed", t.key()));
      tenants.put(t.key(), new TenantContext(t, tokens,
          QuotaLimits.of(t.api().callsPerMinute(), t.api().callsPerHour()), breaker));
    }

    ServiceClock serviceClock = new ServiceClock();
    HuntingClient hunting = new HuntingClient(vertx, vertx.createHttpClient(new HttpClientOptions()
        .setKeepAlive(true)), time.clock(), Duration.ofMinutes(4));
    WindowFetcher fetcher = new WindowFetcher(vertx, hunting, new SharedCallBudget(vertx, time),
        new OutcomeClassifier(time.clock(), new Random(), RetryPolicy.defaults()), new WindowSplitter(), time,
        settings.adx().blobTargetBytes(), serviceClock);
    SnapshotExporter snapshots = new SnapshotExporter(vertx, fetcher, ingestion, state, time,
        SnapshotExporter.Options.defaults(env.nodeName(), settings.migration()));
    TableExporter exporter = new TableExporter(vertx, fetcher, ingestion, state,
        new WindowPlanner(new WindowGrid(settings.migration().windowGrid())), time,
        TableExporter.Options.defaults(env.nodeName()), snapshots);

    TableLeases leases = new TableLeases(vertx);
    CoordinatorVerticle coordinator = new CoordinatorVerticle(state, leases, tenants.keySet(),
        new WindowSchedule(settings.migration().initialLookback(), Duration.ofMinutes(10),
            settings.migration().settleLag()),
        serviceClock, time, settings.migration().cycleInterval(), LEASE_TTL, WORK_TIMEOUT);
    TableWorkerVerticle worker = new TableWorkerVerticle(exporter, tenants, leases, LEASE_TTL, env.nodeName());
    NodeObservability ops = NodeObservability.attach(vertx, registry, settings, time, env.nodeName(), tenants, state,
        adx, fetcher, ingestion, worker);
    return vertx.deployVerticle(worker)
        .compose(id -> vertx.deployVerticle(coordinator))
        .compose(id -> ops.start(vertx, coordinator::lastOutcomes))
        .map(id -> {
          LOG.info("node {} started: {} tenant(s), database {} on {}", env.nodeName(), tenants.size(),
              settings.adx().database(), settings.adx().clusterUrl());
          return new MigrationNode(vertx, ingestClient, coordinator, ops);
        });
  }

  private static Future<Vertx> vertx(ClusterConfig cluster, PrometheusMeterRegistry registry) {
    if (!cluster.enabled()) {
      return Future.succeededFuture(NodeObservability.vertxBuilder(registry).build());
    }
    Config hz = new Config();
    hz.setClusterName(cluster.name());
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    // Seconds, not Hazelcast's default minute: a dead node's tables are taken over quickly.
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    hz.getNetworkConfig().setPort(cluster.port()).setPortAutoIncrement(true);
    hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(cluster.host());
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    cluster.members().forEach(m -> join.getTcpIpConfig().addMember(m));
    if (cluster.members().isEmpty()) {
      join.getTcpIpConfig().addMember(cluster.host());
    }
    return NodeObservability.vertxBuilder(registry).withClusterManager(new HazelcastClusterManager(hz)).buildClustered();
  }

  /** The coordinator's view of the last outcome per table, for status and tests. */
  public CoordinatorVerticle coordinator() {
    return coordinator;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Metrics, status and the ops HTTP server ({@link NodeObservability#httpPort()}). */
  public NodeObservability ops() {
    return ops;
  }

  public Future<Void> stop() {
    return vertx.close().eventually(() -> {
      try {
        ingestClient.close();
      } catch (Exception e) {
        LOG.debug("closing the ingest client: {}", e.getMessage());
      }
      return Future.succeededFuture();
    });
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "node";
    }
  }
}
