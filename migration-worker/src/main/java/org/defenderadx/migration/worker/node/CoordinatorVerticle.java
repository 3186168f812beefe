package org.defenderadx.migration.worker.node;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.bus.TableWork;
import org.defenderadx.migration.common.config.ClusterConfig;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.ConfigRowLimits;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.worker.adx.MigrationStateStore.BadRow;
import org.defenderadx.migration.worker.cluster.PeerSignature;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.CloseWait;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.cluster.CoordinatorElection;
import org.defenderadx.migration.worker.export.ServiceClock;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every node runs one; only the active one plans ({@link CoordinatorElection}, renewed once a heartbeat), the others
 * stand by and take over when its lease lapses. Each cycle of the active one reads the configuration in force, and
 * offers every active table whose lease is free (nobody in the cluster exports it) to the fetch verticles over the
 * event bus; the one that takes it acquires the lease itself and keeps it for as long as its run takes. Outcomes come
 * back as published events ({@link Addresses#TABLE_OUTCOMES}), never as a reply with a timeout. One table's failure
 * never stops the others. A table whose node died is offered again once its lease lapses (nobody renews it).
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
  private final Duration heartbeat;
  /** Tables offered and not answered yet (the answer comes at once: taken or declined). */
  private final Set<String> offering = ConcurrentHashMap.newKeySet();
  private final Map<String, TableOutcome> lastOutcomes = new ConcurrentHashMap<>();
  /** Tables whose configuration row is refused, with the reason last reported. */
  private final Map<String, String> refused = new ConcurrentHashMap<>();
  /** The audit status of a refused configuration row. */
  public static final String REFUSED = "ConfigRefused";
  private CoordinatorElection election;
  private final PeerSignature peers;
  private long cycleTimer = -1;
  private long heartbeatTimer = -1;
  private volatile boolean stopped;
  private MessageConsumer<JsonObject> runNowConsumer;
  private MessageConsumer<JsonObject> outcomeConsumer;
  /** Holds back a table whose next cell closes in a moment (null: never); see {@link #waitingForCloses}. */
  private volatile CloseWait closeWait;
  /** Per table held back: the close it waits for, so the wait is logged once. */
  private final Map<String, Instant> waitingFor = new ConcurrentHashMap<>();

  /** How long an offer waits for a fetch verticle's answer (taken or declined; it answers at once). */
  static final Duration OFFER_TIMEOUT = Duration.ofSeconds(30);

  public CoordinatorVerticle(MigrationStateStore state, TableLeases leases, Set<String> tenantKeys,
                             WindowSchedule schedule, ServiceClock serviceClock, TimeSource time, Duration cycle) {
    this(state, leases, tenantKeys, schedule, serviceClock, time, cycle, null, ClusterConfig.DEFAULT_HEARTBEAT,
        PeerSignature.NONE);
  }

  /**
   * @param election this node's part in choosing the active coordinator; null: one of its own at deployment, with
   *     the default lease (a single coordinator, or tests)
   * @param heartbeat how often the election is renewed or tried
   * @param peers signs the offers sent and checks the outcomes and run-now requests received
   */
  public CoordinatorVerticle(MigrationStateStore state, TableLeases leases, Set<String> tenantKeys,
                             WindowSchedule schedule, ServiceClock serviceClock, TimeSource time, Duration cycle,
                             CoordinatorElection election, Duration heartbeat, PeerSignature peers) {
    this.peers = peers;
    this.election = election;
    this.heartbeat = heartbeat;
    this.state = state;
    this.leases = leases;
    this.tenantKeys = tenantKeys;
    this.schedule = schedule;
    this.serviceClock = serviceClock;
    this.time = time;
    this.cycle = cycle;
  }

  @Override
  public Future<?> start() {
    if (election == null) {
      election = new CoordinatorElection(vertx, "coordinator-" + UUID.randomUUID(), ClusterConfig.DEFAULT_LEASE_TTL,
          TimeSource.scaled(Instant.now(), 1).clock());
    }
    // Every node's coordinator hears every outcome, so a standby that takes over knows the last ones too.
    outcomeConsumer = vertx.eventBus().consumer(Addresses.TABLE_OUTCOMES, m -> {
      if (peers.admits(m)) {
        outcome(TableOutcome.fromJson(m.body()));
      } else {
        LOG.warn("an outcome without this cluster's signature was ignored (a member without the ops token?)");
      }
    });
    heartbeat();
    return outcomeConsumer.completion();
  }

  /**
   * Periodic cycles hold back a table that has closed cells to export while the next cell closes within the wait:
   * offered after that close, its run's units take the cell in, which otherwise costs a call of its own once the
   * run is done (ops run-now offers at once). Set before deployment.
   */
  public CoordinatorVerticle waitingForCloses(CloseWait wait) {
    this.closeWait = wait;
    return this;
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
    outcomeConsumer.unregister();
    return election.resign();
  }

  /** Whether this node's coordinator is the active one (plans and hands tables out), for status. */
  public boolean isActive() {
    return election != null && election.isActive();
  }

  /** The node whose coordinator is active, as the cluster says now; empty while nobody is. For status. */
  public Future<Optional<String>> activeNode() {
    return election == null ? Future.succeededFuture(Optional.empty()) : election.activeNode();
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
    runCycle(Optional.empty(), Optional.empty());
  }

  /**
   * Plans a cycle now (ops {@code run-now}) for the active tables matching the tenant and table (all when empty);
   * returns the tables handed to dispatch, {@code tenant|table}. Only the active coordinator plans: elsewhere this
   * fails, saying so, and the ops command asks the cluster's active one instead.
   */
  public Future<List<String>> runNow(Optional<String> tenantKey,
                                               Optional<String> table) {
    if (!isActive()) {
      return Future.failedFuture("this node's coordinator is on standby; the active one plans");
    }
    return runCycle(tenantKey, table);
  }

  /** Asks the cluster's active coordinator, wherever it runs, to plan a cycle now ({@link #runNow}). */
  public static Future<List<String>> askActive(Vertx vertx, PeerSignature peers, Optional<String> tenant,
                                               Optional<String> table) {
    JsonObject body = new JsonObject();
    tenant.ifPresent(t -> body.put("tenant", t));
    table.ifPresent(t -> body.put("table", t));
    return vertx.eventBus().<JsonObject>request(Addresses.COORDINATOR_RUN_NOW, body,
            peers.sign(Addresses.COORDINATOR_RUN_NOW, body).setSendTimeout(15_000))
        .recover(e -> Future.failedFuture("no active coordinator answered (" + e.getMessage() + "); one takes over "
            + "within the coordinator lease, try again"))
        .map(m -> m.body().getJsonArray("dispatched").stream().map(String::valueOf).toList());
  }

  private void answerRunNow(Message<JsonObject> m) {
    if (!peers.admits(m)) {
      m.fail(401, "run-now without this cluster's signature");
      return;
    }
    runNow(Optional.ofNullable(m.body().getString("tenant")),
        Optional.ofNullable(m.body().getString("table")))
        .onSuccess(started -> m.reply(new JsonObject().put("dispatched", new JsonArray(started))))
        .onFailure(e -> m.fail(500, e.getMessage()));
  }

  private Future<List<String>> runCycle(Optional<String> tenantKey,
                                                  Optional<String> table) {
    if (!isActive()) {
      // the lease could not be renewed in time: stand by until the next heartbeat decides
      return Future.succeededFuture(List.of());
    }
    return state.latest().onFailure(e -> LOG.error("cannot read the migration configuration: {}", e.getMessage()))
        .map(rows -> {
          Set<String> refusedNow = new HashSet<>();
          rows.bad().forEach(b -> refuse(b, refusedNow));
          String runId = UUID.randomUUID().toString();
          List<String> started = new ArrayList<>();
          Instant now = time.now();
          for (MigrationConfigRow row : rows.rows()) {
            if (!row.active() || !tenantKeys.contains(row.tenantId())
                || !tenantKey.map(row.tenantId()::equals).orElse(true)
                || !table.map(row.sourceTable()::equals).orElse(true)) {
              continue;
            }
            Optional<String> refusal = refusal(row, now);
            if (refusal.isPresent()) {
              refuse(new BadRow(row.tenantId(), row.sourceTable(), row.destinationTable(), refusal.get()), refusedNow);
              continue;
            }
            try {
              if (dispatch(row, runId, tenantKey.isEmpty() && table.isEmpty())) {
                started.add(TableLeases.key(row.tenantId(), row.sourceTable()));
              }
            } catch (RuntimeException e) { // one table's row never stops the others
              refuse(new BadRow(row.tenantId(), row.sourceTable(), row.destinationTable(),
                  ConfigRowLimits.printable(String.valueOf(e))), refusedNow);
            }
          }
          refused.keySet().retainAll(refusedNow); // a row fixed since is reported again if it breaks again
          return started;
        });
  }

  /** Whether a periodic cycle holds back the work it would offer for the next close ({@link #waitingForCloses}). */
  private boolean heldForNextClose(MigrationConfigRow row, TableWork work) {
    CloseWait wait = closeWait;
    String key = TableLeases.key(row.tenantId(), row.sourceTable());
    if (wait == null || row.resolve().kind() == TableKind.SNAPSHOT) {
      return false;
    }
    Optional<Duration> hold = wait.before(row.progress(), work.horizonStart(), work.closePoint());
    if (hold.isEmpty()) {
      waitingFor.remove(key);
      return false;
    }
    Instant nextClose = work.closePoint().plus(hold.get());
    if (!nextClose.equals(waitingFor.put(key, nextClose))) {
      LOG.info("{} (tenant '{}'): starts when the cell ending {} closes, in {}, so its run takes that cell in",
          row.sourceTable(), row.tenantId(), nextClose, hold.get());
    }
    return true;
  }

  /**
   * Offers the table unless an offer of it is out; false then. The lease decides whether anyone takes it. A periodic
   * cycle's offer waits for the next close when that is near ({@link #waitingForCloses}).
   */
  private boolean dispatch(MigrationConfigRow row, String runId, boolean periodic) {
    String key = TableLeases.key(row.tenantId(), row.sourceTable());
    if (!isActive() || !offering.add(key)) {
      return false;
    }
    leases.isHeld(key).compose(held -> {
      if (held) {
        return Future.succeededFuture(); // a run has it, here or on another node
      }
      Instant now = time.now();
      Instant close = schedule.closePoint(now, Optional.of(serviceClock.now(row.tenantId(), now)),
          row.lateArrivalAllowance());
      TableWork work = new TableWork(row.tenantId(), row.sourceTable(), row.toColumns(),
          schedule.horizonStart(now, row.progress().isPresent()), close, runId);
      if (periodic && heldForNextClose(row, work)) {
        return Future.succeededFuture();
      }
      JsonObject offer = work.toJson();
      return vertx.eventBus().<JsonObject>request(Addresses.TABLE_WORK, offer,
              peers.sign(Addresses.TABLE_WORK, offer).setSendTimeout(OFFER_TIMEOUT.toMillis()))
          .onSuccess(answer -> {
            if (!answer.body().getBoolean("accepted", false)) {
              LOG.debug("{} (tenant '{}'): offer declined by {}: {}", row.sourceTable(), row.tenantId(),
                  answer.body().getString("node"), answer.body().getString("reason"));
            }
          }).mapEmpty();
    }).onComplete(ar -> {
      offering.remove(key);
      if (ar.failed()) {
        LOG.warn("{} (tenant '{}'): could not offer the table: {}", row.sourceTable(), row.tenantId(),
            ar.cause().getMessage());
      }
    });
    return true;
  }

  /**
   * Why a row that was read cannot be planned from, if it cannot: names and columns it may not use, or a watermark
   * ahead of both clocks (the table would look caught up for as long as it is ahead).
   */
  private Optional<String> refusal(MigrationConfigRow row, Instant now) {
    try {
      row.resolve();
    } catch (ConfigRowException e) {
      return Optional.of(ConfigRowLimits.printable(e.getMessage()));
    }
    Instant later = Collections.max(List.of(now, serviceClock.now(row.tenantId(), now)));
    return ConfigRowLimits.watermarkProblem(row, later);
  }

  /**
   * A refused configuration row: skipped, logged and audited ({@value #REFUSED}) with its table and reason, once per
   * reason rather than every cycle.
   */
  private void refuse(BadRow bad, Set<String> refusedNow) {
    String key = TableLeases.key(bad.tenantId(), bad.sourceTable());
    refusedNow.add(key);
    if (bad.reason().equals(refused.put(key, bad.reason()))) {
      return;
    }
    LOG.error("{} (tenant '{}'): configuration row refused, the table is skipped: {}", bad.sourceTable(),
        bad.tenantId(), bad.reason());
    state.audit(List.of(new AuditRecord(bad.destinationTable(), time.now(), REFUSED, bad.reason(), 0,
            bad.tenantId(), bad.sourceTable(), "", "", null, null, 0, 0, 0, null, "coordinator", Map.of())))
        .onFailure(e -> LOG.warn("{}: could not audit the refused row: {}", bad.sourceTable(), e.getMessage()));
  }

  private void outcome(TableOutcome outcome) {
    lastOutcomes.put(TableLeases.key(outcome.tenantKey(), outcome.sourceTable()), outcome);
    if (isActive() && (outcome.rowsExported() > 0 || outcome.failure().isPresent())) {
      LOG.info("{} (tenant '{}'): {} rows in {} windows on {}{}", outcome.sourceTable(), outcome.tenantKey(),
          outcome.rowsExported(), outcome.windowsCommitted(), outcome.node(),
          outcome.failure().map(f -> "; failed: " + f).orElse(""));
    }
  }
}
