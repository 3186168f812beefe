package org.defenderadx.migration.worker.ops;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.Match;
import io.vertx.micrometer.MatchType;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.function.Supplier;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.defenderadx.migration.worker.cluster.PeerSignature;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.export.WindowFetcher;
import org.defenderadx.migration.worker.observe.EngineObserver;
import org.defenderadx.migration.worker.quota.SharedCallBudget;

/**
 * A node's observability, put together: metrics, activity and progress logs attached to the engine's parts, then
 * the status, readiness and HTTP endpoints deployed in one {@link ObservabilityVerticle}.
 */
public final class NodeObservability {

  private final MigrationMetrics metrics;
  private final NodeActivity activity;
  private final BackfillLog progress;
  private final StatusReport status;
  private final Readiness readiness;
  private final SharedCallBudget budget;
  private final MigrationSettings settings;
  private final Map<String, TenantContext> tenants;
  private final PrometheusMeterRegistry registry;
  private OpsHttpServer http;

  private NodeObservability(MigrationMetrics metrics, NodeActivity activity, BackfillLog progress,
                            StatusReport status, Readiness readiness, SharedCallBudget budget,
                            MigrationSettings settings, Map<String, TenantContext> tenants,
                            PrometheusMeterRegistry registry) {
    this.metrics = metrics;
    this.activity = activity;
    this.progress = progress;
    this.status = status;
    this.readiness = readiness;
    this.budget = budget;
    this.settings = settings;
    this.tenants = tenants;
    this.registry = registry;
  }

  /** A registry of its own per node, so that nodes sharing a JVM (tests) do not mix their meters. */
  public static PrometheusMeterRegistry registry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  /** A Vert.x builder whose own meters (HTTP, event bus, pools, JVM) go into {@code registry}. */
  public static VertxBuilder vertxBuilder(PrometheusMeterRegistry registry) {
    return vertxBuilder(registry, new VertxOptions());
  }

  /** The same, over {@code options} (e.g. the cluster's event-bus settings). */
  public static VertxBuilder vertxBuilder(PrometheusMeterRegistry registry, VertxOptions options) {
    // Event-bus meters by address, for the service's own addresses only: reply addresses are one per request, so
    // labelling by them would grow the registry without bound.
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
        .setRegistryName("defender-adx-migration-" + UUID.randomUUID())
        .addLabels(Label.EB_ADDRESS)
        .addLabelMatch(new Match().setDomain(MetricsDomain.EVENT_BUS).setLabel(Label.EB_ADDRESS.toString())
            .setType(MatchType.REGEX).setValue(Pattern.quote(Addresses.PREFIX) + ".*"));
    return Vertx.builder().with(options.setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry));
  }

  /** Attaches metrics, activity and progress logs to the engine's parts; call before they start work. */
  public static NodeObservability attach(Vertx vertx, PrometheusMeterRegistry registry, MigrationSettings settings,
                                         TimeSource time, String node, Map<String, TenantContext> tenants,
                                         MigrationStateStore state, AdxClient adx, WindowFetcher fetcher,
                                         WindowIngestion ingestion,
                                         java.util.function.Consumer<EngineObserver> tableRuns) {
    MigrationMetrics metrics = new MigrationMetrics(registry, time);
    NodeActivity activity = new NodeActivity(vertx, node, time, tenants);
    PeerSignature peers = new PeerSignature(settings.ops().token());
    SharedCallBudget budget = new SharedCallBudget(vertx, time).sealedBy(peers);
    StatusReport status = new StatusReport(vertx, state, adx, tenants, budget, time, Clock.systemUTC(),
        settings.migration(), node)
        .readingHolds(new OpsHolds(vertx, peers));
    BackfillLog progress = new BackfillLog(time, settings.migration().settleLag(), status.caughtUpWithin());
    EngineObserver all = EngineObserver.all(List.of(metrics, activity, progress));
    fetcher.observe(all);
    ingestion.observe(all);
    state.observe(all);
    tableRuns.accept(all);
    tenants.values().forEach(t -> metrics.breaker(t.key(), () -> t.breaker().state()));
    tenants.values().forEach(t -> metrics.credential(t.key(), t.tokens()::consecutiveFailures));
    Readiness readiness = new Readiness(status, tenants, Clock.systemUTC());
    return new NodeObservability(metrics, activity, progress, status, readiness, budget,
        settings, tenants, registry);
  }

  /** Deploys the endpoints and the status answerer; {@code outcomes} are the coordinator's. */
  public Future<NodeObservability> start(Vertx vertx, Supplier<Map<String, TableOutcome>> outcomes) {
    http = new OpsHttpServer(vertx, settings.http(), readiness, status, registry);
    return vertx.deployVerticle(new ObservabilityVerticle(http, status, activity, progress, metrics, budget, tenants,
        outcomes, new OpsToken(settings.ops().token()))).map(this);
  }

  /** The port the ops HTTP server bound (useful with {@code http.port: 0}). */
  public int httpPort() {
    return http.port();
  }

  public StatusReport status() {
    return status;
  }

  public Readiness readiness() {
    return readiness;
  }
}
