package org.defenderadx.migration.worker.node;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.bus.TableWork;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.worker.export.TableExporter;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.ops.EngineObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes table work from the event bus and runs it through the {@link TableExporter}, renewing the table's lease
 * while it runs; a commit is refused once the lease is lost. Replies with the {@link TableOutcome}.
 */
public final class TableWorkerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(TableWorkerVerticle.class);

  private final TableExporter exporter;
  private final Map<String, TenantContext> tenants;
  private final TableLeases leases;
  private final Duration leaseTtl;
  private final String node;
  private MessageConsumer<JsonObject> consumer;
  private volatile EngineObserver observer = EngineObserver.NONE;
  private volatile org.defenderadx.migration.worker.export.LateCommitWatch lateCommits;
  private final java.util.Set<io.vertx.core.Promise<Void>> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public TableWorkerVerticle(TableExporter exporter, Map<String, TenantContext> tenants, TableLeases leases,
                             Duration leaseTtl, String node) {
    this.exporter = exporter;
    this.tenants = tenants;
    this.leases = leases;
    this.leaseTtl = leaseTtl;
    this.node = node;
  }

  /**
   * After a run that caught up, re-counts the table's recently exported hours at the source (one call, at most every
   * {@link org.defenderadx.migration.worker.export.LateCommitWatch#RECHECK_EVERY}) and audits
   * late commits and windows at risk of the 30-day horizon ({@link org.defenderadx.migration.worker.export.LateCommitWatch}).
   */
  public TableWorkerVerticle watchLateCommits(org.defenderadx.migration.worker.export.LateCommitWatch watch) {
    this.lateCommits = watch;
    return this;
  }

  /** Reports which tables this worker is running to {@code observer} (status page, progress logs). */
  public void observe(EngineObserver observer) {
    this.observer = observer;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().consumer(Addresses.TABLE_WORK, this::handle);
    return consumer.completion();
  }

  /**
   * Shutdown: take no more work and end every table run at once, leaving its windows under way uncommitted (a restart
   * finds their sends and confirms them, docs/correctness.md); reply to the coordinator and release the leases,
   * bounded by {@link #STOP_TIMEOUT}. Waiting for the windows to settle would be in vain: during JVM shutdown the SDK
   * can neither send nor confirm.
   */
  /**
   * Ops {@code drain}: take no more work, let the windows under way settle (what ADX confirms is committed, nothing
   * new is started) and reply to the coordinator; false when already drained. Unlike {@link #stop()} the node keeps
   * running, so sends and confirmations still work.
   */
  public Future<Boolean> drain() {
    if (drained) {
      return Future.succeededFuture(false);
    }
    drained = true;
    exporter.drain();
    List<Future<Void>> pending = new java.util.ArrayList<>();
    inFlight.forEach(p -> pending.add(p.future()));
    LOG.info("draining: {} table run(s) in flight settle; no more work is taken", pending.size());
    return consumer.unregister().compose(v -> Future.join(pending)).map(true);
  }

  private volatile boolean drained;

  @Override
  public Future<?> stop() {
    List<Future<Void>> pending = new java.util.ArrayList<>();
    inFlight.forEach(p -> pending.add(p.future()));
    LOG.info("stopping: {} table run(s) in flight released", pending.size());
    exporter.abandon();
    return consumer.unregister()
        .compose(v -> Future.join(pending).timeout(STOP_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
        .otherwiseEmpty();
  }

  static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

  private void handle(Message<JsonObject> message) {
    TableWork work = TableWork.fromJson(message.body());
    TenantContext tenant = tenants.get(work.tenantKey());
    if (tenant == null) {
      reply(message, failed(work, "tenant '" + work.tenantKey() + "' is not in this node's configuration"));
      return;
    }
    String key = TableLeases.key(work.tenantKey(), work.sourceTable());
    // Lease renewals run on real time: leases expire in real time whatever the clock the export runs on.
    long renewal = vertx.setPeriodic(Math.max(1, leaseTtl.toMillis() / 3), id ->
        leases.renew(key, work.leaseId(), leaseTtl).onSuccess(held -> {
          if (!held) {
            LOG.warn("{} (tenant '{}'): lease lost; this node will not commit it any further", work.sourceTable(),
                work.tenantKey());
          }
        }));
    TableExporter.CommitGuard guard = () -> leases.holds(key, work.leaseId()).compose(held -> held
        ? Future.succeededFuture()
        : Future.failedFuture("the lease on " + work.sourceTable() + " was lost (another node may have taken the "
            + "table over); not committing"));
    MigrationConfigRow row = MigrationConfigRow.fromColumns(work.configRow());
    io.vertx.core.Promise<Void> settled = io.vertx.core.Promise.promise();
    inFlight.add(settled);
    observer.tableStarted(work.tenantKey(), work.sourceTable());
    // The lease is held (and renewed) until the reply: the coordinator takes a lapsed lease without a reply for a
    // node that died, and the late-commit check after a caught-up run may take a while.
    Runnable release = () -> {
      vertx.cancelTimer(renewal);
      leases.release(key, work.leaseId()).onComplete(x -> {
        inFlight.remove(settled);
        settled.complete();
      });
    };
    exporter.run(tenant, row, work.horizonStart(), work.closePoint(), work.runId(), guard).onComplete(ar -> {
      observer.tableFinished(work.tenantKey(), work.sourceTable());
      if (ar.failed()) {
        release.run();
        reply(message, failed(work, String.valueOf(ar.cause())));
        return;
      }
      TableExporter.Result r = ar.result();
      TableOutcome outcome = new TableOutcome(work.tenantKey(), work.sourceTable(), r.rowsExported(),
          r.windowsCommitted(), r.caughtUp(), r.row().lastRefreshed(), r.pausedUntil(), r.failure(), node);
      if (lateCommits == null || !r.caughtUp() || r.failure().isPresent()) {
        release.run();
        reply(message, outcome);
        return;
      }
      // A failed re-count costs nothing but this cycle's check: the outcome stands either way.
      lateCommits.checkIfDue(tenant, r.row(), work.runId())
          .onSuccess(due -> due.ifPresent(found -> found.newlyAudited().forEach(c -> LOG.warn("{} (tenant '{}'): {} row(s) committed at "
              + "the source after their hour [{}, {}) was exported; audited as LateCommit (repair brings them in)",
              work.sourceTable(), work.tenantKey(), c.appeared(), c.from(), c.to()))))
          .onFailure(e -> LOG.warn("{} (tenant '{}'): late-commit re-count failed: {}", work.sourceTable(),
              work.tenantKey(), e.getMessage()))
          .onComplete(x -> {
            release.run();
            reply(message, outcome);
          });
    });
  }

  private TableOutcome failed(TableWork work, String reason) {
    return new TableOutcome(work.tenantKey(), work.sourceTable(), 0, 0, false, Optional.empty(), Optional.empty(),
        Optional.of(reason), node);
  }

  private static void reply(Message<JsonObject> message, TableOutcome outcome) {
    message.reply(outcome.toJson());
  }
}
