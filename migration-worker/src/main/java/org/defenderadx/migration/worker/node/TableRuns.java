package org.defenderadx.migration.worker.node;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.bus.TableWork;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.cluster.PeerSignature;
import org.defenderadx.migration.worker.export.LateCommitWatch;
import org.defenderadx.migration.worker.export.TableExporter;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.ingest.Fence;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.observe.EngineObserver;
import org.defenderadx.migration.worker.ops.OpsHolds;
import org.defenderadx.migration.worker.ops.TableParking;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The table runs of one node, shared by its fetch verticle instances. A run starts from a coordinator's offer: this
 * node acquires the table's lease itself (an offer for a table someone holds is declined), keeps renewing it for as
 * long as the run takes, commits only under it (the {@link Fence}), releases it at the end and publishes the
 * {@link TableOutcome} on {@link Addresses#TABLE_OUTCOMES}. No timeout ends a run: a lease renewed is a table kept.
 */
public final class TableRuns {

  private static final Logger LOG = LoggerFactory.getLogger(TableRuns.class);
  /** How long a stopping node waits for its runs to release their leases. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

  /** The answer to an offer. */
  public record Answer(boolean accepted, String reason) {
  }

  private final Vertx vertx;
  private final TableExporter exporter;
  private final Map<String, TenantContext> tenants;
  private final TableLeases leases;
  private volatile OpsHolds holds;
  private final Duration leaseTtl;
  private final String node;
  private final OfferCheck offerCheck;
  private volatile PeerSignature peers = PeerSignature.NONE;
  private final Set<Promise<Void>> inFlight = ConcurrentHashMap.newKeySet();
  private volatile EngineObserver observer = EngineObserver.NONE;
  private volatile LateCommitWatch lateCommits;
  /** What parking needs besides the holds (see {@link #parkUnavailableTables}); null: tables are not parked. */
  private record Parking(MigrationStateStore state, TimeSource time, Duration probeInterval) {
  }

  private volatile Parking parking;
  private volatile boolean closed;
  /** Completed when the node drains or stops: the fetch verticles then stop listening for offers. */
  private final Promise<Void> closing = Promise.promise();

  /** @param offerCheck what an offer is checked against (the row in force in ADX, this node's clocks) */
  public TableRuns(Vertx vertx, TableExporter exporter, Map<String, TenantContext> tenants, TableLeases leases,
                   Duration leaseTtl, String node, OfferCheck offerCheck) {
    this.offerCheck = offerCheck;
    this.vertx = vertx;
    this.exporter = exporter;
    this.tenants = tenants;
    this.leases = leases;
    this.holds = new OpsHolds(vertx);
    this.leaseTtl = leaseTtl;
    this.node = node;
  }

  /**
   * After a run that caught up, re-counts the table's recently exported hours at the source (one call, at most every
   * {@link LateCommitWatch#RECHECK_EVERY}) and audits late commits and windows at risk of the 30-day horizon, still
   * under the table's lease.
   */
  public TableRuns watchLateCommits(LateCommitWatch watch) {
    this.lateCommits = watch;
    return this;
  }

  /** Parks tables whose run found that the tenant does not have them ({@link TableParking}). */
  public TableRuns parkUnavailableTables(MigrationStateStore state, TimeSource time, Duration probeInterval) {
    this.parking = new Parking(state, time, probeInterval);
    return this;
  }

  /**
   * Offers must carry this cluster's signature, and outcomes are published with it (MigrationNode sets it from the
   * ops token; unset, nothing is signed or checked).
   */
  public TableRuns signedBy(PeerSignature signature) {
    this.peers = signature;
    this.holds = new OpsHolds(vertx, signature);
    return this;
  }

  /** True when an offer carries this cluster's signature (or none is configured). */
  boolean admits(Message<JsonObject> offer) {
    return peers.admits(offer);
  }

  /** Completes when this node takes no more work (drain or stop). */
  public Future<Void> closing() {
    return closing.future();
  }

  /** Reports which tables this node is running to {@code observer} (status page, progress logs). */
  public void observe(EngineObserver observer) {
    this.observer = observer;
  }

  /**
   * Takes the offered table if its lease is free and no ops hold blocks it; the run then goes on by itself and its
   * outcome is published. Declined when this node drains or stops, the tenant is not configured here, the lease is
   * held elsewhere, or a hold (pause) blocks the table.
   */
  public Future<Answer> offer(TableWork work) {
    if (closed) {
      return Future.succeededFuture(new Answer(false, "node " + node + " takes no more work"));
    }
    TenantContext tenant = tenants.get(work.tenantKey());
    if (tenant == null) {
      return Future.succeededFuture(new Answer(false, "tenant '" + work.tenantKey() + "' is not in node " + node
          + "'s configuration"));
    }
    String key = TableLeases.key(work.tenantKey(), work.sourceTable());
    return leases.acquire(key, leaseTtl).compose(leaseId -> {
      if (leaseId == null) {
        return Future.succeededFuture(new Answer(false, key + " is leased by another run"));
      }
      // Checked under the lease, so nothing commits between the check and the run: a pause or configuration change
      // by an ops command holds the table back, and the row in force is read from ADX, not taken from the offer.
      return holds.blocking(work.tenantKey(), work.sourceTable())
          .compose(held -> held != null ? Future.failedFuture("held: " + held)
              : closed ? Future.failedFuture("node " + node + " takes no more work") : offerCheck.check(work))
          .transform(checked -> {
            if (checked.failed()) {
              return leases.release(key, leaseId).map(new Answer(false, checked.cause().getMessage()));
            }
            run(checked.result(), tenant, key, leaseId);
            return Future.succeededFuture(new Answer(true, ""));
          });
    });
  }

  private void run(OfferCheck.Checked work, TenantContext tenant, String key, String leaseId) {
    String tenantKey = work.row().tenantId();
    String table = work.row().sourceTable();
    // Lease renewals run on real time: leases expire in real time whatever the clock the export runs on.
    long renewal = vertx.setPeriodic(Math.max(1, leaseTtl.toMillis() / 3), id ->
        leases.renew(key, leaseId, leaseTtl).onSuccess(held -> {
          if (!held) {
            LOG.warn("{} (tenant '{}'): lease lost; this node will not commit it any further", table, tenantKey);
          }
        }));
    Promise<Void> settled = Promise.promise();
    inFlight.add(settled);
    observer.tableStarted(tenantKey, table);
    exporter.run(tenant, work.row(), work.horizonStart(), work.closePoint(), work.runId(), TableExporter.CommitGuard.NONE,
            new Fence(key, leaseId))
        .transform(ar -> {
          observer.tableFinished(tenantKey, table);
          if (ar.failed()) {
            return Future.succeededFuture(failed(work, String.valueOf(ar.cause())));
          }
          TableExporter.Result r = ar.result();
          TableOutcome outcome = new TableOutcome(tenantKey, table, r.rowsExported(),
              r.windowsCommitted(), r.caughtUp(), r.row().lastRefreshed(), r.pausedUntil(), r.failure(), node);
          return checkLateCommits(tenant, r, work).map(outcome);
        })
        .compose(outcome -> {
          Parking p = parking;
          // Built on use, so the hold is sealed with the key signedBy set, whatever the order of the two calls.
          return p == null ? Future.succeededFuture(outcome)
              : new TableParking(holds, p.state(), p.time(), p.probeInterval(), node)
                  .afterRun(outcome, work.row().destinationTable(), work.runId()).map(outcome);
        })
        .onComplete(ar -> {
          // The lease is held until here: the late-commit check after a caught-up run may take a while.
          vertx.cancelTimer(renewal);
          leases.release(key, leaseId).onComplete(x -> {
            JsonObject outcome = ar.result().toJson();
            vertx.eventBus().publish(Addresses.TABLE_OUTCOMES, outcome, peers.sign(Addresses.TABLE_OUTCOMES, outcome));
            inFlight.remove(settled);
            settled.complete();
          });
        });
  }

  /** A failed re-count costs nothing but this cycle's check: the outcome stands either way. */
  private Future<Void> checkLateCommits(TenantContext tenant, TableExporter.Result r, OfferCheck.Checked work) {
    LateCommitWatch watch = lateCommits;
    if (watch == null || !r.caughtUp() || r.failure().isPresent() || closed) {
      return Future.succeededFuture();
    }
    return watch.checkIfDue(tenant, r.row(), work.runId())
        .onSuccess(due -> due.ifPresent(found -> found.newlyAudited().forEach(c -> LOG.warn("{} (tenant '{}'): {} "
            + "row(s) committed at the source after their hour [{}, {}) was exported; audited as LateCommit (repair "
            + "brings them in)", work.row().sourceTable(), work.row().tenantId(), c.appeared(), c.from(), c.to()))))
        .onFailure(e -> LOG.warn("{} (tenant '{}'): late-commit re-count failed: {}", work.row().sourceTable(),
            work.row().tenantId(), e.getMessage()))
        .<Void>mapEmpty().otherwiseEmpty();
  }

  private TableOutcome failed(OfferCheck.Checked work, String reason) {
    return new TableOutcome(work.row().tenantId(), work.row().sourceTable(), 0, 0, false, Optional.empty(), Optional.empty(),
        Optional.of(reason), node);
  }

  /**
   * Ops {@code drain}: take no more work, let the windows under way settle (what ADX confirms is committed, nothing
   * new is started); false when already drained. The node keeps running, so sends and confirmations still work.
   */
  public Future<Boolean> drain() {
    if (closed) {
      return Future.succeededFuture(false);
    }
    closed = true;
    closing.tryComplete();
    exporter.drain();
    List<Future<Void>> pending = underWay();
    LOG.info("draining: {} table run(s) in flight settle; no more work is taken", pending.size());
    return Future.join(pending).map(true);
  }

  /**
   * Shutdown: take no more work and end every table run at once, leaving its windows under way uncommitted (a
   * restart finds their sends and confirms them, docs/correctness.md); the leases are released and the outcomes
   * published, bounded by {@link #STOP_TIMEOUT}. Waiting for the windows to settle would be in vain: during JVM
   * shutdown the SDK can neither send nor confirm.
   */
  public Future<Void> stop() {
    closed = true;
    closing.tryComplete();
    List<Future<Void>> pending = underWay();
    LOG.info("stopping: {} table run(s) in flight released", pending.size());
    exporter.abandon();
    return Future.join(pending).timeout(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .<Void>mapEmpty().otherwiseEmpty();
  }

  private List<Future<Void>> underWay() {
    List<Future<Void>> pending = new ArrayList<>();
    inFlight.forEach(p -> pending.add(p.future()));
    return pending;
  }
}
