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
import org.defenderadx.migration.common.config.ClusterConfig;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.cluster.CoordinatorElection;
import org.defenderadx.migration.worker.export.ServiceClock;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.ops.OpsHolds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every node runs one; only the active one plans ({@link CoordinatorElection}, renewed once a heartbeat), the others
 * stand by and take over when its lease lapses. Each cycle of the active one reads the configuration in force, and
 * hands every active table that is not being exported (no lease held anywhere in the cluster) to a table worker over
 * the event bus, request-reply with a timeout. One table's failure never stops the others. A table whose lease lapsed
 * while its work was out (the worker's node died) is handed out again at the next cycle.
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
  private final Duration heartbeat;
  /** Tables handed out and not answered yet: key to lease id ({@link #ACQUIRING} until the lease is taken). */
  private final Map<String, String> inFlight = new ConcurrentHashMap<>();
  private final Map<String, TableOutcome> lastOutcomes = new ConcurrentHashMap<>();
  private CoordinatorElection election;
  private long cycleTimer = -1;
  private long heartbeatTimer = -1;
  private volatile boolean stopped;
  private OpsHolds holds;
  private io.vertx.core.eventbus.MessageConsumer<JsonObject> runNowConsumer;

  private static final String ACQUIRING = "";

  public CoordinatorVerticle(MigrationStateStore state, TableLeases leases, Set<String> tenantKeys,
                             WindowSchedule schedule, ServiceClock serviceClock, TimeSource time, Duration cycle,
                             Duration leaseTtl, Duration workTimeout) {
    this(state, leases, tenantKeys, schedule, serviceClock, time, cycle, leaseTtl, workTimeout, null,
        ClusterConfig.DEFAULT_HEARTBEAT);
  }

  /**
   * @param election this node's part in choosing the active coordinator; null: one of its own at deployment, with
   *     the default lease (a single coordinator, or tests)
   * @param heartbeat how often the election is renewed or tried
   */
  public CoordinatorVerticle(MigrationStateStore state, TableLeases leases, Set<String> tenantKeys,
                             WindowSchedule schedule, ServiceClock serviceClock, TimeSource time, Duration cycle,
                             Duration leaseTtl, Duration workTimeout, CoordinatorElection election,
                             Duration heartbeat) {
    this.election = election;
    this.heartbeat = heartbeat;
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
    if (election == null) {
      election = new CoordinatorElection(vertx, "coordinator-" + UUID.randomUUID(), ClusterConfig.DEFAULT_LEASE_TTL,
          TimeSource.scaled(Instant.now(), 1).clock());
    }
    heartbeat();
    return Future.succeededFuture();
  }

  /** Stops planning and gives the coordinator lease up, so another node takes over at its next heartbeat. */
  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(cycleTimer);
    if (runNowConsumer != null) {
      runNowConsumer.unregister();
    }
    return election.resign();
  }

  /** Whether this node's coordinator is the active one (plans and hands tables out), for status. */
  public boolean isActive() {
    return election != null && election.isActive();
  }

  /** The node whose coordinator is active, as the cluster says now; empty while nobody is. For status. */
  public Future<java.util.Optional<String>> activeNode() {
    return election == null ? Future.succeededFuture(java.util.Optional.empty()) : election.activeNode();
  }

  /** Renews or tries the election, starts or stops planning to match, and comes back after one heartbeat. */
  private void heartbeat() {
    election.heartbeat().onComplete(ar -> {
      if (stopped) {
        return;
      }
      boolean active = ar.succeeded() && ar.result();
      if (active && cycleTimer == -1) {
        cycleTimer = vertx.setPeriodic(0, time.realDelayMillis(cycle), id -> runCycle());
        runNowConsumer = vertx.eventBus().consumer(Addresses.COORDINATOR_RUN_NOW, this::answerRunNow);
      } else if (!active && cycleTimer != -1) {
        vertx.cancelTimer(cycleTimer);
        cycleTimer = -1;
        if (runNowConsumer != null) {
          runNowConsumer.unregister();
          runNowConsumer = null;
        }
      }
      heartbeatTimer = vertx.setTimer(heartbeat.toMillis(), id -> heartbeat());
    });
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
   * returns the tables handed to dispatch, {@code tenant|table}. Only the active coordinator plans: elsewhere this
   * fails, saying so, and the ops command asks the cluster's active one instead.
   */
  public Future<java.util.List<String>> runNow(java.util.Optional<String> tenantKey,
                                               java.util.Optional<String> table) {
    if (!isActive()) {
      return Future.failedFuture("this node's coordinator is on standby; the active one plans");
    }
    return runCycle(tenantKey, table);
  }

  /** Asks the cluster's active coordinator, wherever it runs, to plan a cycle now ({@link #runNow}). */
  public static Future<java.util.List<String>> askActive(io.vertx.core.Vertx vertx, java.util.Optional<String> tenant,
                                                         java.util.Optional<String> table) {
    JsonObject body = new JsonObject();
    tenant.ifPresent(t -> body.put("tenant", t));
    table.ifPresent(t -> body.put("table", t));
    return vertx.eventBus().<JsonObject>request(Addresses.COORDINATOR_RUN_NOW, body,
            new DeliveryOptions().setSendTimeout(15_000))
        .recover(e -> Future.failedFuture("no active coordinator answered (" + e.getMessage() + "); one takes over "
            + "within the coordinator lease, try again"))
        .map(m -> m.body().getJsonArray("dispatched").stream().map(String::valueOf).toList());
  }

  private void answerRunNow(io.vertx.core.eventbus.Message<JsonObject> m) {
    runNow(java.util.Optional.ofNullable(m.body().getString("tenant")),
        java.util.Optional.ofNullable(m.body().getString("table")))
        .onSuccess(started -> m.reply(new JsonObject().put("dispatched", new io.vertx.core.json.JsonArray(started))))
        .onFailure(e -> m.fail(500, e.getMessage()));
  }

  private Future<java.util.List<String>> runCycle(java.util.Optional<String> tenantKey,
                                                  java.util.Optional<String> table) {
    if (!isActive()) {
      // the lease could not be renewed in time: stand by until the next heartbeat decides
      return Future.succeededFuture(java.util.List.of());
    }
    forgetWorkWhoseLeaseLapsed();
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

  /**
   * Work sent to a node that died is never answered (a request to a dead node fails only at its timeout, hours away);
   * its table's lease lapses instead, since nobody renews it. Such tables are forgotten here and handed out again.
   */
  private void forgetWorkWhoseLeaseLapsed() {
    inFlight.forEach((key, leaseId) -> {
      if (leaseId.equals(ACQUIRING)) {
        return;
      }
      leases.holds(key, leaseId).onSuccess(held -> {
        if (!held && inFlight.remove(key, leaseId)) {
          LOG.warn("{}: its lease lapsed with no outcome (the node exporting it stopped); handing it out again", key);
        }
      });
    });
  }

  /** False when the table is already in flight from this coordinator. */
  private boolean dispatch(MigrationConfigRow row, String runId) {
    String key = TableLeases.key(row.tenantId(), row.sourceTable());
    if (!isActive() || inFlight.putIfAbsent(key, ACQUIRING) != null) {
      return false;
    }
    leases.acquire(key, leaseTtl).compose(id -> id == null ? Future.succeededFuture((String) null)
        // Checked under the lease: a pause or configuration change by an ops command holds the table back.
        : holds.blocking(row.tenantId(), row.sourceTable()).compose(held -> held == null
            ? Future.succeededFuture(id) : leases.release(key, id).map((String) null),
            e -> leases.release(key, id).transform(x -> Future.<String>failedFuture(e)))).onComplete(ar -> {
      if (ar.failed() || ar.result() == null) {
        inFlight.remove(key, ACQUIRING); // held elsewhere in the cluster, or the map was unreachable: next cycle
        return;
      }
      String leaseId = ar.result();
      inFlight.put(key, leaseId);
      Instant now = time.now();
      Instant close = schedule.closePoint(now, java.util.Optional.of(serviceClock.now(row.tenantId(), now)),
          row.lateArrivalAllowance());
      TableWork work = new TableWork(row.tenantId(), row.sourceTable(), row.toColumns(),
          schedule.horizonStart(now, row.progress().isPresent()), close, runId, leaseId);
      vertx.eventBus().<JsonObject>request(Addresses.TABLE_WORK, work.toJson(),
              new DeliveryOptions().setSendTimeout(workTimeout.toMillis()))
          .onComplete(reply -> {
            inFlight.remove(key, leaseId);
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
