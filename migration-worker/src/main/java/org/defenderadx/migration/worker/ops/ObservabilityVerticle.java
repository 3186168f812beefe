package org.defenderadx.migration.worker.ops;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires observability to the event bus and the clock: serves the ops HTTP endpoints, answers
 * {@link Addresses#OPS_STATUS}, republishes this node's {@link NodeActivity} every {@link #PUBLISH_EVERY}, reads the
 * call budgets into the metrics, and has {@link BackfillLog} report every {@link #PROGRESS_EVERY}.
 */
public final class ObservabilityVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ObservabilityVerticle.class);
  static final Duration PUBLISH_EVERY = Duration.ofSeconds(2);
  static final Duration PROGRESS_EVERY = Duration.ofSeconds(30);

  private final OpsHttpServer http;
  /** The status names tables, errors and quotas: it is read with the ops token, as every ops command is. */
  private final OpsToken token;
  private final StatusReport status;
  private final NodeActivity activity;
  private final BackfillLog progress;
  private final MigrationMetrics metrics;
  private final SharedCallBudget budget;
  private final Map<String, TenantContext> tenants;
  private final Supplier<Map<String, TableOutcome>> outcomes;
  private MessageConsumer<JsonObject> consumer;
  private long publishTimer;
  private long progressTimer;

  public ObservabilityVerticle(OpsHttpServer http, StatusReport status, NodeActivity activity, BackfillLog progress,
                               MigrationMetrics metrics, SharedCallBudget budget, Map<String, TenantContext> tenants,
                               Supplier<Map<String, TableOutcome>> outcomes, OpsToken token) {
    this.token = token;
    this.http = http;
    this.status = status;
    this.activity = activity;
    this.progress = progress;
    this.metrics = metrics;
    this.budget = budget;
    this.tenants = tenants;
    this.outcomes = outcomes;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().consumer(Addresses.OPS_STATUS, msg -> {
      if (!token.matches(msg.headers().get(Addresses.OPS_TOKEN_HEADER))) {
        msg.fail(401, "status refused: " + (msg.headers().contains(Addresses.OPS_TOKEN_HEADER)
            ? "wrong ops token" : "no ops token"));
        return;
      }
      status.current().onComplete(ar -> {
        if (ar.succeeded()) {
          msg.reply(ar.result());
        } else {
          msg.fail(503, "the status cannot be read from ADX: " + ar.cause().getMessage());
        }
      });
    });
    publishTimer = vertx.setPeriodic(0, PUBLISH_EVERY.toMillis(), id -> publish());
    progressTimer = vertx.setPeriodic(PROGRESS_EVERY.toMillis(), id -> progress.report());
    return Future.join(consumer.completion(), http.start())
        .onSuccess(x -> LOG.info("ops endpoints listening on port {}: / (status page), /health, /metrics, "
            + "/api/status", http.port()));
  }

  private void publish() {
    activity.outcomes(outcomes.get());
    activity.publish().onFailure(e -> LOG.debug("cannot publish this node's activity: {}", e.getMessage()));
    tenants.values().forEach(t -> {
      budget.peek(t.key(), t.limits()).onSuccess(q -> {
        Instant now = activity.clock().instant();
        metrics.budgetLevel(t.key(), q.minutePermits(now),
            t.limits().hasHourlyLimit() ? Optional.of(q.hourPermits(now)) : Optional.empty());
      });
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(publishTimer);
    vertx.cancelTimer(progressTimer);
    return Future.join(activity.withdraw(), http.stop(), consumer.unregister()).otherwiseEmpty();
  }
}
