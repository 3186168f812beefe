package org.defenderadx.migration.worker.ingest;

import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.defenderadx.migration.worker.hooks.CrashPoints;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where units are sent to ADX, confirmed and retried, and where watermarks and snapshot progress are
 * committed. Incremental windows, snapshot buckets and repairs all come through here (in a node, through the
 * {@link IngestionVerticle}).
 *
 * <p>A unit is always sent under its own tag with {@code ingestIfNotExists}, and under a source id derived from its
 * identity and a send number, so a restarted node finds an earlier process's sends in the status table and confirms
 * them instead of sending (or fetching) again. Sends go through a circuit breaker around ADX: while ADX keeps failing,
 * sends wait for the breaker instead of hammering it, without spending the unit's attempts. Commits are fenced by the
 * table's lease and run one after another per table.
 */
public final class IngestionService implements IngestionPort {

  private static final Logger LOG = LoggerFactory.getLogger(IngestionService.class);

  /**
   * @param statusPollInterval  how often a send's status is read
   * @param confirmationTimeout how long a send may stay pending before it is sent again
   * @param maxSendAttempts     sends of one unit before it is given up (the watermark stays before it)
   * @param recoveryWait        how long a send an earlier process left {@code Pending} is awaited before the unit is
   *                            sent again (under its tag); shorter than the confirmation timeout because such a send
   *                            may never have reached the queue (limit L1 in docs/correctness.md)
   */
  public record Options(Duration statusPollInterval, Duration confirmationTimeout, int maxSendAttempts,
                        Duration recoveryWait) {
    public static final Duration DEFAULT_RECOVERY_WAIT = Duration.ofMinutes(15);

    public Options {
      if (maxSendAttempts < 1) {
        throw new IllegalArgumentException("maxSendAttempts must be at least 1");
      }
    }

    public Options(Duration statusPollInterval, Duration confirmationTimeout, int maxSendAttempts) {
      this(statusPollInterval, confirmationTimeout, maxSendAttempts, DEFAULT_RECOVERY_WAIT);
    }

    public static Options defaults() {
      return new Options(Duration.ofSeconds(10), Duration.ofHours(2), 3, DEFAULT_RECOVERY_WAIT);
    }

    /** The longest a delivery can take: the recovery wait, then every attempt confirmed up to its timeout. */
    public Duration longestDelivery() {
      return recoveryWait.plus(confirmationTimeout.multipliedBy(maxSendAttempts + 1L));
    }
  }

  /** Whether a lease is still held by an id ({@code TableLeases::holds} in a node). */
  @FunctionalInterface
  public interface LeaseCheck {
    Future<Boolean> holds(String leaseKey, String leaseId);

    LeaseCheck NONE = (key, id) -> Future.succeededFuture(true);
  }

  private final Vertx vertx;
  private final WindowIngestion ingestion;
  private final MigrationStateStore state;
  private final TimeSource time;
  private final Options options;
  private final CircuitBreaker adxBreaker;
  private final LeaseCheck leases;
  /** Per table, the end of its commit chain: commits of one table run one after another, in the order asked. */
  private final Map<String, Future<?>> commitChains = new ConcurrentHashMap<>();
  private volatile boolean abandoned;

  /**
   * @param adxBreaker opens after repeated failed sends; null: no breaker
   */
  public IngestionService(Vertx vertx, WindowIngestion ingestion, MigrationStateStore state, TimeSource time,
                          Options options, CircuitBreaker adxBreaker, LeaseCheck leases) {
    this.vertx = vertx;
    this.ingestion = ingestion;
    this.state = state;
    this.time = time;
    this.options = options;
    this.adxBreaker = adxBreaker;
    this.leases = leases;
  }

  /** Without a breaker or leases: for tests of one exporter in one process. */
  public IngestionService(Vertx vertx, WindowIngestion ingestion, MigrationStateStore state, TimeSource time,
                          Options options) {
    this(vertx, ingestion, state, time, options, null, LeaseCheck.NONE);
  }

  public Options options() {
    return options;
  }

  /**
   * Shutdown: nothing more is sent or committed; deliveries under way fail at their next step (a restart finds their
   * sends in the status table).
   */
  public void abandon() {
    abandoned = true;
  }

  /**
   * Before the unit is sent, an earlier process (crashed, or stopped) may have sent it already: its newest send is
   * found in the status table and awaited instead. Otherwise (or if that send failed) the unit is sent under the next
   * send number, confirmed, and sent again under the same tag while attempts remain (ADX skips a tag it holds).
   */
  @Override
  public Future<Delivered> deliver(Shipment s) {
    if (s.rows() == 0) {
      return Future.succeededFuture(Delivered.confirmed(false)); // nothing to send
    }
    if (s.staged() && !ingestion.tagsExtents()) {
      // Refused before any send: retrying cannot help, and failed sends would open the breaker for everyone.
      return Future.succeededFuture(new Delivered(Delivered.Outcome.FAILED, s.destination() + ": a repair's staging "
          + "needs queued ingestion (adx.ingestionMode: queued); with streaming, rows carry no extent tags to swap "
          + "them in by", false));
    }
    return earlier(s.destination(), s.tag(), s.unitId()).compose(earlier -> {
      Delivery d = new Delivery(s, earlier);
      if (earlier.latest().isEmpty()) {
        return d.send(0);
      }
      LOG.info("{}: {}: an earlier process sent it (source id {}); confirming that send instead of sending again",
          s.destination(), s.unitId(), earlier.latest().get().sourceId());
      // Counted as the attempt before the first: a failed earlier send leaves this delivery all its attempts.
      return d.outcome(-1, confirm(earlier.latest().get(), time.now().plus(options.recoveryWait())),
          "the earlier send ");
    });
  }

  @Override
  public Future<Optional<Delivered>> recover(String destination, String tag, String unitId) {
    return earlier(destination, tag, unitId).compose(earlier -> {
      if (earlier.latest().isEmpty()) {
        return Future.succeededFuture(Optional.<Delivered>empty());
      }
      WindowIngestion.Ticket ticket = earlier.latest().get();
      return confirm(ticket, time.now().plus(options.recoveryWait())).map(status -> {
        boolean landed = status.state() == WindowIngestion.State.SUCCEEDED
            || status.state() == WindowIngestion.State.SKIPPED;
        if (landed) {
          LOG.info("{}: {}: an earlier process sent it and ADX confirmed it (source id {}); not fetched again",
              destination, unitId, ticket.sourceId());
        }
        return landed ? Optional.of(Delivered.confirmed(true)) : Optional.<Delivered>empty();
      }).otherwise(Optional.empty());
    });
  }

  private Future<WindowIngestion.Earlier> earlier(String destination, String tag, String unitId) {
    if (abandoned) {
      return stopping();
    }
    return ingestion.earlierSends(destination, tag, unitId).otherwise(e -> {
      LOG.warn("{}: {}: earlier sends could not be looked up ({}); sending it under a new id (ADX skips it if an "
          + "earlier send landed)", destination, unitId, e.getMessage());
      return WindowIngestion.Earlier.UNKNOWN;
    });
  }

  /** One unit's sends, from the first to the last attempt. */
  private final class Delivery {
    final Shipment s;
    final WindowIngestion.Earlier earlier;
    int sequence;

    Delivery(Shipment s, WindowIngestion.Earlier earlier) {
      this.s = s;
      this.earlier = earlier;
      this.sequence = Math.max(0, earlier.nextSequence());
    }

    Future<Delivered> send(int attempt) {
      if (abandoned) {
        return stopping();
      }
      UUID id = ingestion.sendId(s.unitId(), s.runId(), earlier, sequence++);
      Future<WindowIngestion.Status> confirmed = throughBreaker(
          () -> ingestion.send(s.destination(), s.blob(), s.tag(), id, s.creationTime(), s.unitId(), s.rows()),
          time.now().plus(options.confirmationTimeout()))
          .compose(ticket -> {
            CrashPoints.reach(CrashPoints.AFTER_SEND);
            return confirm(ticket, time.now().plus(options.confirmationTimeout()));
          });
      return outcome(attempt, confirmed, "");
    }

    /** What became of a send (this delivery's, or an earlier process's when {@code attempt} is -1). */
    Future<Delivered> outcome(int attempt, Future<WindowIngestion.Status> confirmed, String which) {
      return confirmed.transform(ar -> {
        if (abandoned) {
          return stopping();
        }
        if (ar.failed()) {
          LOG.debug("{}: {}: send or status failed", s.destination(), s.unitId(), ar.cause());
          return retry(attempt, which + "ingestion could not be confirmed: " + ar.cause());
        }
        WindowIngestion.Status status = ar.result();
        return switch (status.state()) {
          case SUCCEEDED, SKIPPED -> {
            CrashPoints.reach(CrashPoints.AFTER_CONFIRM);
            yield Future.succeededFuture(Delivered.confirmed(attempt < 0));
          }
          case FAILED -> retry(attempt, which + "ADX reported the ingestion failed: " + status.details());
          case PARTIALLY_SUCCEEDED -> quarantine(status.details());
          case PENDING -> retry(attempt, which + "still pending after "
              + (attempt < 0 ? options.recoveryWait() : options.confirmationTimeout()));
        };
      });
    }

    Future<Delivered> retry(int attempt, String why) {
      if (attempt + 1 >= options.maxSendAttempts()) {
        return Future.succeededFuture(new Delivered(Delivered.Outcome.FAILED, why + " (after " + (attempt + 1)
            + " attempts; " + (s.staged() ? "nothing of it was swapped in" : "the watermark stays before it") + ")",
            false));
      }
      LOG.warn("{}: {}: {}; sending it again", s.destination(), s.unitId(), why);
      // The same ingest-by tag: if the earlier send did land after all, ADX skips this one.
      return state.audit(List.of(s.audit("Retried", why, time.now()))).otherwiseEmpty().compose(x -> send(attempt + 1));
    }

    Future<Delivered> quarantine(String details) {
      if (s.staged()) {
        // Only the staging table holds the partial rows, and the repair drops it: nothing to quarantine.
        return Future.succeededFuture(new Delivered(Delivered.Outcome.QUARANTINED, "ADX ingested it only partly into "
            + s.destination() + " (" + details + "); nothing of it was swapped in", false));
      }
      String why = "ADX ingested " + s.unitId() + " only partly (" + details + "); quarantined, the watermark held "
          + "before it; run repair for this range";
      LOG.error("{}: {}", s.destination(), why);
      return state.audit(List.of(s.audit("Quarantined", why, time.now()))).otherwiseEmpty()
          .map(x -> new Delivered(Delivered.Outcome.QUARANTINED, why, false));
    }
  }

  /**
   * Runs a send through the ADX breaker. While the breaker is open the send waits for it (the reset timeout) and
   * tries again, without spending an attempt, until {@code deadline}.
   */
  private Future<WindowIngestion.Ticket> throughBreaker(java.util.function.Supplier<Future<WindowIngestion.Ticket>> send,
                                                        Instant deadline) {
    if (adxBreaker == null) {
      return send.get();
    }
    return adxBreaker.<WindowIngestion.Ticket>execute(send::get).recover(e -> {
      if (!(e instanceof OpenCircuitException) || abandoned) {
        return Future.failedFuture(e);
      }
      if (time.now().isAfter(deadline)) {
        return Future.failedFuture(new IllegalStateException("ADX kept failing (circuit breaker open) until the "
            + "confirmation deadline"));
      }
      Promise<WindowIngestion.Ticket> later = Promise.promise();
      vertx.setTimer(BREAKER_WAIT_MS, id -> throughBreaker(send, deadline).onComplete(later));
      return later.future();
    });
  }

  /** How long a send waits while the ADX breaker is open before it asks again (real time). */
  static final long BREAKER_WAIT_MS = 1_000;

  private Future<WindowIngestion.Status> confirm(WindowIngestion.Ticket ticket, Instant deadline) {
    return ingestion.awaitFinal(vertx, time, ticket, options.statusPollInterval(), deadline);
  }

  @Override
  public Future<MigrationConfigRow> commit(WatermarkCommit c) {
    return inOrder(c.row(), () -> fenced(c.fence(), c.row())
        .compose(v -> state.commit(c.row(), c.progress()))
        .compose(newRow -> auditAfter(c.row(), c.audits()).map(newRow)));
  }

  @Override
  public Future<MigrationConfigRow> commit(SnapshotCommit c) {
    return inOrder(c.row(), () -> fenced(c.fence(), c.row())
        .compose(v -> c.auditsBefore().isEmpty() ? Future.succeededFuture() : state.audit(c.auditsBefore()))
        .compose(v -> state.commitSnapshot(c.row(), c.lastCommitted(), c.inProgress()))
        .compose(newRow -> auditAfter(c.row(), c.auditsAfter()).map(newRow)));
  }

  /** The audit rows after a commit: the commit stands whether they land or not (the watermark row is the state). */
  private Future<Void> auditAfter(MigrationConfigRow row, List<AuditRecord> audits) {
    if (audits.isEmpty()) {
      return Future.succeededFuture();
    }
    return state.audit(audits).recover(e -> {
      LOG.warn("{} (tenant '{}'): {} audit row(s) after a commit could not be written: {}", row.sourceTable(),
          row.tenantId(), audits.size(), e.getMessage());
      return Future.succeededFuture();
    });
  }

  private Future<Void> fenced(Fence fence, MigrationConfigRow row) {
    if (abandoned) {
      return stopping();
    }
    if (fence.isNone()) {
      return Future.succeededFuture();
    }
    return leases.holds(fence.leaseKey(), fence.leaseId()).compose(held -> held ? Future.<Void>succeededFuture()
        : Future.failedFuture("the lease on " + row.sourceTable() + " was lost (another node may have taken the "
            + "table over); not committing"));
  }

  /** Runs {@code step} after every commit of the same table asked before it. */
  private <T> Future<T> inOrder(MigrationConfigRow row, java.util.function.Supplier<Future<T>> step) {
    String key = row.tenantId() + "|" + row.sourceTable();
    Promise<T> result = Promise.promise();
    Future<?> tail = commitChains.compute(key, (k, previous) -> {
      Future<?> start = previous == null ? Future.succeededFuture() : previous.transform(x -> Future.succeededFuture());
      return start.compose(x -> step.get()).onComplete(result);
    });
    result.future().onComplete(x -> commitChains.remove(key, tail));
    return result.future();
  }

  private static <T> Future<T> stopping() {
    return Future.failedFuture(new IllegalStateException("the node is stopping; nothing more is sent or committed "
        + "(a restart finds the sends)"));
  }
}
