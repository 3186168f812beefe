package org.defenderadx.migration.worker.node;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.bus.TableWork;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.ServiceClock;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.ops.OpsHolds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each cycle reads the configuration in force, and hands every active table that is not being exported (no lease
 * held anywhere in the cluster) to a table worker over the event bus, request-reply with a timeout. One table's
 * failure never stops the others.
 */
public final class CoordinatorVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CoordinatorVerticle.class);

  private final MigrationStateStore state;
  private final TableLeases leases;
  private final Set<String> tenantKeys;
  private final WindowSchedule schedule;
  private final ServiceClock serviceClock;
  private final TimeSource time;
  private final Duration cycle;
  private final Duration leaseTtl;
  private final Duration workTimeout;
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final Map<String, TableOutcome> lastOutcomes = new ConcurrentHashMap<>();
  private long timer;
  private OpsHolds holds;

  public CoordinatorVerticle(MigrationStateStore state, TableLeases leases, Set<String> tenantKeys,
                             WindowSchedule schedule, ServiceClock serviceClock, TimeSource time, Duration cycle,
                             Duration leaseTtl, Duration workTimeout) {
    this.state = state;
    this.leases = leases;
    this.tenantKeys = tenantKeys;
    this.schedule = schedule;
    this.serviceClock = serviceClock;
    this.time = time;
    this.cycle = cycle;
    this.leaseTtl = leaseTtl;
    this.workTimeout = workTimeout;
  }

  @Override
  public Future<?> start() {
    holds = new OpsHolds(vertx);
    timer = vertx.setPeriodic(0, time.realDelayMillis(cycle), id -> runCycle());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** The last outcome per table ({@code tenant|table}), for status. */
  public Map<String, TableOutcome> lastOutcomes() {
    return Map.copyOf(lastOutcomes);
  }

  private void runCycle() {
    runCycle(java.util.Optional.empty(), java.util.Optional.empty());
  }

  /**
   * Plans a cycle now (ops {@code run-now}) for the active tables matching the tenant and table (all when empty);
   * returns the tables handed to dispatch, {@code tenant|table}. Where only one coordinator is active, gate this
   * with that.
   */
  public Future<java.util.List<String>> runNow(java.util.Optional<String> tenantKey,
                                               java.util.Optional<String> table) {
    return runCycle(tenantKey, table);
  }

  private Future<java.util.List<String>> runCycle(java.util.Optional<String> tenantKey,
                                                  java.util.Optional<String> table) {
    return state.latest().onFailure(e -> LOG.error("cannot read the migration configuration: {}", e.getMessage()))
        .map(rows -> {
          rows.bad().forEach(b -> LOG.error("{}: configuration row not usable: {}", b.sourceTable(), b.reason()));
          String runId = UUID.randomUUID().toString();
          java.util.List<String> started = new java.util.ArrayList<>();
          for (MigrationConfigRow row : rows.rows()) {
            if (row.active() && tenantKeys.contains(row.tenantId())
                && tenantKey.map(row.tenantId()::equals).orElse(true)
                && table.map(row.sourceTable()::equals).orElse(true) && dispatch(row, runId)) {
              started.add(TableLeases.key(row.tenantId(), row.sourceTable()));
            }
          }
          return started;
        });
  }

  /** False when the table is already in flight from this coordinator. */
  private boolean dispatch(MigrationConfigRow row, String runId) {
    String key = TableLeases.key(row.tenantId(), row.sourceTable());
    if (!inFlight.add(key)) {
      return false;
    }
    leases.acquire(key, leaseTtl).compose(id -> id == null ? Future.succeededFuture((String) null)
        // Checked under the lease: a pause or configuration change by an ops command holds the table back.
        : holds.blocking(row.tenantId(), row.sourceTable()).compose(held -> held == null
            ? Future.succeededFuture(id) : leases.release(key, id).map((String) null),
            e -> leases.release(key, id).transform(x -> Future.<String>failedFuture(e)))).onComplete(ar -> {
      if (ar.failed() || ar.result() == null) {
        inFlight.remove(key); // held elsewhere in the cluster, or the map was unreachable: next cycle
        return;
      }
      String leaseId = ar.result();
      Instant now = time.now();
      Instant close = schedule.closePoint(now, java.util.Optional.of(serviceClock.now(row.tenantId(), now)),
          row.lateArrivalAllowance());
      TableWork work = new TableWork(row.tenantId(), row.sourceTable(), row.toColumns(),
          schedule.horizonStart(now), close, runId, leaseId);
      vertx.eventBus().<JsonObject>request(Addresses.TABLE_WORK, work.toJson(),
              new DeliveryOptions().setSendTimeout(workTimeout.toMillis()))
          .onComplete(reply -> {
            inFlight.remove(key);
            leases.release(key, leaseId);
            if (reply.failed()) {
              LOG.warn("{} (tenant '{}'): no outcome from a worker: {}", row.sourceTable(), row.tenantId(),
                  reply.cause().getMessage());
              return;
            }
            TableOutcome outcome = TableOutcome.fromJson(reply.result().body());
            lastOutcomes.put(key, outcome);
            if (outcome.rowsExported() > 0 || outcome.failure().isPresent()) {
              LOG.info("{} (tenant '{}'): {} rows in {} windows on {}{}", row.sourceTable(), row.tenantId(),
                  outcome.rowsExported(), outcome.windowsCommitted(), outcome.node(),
                  outcome.failure().map(f -> "; failed: " + f).orElse(""));
            }
          });
    });
    return true;
  }
}
