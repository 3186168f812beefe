package org.defenderadx.migration.worker.node;

import com.azure.core.http.HttpClient;
import com.microsoft.azure.kusto.data.ClientFactory;
import com.microsoft.azure.kusto.ingest.IngestClient;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClientOptions;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.ClusterConfig;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.common.config.MigrationTuning;
import org.defenderadx.migration.common.config.TenantConfig;
import org.defenderadx.migration.common.outcome.OutcomeClassifier;
import org.defenderadx.migration.common.outcome.RetryPolicy;
import org.defenderadx.migration.common.quota.QuotaLimits;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.MergePolicy;
import org.defenderadx.migration.common.window.CloseWait;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.common.window.WindowSplitter;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.AdxConnections;
import org.defenderadx.migration.worker.adx.AdxRowAppender;
import org.defenderadx.migration.worker.adx.IngestionClients;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.defenderadx.migration.worker.auth.AccessTokenSource;
import org.defenderadx.migration.worker.auth.AzureCredentials;
import org.defenderadx.migration.worker.cluster.ClusterSetup;
import org.defenderadx.migration.worker.cluster.PeerSignature;
import org.defenderadx.migration.worker.cluster.CoordinatorElection;
import org.defenderadx.migration.worker.defender.HuntingClient;
import org.defenderadx.migration.worker.export.BacklogEstimate;
import org.defenderadx.migration.worker.export.CommittedWindows;
import org.defenderadx.migration.worker.export.HourlyCounts;
import org.defenderadx.migration.worker.export.LateCommitWatch;
import org.defenderadx.migration.worker.export.PlannedUnitStore;
import org.defenderadx.migration.worker.export.Repairer;
import org.defenderadx.migration.worker.export.ServiceClock;
import org.defenderadx.migration.worker.export.SnapshotExporter;
import org.defenderadx.migration.worker.export.SourceSchemas;
import org.defenderadx.migration.worker.export.TableExporter;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.export.Verifier;
import org.defenderadx.migration.worker.export.WindowFetcher;
import org.defenderadx.migration.worker.hooks.TestHooks;
import org.defenderadx.migration.worker.ingest.EventBusIngestion;
import org.defenderadx.migration.worker.ingest.IngestionPort;
import org.defenderadx.migration.worker.ingest.IngestionService;
import org.defenderadx.migration.worker.ingest.IngestionVerticle;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.ops.NodeObservability;
import org.defenderadx.migration.worker.ops.OpsCommands;
import org.defenderadx.migration.worker.ops.OpsHolds;
import org.defenderadx.migration.worker.ops.OpsToken;
import org.defenderadx.migration.worker.ops.OpsVerticle;
import org.defenderadx.migration.worker.quota.InFlightBytes;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.defenderadx.migration.worker.typed.TypedTables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of the service: builds everything from the validated configuration and deploys the coordinator and a
 * table worker. Clustered (Hazelcast from {@code conf/cluster.xml} with the {@code cluster} keys over it, TCP-IP on
 * the configured members, multicast off) when the configuration says so; one code path either way. Every node runs a
 * coordinator; only the one holding the coordinator lease plans.
 */
public final class MigrationNode {

  private static final Logger LOG = LoggerFactory.getLogger(MigrationNode.class);
  /** The planner starts this far inside the source's 30 days, so a window is not lost to the edge mid-flight. */
  static final Duration PLANNER_HORIZON_MARGIN = Duration.ofMinutes(10);

  /** What differs between production and a test: the clock, and (tests only) an HTTP client for token calls. */
  public record Environment(TimeSource time, Optional<HttpClient> identityHttpClient, String nodeName) {
    /**
     * The system clock (unless the test hook {@link TestHooks#CLOCK} sets another); the node is named by
     * {@code -Dmigration.node=<name>}, else after the host.
     */
    public static Environment production() {
      return new Environment(TestHooks.clock().orElseGet(TimeSource::system), Optional.empty(),
          System.getProperty("migration.node", hostName()));
    }
  }

  private final Vertx vertx;
  private final IngestClient ingestClient;
  private final CoordinatorVerticle coordinator;
  private final NodeObservability ops;
  private final TableRuns runs;

  private MigrationNode(Vertx vertx, IngestClient ingestClient, CoordinatorVerticle coordinator,
                        NodeObservability ops, TableRuns runs) {
    this.runs = runs;
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
        System.out.println("defender-adx-migration: shutting down; windows under way are released uncommitted");
        System.out.flush();
        LOG.info("shutting down: no new work is taken; windows under way are released (a restart confirms them)");
        try {
          node.stop().await(STOP_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
          System.out.println("defender-adx-migration: stopped");
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
    MigrationStateStore state = new MigrationStateStore(adx, new AdxRowAppender(adx));
    IngestionClients ingestionClients = IngestionClients.create(settings.adx(), adx, sdkPool);
    IngestClient ingestClient = ingestionClients.client();
    WindowIngestion ingestion = ingestionClients.ingestion();

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

    // Nodes sign what they send each other, and seal what they write to shared maps, with a key derived from the
    // ops token (PeerSignature).
    PeerSignature peers = new PeerSignature(settings.ops().token());
    ServiceClock serviceClock = new ServiceClock();
    HuntingClient hunting = new HuntingClient(vertx, vertx.createHttpClient(new HttpClientOptions()
        .setKeepAlive(true)), time.clock(), Duration.ofMinutes(4), settings.migration());
    WindowFetcher fetcher = new WindowFetcher(vertx, hunting, new SharedCallBudget(vertx, time).sealedBy(peers),
        new OutcomeClassifier(time.clock(), new Random(), RetryPolicy.defaults(),
            settings.migration().maxServiceWait()),
        new WindowSplitter(new WindowGrid(settings.migration().windowGrid())), time,
        settings.adx().blobTargetBytes(), serviceClock);
    TableLeases leases = new TableLeases(vertx).sealedBy(peers);
    // Every send and commit goes through the ingestion verticle; the exporters and repairs reach it over the event bus.
    IngestionService.Options delivery = IngestionService.Options.defaults();
    IngestionService ingestionService = new IngestionService(vertx, ingestion, state, time, delivery,
        adxBreaker(vertx), leases::holds);
    IngestionPort toIngestion = new EventBusIngestion(vertx, delivery.longestDelivery());
    TypedTables typedTables = new TypedTables(adx, state, settings.adx().tablePolicies(), time, env.nodeName());
    SnapshotExporter snapshots = new SnapshotExporter(fetcher, toIngestion, state, time,
        SnapshotExporter.Options.defaults(env.nodeName(), settings.migration()));
    TableExporter exporter = new TableExporter(vertx, fetcher, toIngestion, state,
        new WindowPlanner(new WindowGrid(settings.migration().windowGrid())), time,
        TableExporter.Options.defaults(env.nodeName()).withMaxCommitBatch(settings.migration().maxCommitBatch()),
        snapshots,
        new InFlightBytes(settings.adx().maxInFlightBytes()))
        .mergingCells(new HourlyCounts(fetcher, adx), new PlannedUnitStore(adx, state),
            MergePolicy.of(settings.migration().rowCap(), settings.migration().byteCap()))
        .keepingTypedTables(typedTables);

    ClusterConfig cluster = settings.cluster();
    // Leases lapse in real time, whatever clock the export runs on: a monotonic real-time clock.
    CoordinatorElection election = new CoordinatorElection(vertx, env.nodeName(), cluster.leaseTtl(),
        TimeSource.scaled(java.time.Instant.now(), 1).clock());
    WindowSchedule schedule = new WindowSchedule(settings.migration().initialLookback(), PLANNER_HORIZON_MARGIN,
        settings.migration().settleLag());
    if (cluster.enabled() && !peers.configured()) {
      LOG.warn("clustered without an ops token: table work, outcomes, run-now and the shared leases, holds and "
          + "call budgets are not authenticated, so any member of the Hazelcast cluster can send or write them "
          + "(set ops.tokenEnv; SECURITY.md)");
    }
    CoordinatorVerticle coordinator = new CoordinatorVerticle(state, leases, tenants.keySet(), schedule,
        serviceClock, time, settings.migration().cycleInterval(), election, cluster.heartbeat(), peers)
        .waitingForCloses(new CloseWait(new WindowGrid(settings.migration().windowGrid()),
            settings.migration().closeWait()));
    TableRuns runs = new TableRuns(vertx, exporter, tenants, leases, cluster.tableLeaseTtl(), env.nodeName(),
        new OfferCheck(state, schedule, serviceClock, time))
        .signedBy(peers)
        .parkUnavailableTables(state, time, settings.migration().parkProbeInterval())
        .watchLateCommits(new LateCommitWatch(new HourlyCounts(fetcher, adx), new CommittedWindows(adx),
            adx, state, time, new LateCommitWatch.Options(env.nodeName(), Duration.ofHours(6),
                MigrationTuning.HORIZON, PLANNER_HORIZON_MARGIN, settings.migration().horizonMargin())));
    NodeObservability observability = NodeObservability.attach(vertx, registry, settings, time, env.nodeName(),
        tenants, state, adx, fetcher, ingestion, runs::observe);
    boolean exports = cluster.has(ClusterConfig.NodeRole.EXPORTER);
    boolean coordinates = cluster.has(ClusterConfig.NodeRole.COORDINATOR);
    OpsVerticle ops = ops(vertx, settings, env, adx, state, fetcher, toIngestion, leases, tenants, coordinator,
        typedTables, serviceClock, exports ? runs::drain : () -> Future.succeededFuture(false),
        exporter.backlogEstimate().orElse(null));
    int instances = settings.migration().fetchInstances();
    // Roles (cluster.roles): a node without the exporter role takes no table work; one without the coordinator
    // role never plans, not even on standby. Ingestion first: the fetch verticles hand it their windows.
    return vertx.deployVerticle(new IngestionVerticle(ingestionService))
        .compose(id -> exports ? vertx.deployVerticle(() -> new FetchVerticle(runs, env.nodeName()),
            new DeploymentOptions().setInstances(instances)) : Future.succeededFuture(""))
        .compose(id -> coordinates ? vertx.deployVerticle(coordinator) : Future.succeededFuture(""))
        .compose(id -> vertx.deployVerticle(ops))
        .compose(id -> observability.start(vertx, coordinator::lastOutcomes))
        .map(id -> {
          LOG.info("node {} started ({}{}): {} tenant(s), database {} on {}", env.nodeName(),
              cluster.roles().stream().map(ClusterConfig.NodeRole::configName).sorted()
                  .collect(Collectors.joining(" and ")),
              exports ? ", " + instances + " fetch instance(s)" : "",
              tenants.size(), settings.adx().database(), settings.adx().clusterUrl());
          return new MigrationNode(vertx, ingestClient, coordinator, observability, runs);
        });
  }

  /** The ops commands (migrationctl); drain stops this node's table worker taking work and lets its windows settle. */
  private static OpsVerticle ops(Vertx vertx, MigrationSettings settings, Environment env, AdxClient adx,
                                 MigrationStateStore state, WindowFetcher fetcher, IngestionPort toIngestion,
                                 TableLeases leases, Map<String, TenantContext> tenants,
                                 CoordinatorVerticle coordinator, TypedTables typedTables,
                                 ServiceClock serviceClock,
                                 Supplier<Future<Boolean>> drain, BacklogEstimate backlog) {
    TimeSource time = env.time();
    PeerSignature peers = new PeerSignature(settings.ops().token());
    Verifier verifier = new Verifier(new HourlyCounts(fetcher, adx), time, MigrationTuning.HORIZON);
    // A repair's sends go to the ingestion verticle like every other send (its delivery timeout already covers a
    // send's every attempt, IngestionService.Options.longestDelivery).
    Repairer repairer = new Repairer(fetcher, toIngestion, adx, new CommittedWindows(adx), verifier, state, time,
        Repairer.Options.defaults(env.nodeName())).keepingTypedTables(typedTables);
    OpsCommands commands = new OpsCommands(vertx, state, new AdxRowAppender(adx), adx, leases, new OpsHolds(vertx, peers),
        tenants, verifier, repairer, new WindowPlanner(new WindowGrid(settings.migration().windowGrid())),
        new WindowSchedule(settings.migration().initialLookback(), PLANNER_HORIZON_MARGIN,
            settings.migration().settleLag()),
        serviceClock, time, (tenant, table) -> CoordinatorVerticle.askActive(vertx, peers, tenant, table), drain,
        OpsCommands.Options.defaults(env.nodeName(), settings.migration().settleLag()),
        new PlannedUnitStore(adx, state), new SourceSchemas(fetcher, time), typedTables,
        backlog);
    return new OpsVerticle(commands, new OpsToken(settings.ops().token()));
  }

  /** Opens after repeated failed sends to ADX: sends then wait for it instead of hammering a cluster that is down. */
  private static CircuitBreaker adxBreaker(Vertx vertx) {
    return CircuitBreaker.create("adx", vertx, new CircuitBreakerOptions().setMaxFailures(5).setTimeout(-1)
            .setResetTimeout(Duration.ofSeconds(30).toMillis()))
        .openHandler(v -> LOG.warn("ADX: circuit breaker open after repeated failed sends; sends wait"))
        .closeHandler(v -> LOG.info("ADX: circuit breaker closed"));
  }

  /** A local Vert.x, or with clustering enabled one clustered as {@link ClusterSetup} says; meters go to the registry. */
  private static Future<Vertx> vertx(ClusterConfig cluster, PrometheusMeterRegistry registry) {
    return cluster.enabled()
        ? ClusterSetup.clusteredVertx(cluster, options -> NodeObservability.vertxBuilder(registry, options))
        : Future.succeededFuture(NodeObservability.vertxBuilder(registry).build());
  }

  /** The coordinator's view of the last outcome per table, for status and tests. */
  public CoordinatorVerticle coordinator() {
    return coordinator;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Each step of {@link #stop()} (undeploying, closing Vert.x) is bounded by this. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Stops the node: undeploys the verticles first (the table worker releases its runs and leases; continuations on a
   * closed Vert.x would never run), then closes Vert.x and the ingest client. Runs on a thread of its own, outside
   * Vert.x, since closing Vert.x from one of its own threads would wait on itself.
   */

  /** Metrics, status and the ops HTTP server ({@link NodeObservability#httpPort()}). */
  public NodeObservability ops() {
    return ops;
  }

  public Future<Void> stop() {
    Promise<Void> stopped = Promise.promise();
    Thread stopper = new Thread(() -> {
      try {
        // The runs first: they end at once, release their leases and publish their outcomes.
        runs.stop().await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.warn("stopping the table runs did not finish cleanly: {}", e.getMessage());
      }
      try {
        List<Future<Void>> undeployed = new ArrayList<>();
        vertx.deploymentIDs().forEach(id -> undeployed.add(vertx.undeploy(id)));
        Future.join(undeployed).await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.warn("undeploying did not finish cleanly: {}", e.getMessage());
      }
      try {
        vertx.close().await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.warn("closing Vert.x did not finish cleanly: {}", e.getMessage());
      }
      try {
        ingestClient.close();
      } catch (Exception e) {
        LOG.debug("closing the ingest client: {}", e.getMessage());
      }
      stopped.complete();
    }, "migration-node-stop");
    stopper.start();
    return stopped.future();
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "node";
    }
  }
}
