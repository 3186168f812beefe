package org.defenderadx.migration.worker.export;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.CellMerger;
import org.defenderadx.migration.common.window.MergePolicy;
import org.defenderadx.migration.common.window.PlannedUnits;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.common.window.WindowPlan;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowProgress;
import org.defenderadx.migration.worker.adx.AuditRecord;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.defenderadx.migration.worker.defender.Provenance;
import org.defenderadx.migration.worker.quota.InFlightBytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports one incremental table from its committed watermark up to the close point, window by window, in order:
 * fetch (splitting what does not fit one call), send the window's blob, wait until ADX confirms it, then commit the
 * watermark past it and audit it. The watermark never moves past a window ADX has not confirmed, and a window is
 * only ever sent under its own identity, so a replay after a crash cannot duplicate it.
 */
public final class TableExporter {

  private static final Logger LOG = LoggerFactory.getLogger(TableExporter.class);

  /** How the export of a table ended this time. */
  public record Result(String sourceTable, MigrationConfigRow row, long rowsExported, int windowsCommitted,
                       boolean caughtUp, Optional<Instant> pausedUntil, Optional<String> failure) {
  }

  /** Settings of a run. */
  /**
   * @param pipelineDepth windows of one table fetched, sent and confirmed at once (commits stay in order); with a
   *                      depth of 1 a table's windows go strictly one after another
   * @param recoveryWait  how long a send an earlier process made and left {@code Pending} is awaited before the
   *                      window is sent again (under its tag); shorter than the confirmation timeout because such a
   *                      send may never have reached the queue (the process died between the status entity and the
   *                      queue message), see limit L1
   */
  public record Options(String node, Duration statusPollInterval, Duration confirmationTimeout, int maxSendAttempts,
                        int planBatch, int pipelineDepth, Duration recoveryWait) {
    public Options(String node, Duration statusPollInterval, Duration confirmationTimeout, int maxSendAttempts,
                   int planBatch, int pipelineDepth) {
      this(node, statusPollInterval, confirmationTimeout, maxSendAttempts, planBatch, pipelineDepth,
          DEFAULT_RECOVERY_WAIT);
    }

    public Options(String node, Duration statusPollInterval, Duration confirmationTimeout, int maxSendAttempts,
                   int planBatch) {
      this(node, statusPollInterval, confirmationTimeout, maxSendAttempts, planBatch, 4);
    }

    public static final Duration DEFAULT_RECOVERY_WAIT = Duration.ofMinutes(15);

    public static Options defaults(String node) {
      return new Options(node, Duration.ofSeconds(10), Duration.ofHours(2), 3, 64, 4, DEFAULT_RECOVERY_WAIT);
    }
  }

  private final Vertx vertx;
  private final WindowFetcher fetcher;
  private final WindowIngestion ingestion;
  private final MigrationStateStore state;
  private final WindowPlanner planner;
  private final TimeSource time;
  private final Options options;
  /** Set to stop gracefully: runs take no new windows, let those under way settle, commit what is confirmed, and end. */
  private volatile boolean draining;
  /** Set on shutdown: every run ends at once; windows under way are left uncommitted, nothing more is sent. */
  private volatile boolean abandoned;
  private final java.util.Set<Run> runs = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final SnapshotExporter snapshots;
  private final InFlightBytes inFlightBytes;
  /** Set when grid cells are merged into recorded units (see {@link #mergingCells}); null: plain cells. */
  private volatile CellMerging merging;
  /** Per tenant and table: bytes and rows of the windows fetched so far, the measured average row size. */
  private final Map<String, long[]> rowSizes = new java.util.concurrent.ConcurrentHashMap<>();

  /** What merging grid cells into units needs: the census, the record of units, and the policy. */
  private record CellMerging(HourlyCounts census, PlannedUnitStore store, MergePolicy policy) {
  }

  /** An exporter of incremental tables only: snapshot tables are refused, with a reason in the audit log. */
  public TableExporter(Vertx vertx, WindowFetcher fetcher, WindowIngestion ingestion, MigrationStateStore state,
                       WindowPlanner planner, TimeSource time, Options options) {
    this(vertx, fetcher, ingestion, state, planner, time, options, null);
  }

  /** An exporter of every table: snapshot tables go to {@code snapshots} (which holds the snapshot cadence). */
  public TableExporter(Vertx vertx, WindowFetcher fetcher, WindowIngestion ingestion, MigrationStateStore state,
                       WindowPlanner planner, TimeSource time, Options options, SnapshotExporter snapshots) {
    this(vertx, fetcher, ingestion, state, planner, time, options, snapshots, new InFlightBytes(Long.MAX_VALUE));
  }

  /**
   * As above, with the node's budget of blob bytes in flight ({@code adx.maxInFlightSize}): each window reserves
   * {@link WindowFetcher#blobTargetBytes()} before its fetch, keeps its blob's size once built, and frees it when
   * ADX confirms the window or the window is given up.
   */
  public TableExporter(Vertx vertx, WindowFetcher fetcher, WindowIngestion ingestion, MigrationStateStore state,
                       WindowPlanner planner, TimeSource time, Options options, SnapshotExporter snapshots,
                       InFlightBytes inFlightBytes) {
    this.inFlightBytes = inFlightBytes;
    this.snapshots = snapshots;
    this.vertx = vertx;
    this.fetcher = fetcher;
    this.ingestion = ingestion;
    this.state = state;
    this.planner = planner;
    this.time = time;
    this.options = options;
  }

  /**
   * Merges a table's closed grid cells into units of about {@link MergePolicy#targetRows} rows, counted by one census
   * call at the source, so a backlog costs about one call per unit instead of one per cell; every unit is recorded
   * ({@link PlannedUnitStore}) before its first fetch, and a run resumes inside recorded units, so identities stay
   * fixed. Without this, every window is a plain cell of the grid (or a halving of one).
   */
  public TableExporter mergingCells(HourlyCounts census, PlannedUnitStore store, MergePolicy policy) {
    this.merging = new CellMerging(census, store, policy);
    return this;
  }

  /**
   * Checked before every watermark commit: fails when this run may no longer commit (its lease on the table was
   * lost to another node), so a late commit from a node that was presumed dead is refused.
   */
  @FunctionalInterface
  public interface CommitGuard {
    Future<Void> check();

    CommitGuard NONE = Future::succeededFuture;
  }

  public Future<Result> run(TenantContext tenant, MigrationConfigRow row, Instant horizonStart, Instant closePoint,
                            String runId) {
    return run(tenant, row, horizonStart, closePoint, runId, CommitGuard.NONE);
  }

  public Future<Result> run(TenantContext tenant, MigrationConfigRow row, Instant horizonStart, Instant closePoint,
                            String runId, CommitGuard guard) {
    ResolvedTable table;
    try {
      table = row.resolve();
    } catch (ConfigRowException e) {
      return failTable(tenant, row, runId, e.getMessage());
    }
    if (table.kind() == TableKind.SNAPSHOT) {
      // Snapshots have no watermark: the horizon and close point do not apply to them.
      return snapshots != null ? snapshots.run(tenant, row, runId)
          : failTable(tenant, row, runId, "snapshot tables are not exported by this exporter (no snapshot exporter"
              + " configured)");
    }
    table.warnings().forEach(w -> LOG.warn("{}: {}", row.sourceTable(), w));
    Run run = new Run(tenant, table, row, horizonStart, closePoint, runId, guard);
    runs.add(run);
    run.done.future().onComplete(x -> {
      runs.remove(run);
      run.releaseAll();
    });
    if (abandoned) {
      run.abandon();
    }
    run.next();
    return run.done.future();
  }

  /** Stops every run of this exporter from taking new windows (graceful shutdown); see {@link Run#stopping()}. */
  public void drain() {
    draining = true;
  }

  /**
   * Shutdown: every run ends now, with a failure saying so. Windows under way are released uncommitted: nothing is
   * sent, confirmed or committed for them any more (during JVM shutdown the SDK refuses HTTP, so they could not be),
   * and a restart finds their sends in the status table (docs/correctness.md, start-up recovery). Runs started later
   * end at once too.
   */
  public void abandon() {
    draining = true;
    abandoned = true;
    runs.forEach(Run::abandon);
  }

  private Future<Result> failTable(TenantContext tenant, MigrationConfigRow row, String runId, String reason) {
    LOG.error("{} (tenant '{}'): {}", row.sourceTable(), tenant.key(), reason);
    AuditRecord audit = new AuditRecord(row.destinationTable(), time.now(), "Failed", reason, 0, tenant.key(),
        row.sourceTable(), runId, "", null, null, 0, 0, 0, Duration.ZERO, options.node(), Map.of());
    return state.audit(List.of(audit)).otherwiseEmpty()
        .map(v -> new Result(row.sourceTable(), row, 0, 0, false, Optional.empty(), Optional.of(reason)));
  }

  /**
   * One table's run: its windows in order, up to {@link Options#pipelineDepth()} of them fetched, sent and confirmed
   * at once, and committed strictly in order as the head of the line is confirmed. A window that splits is replaced
   * in the line by its halves; a failure stops new work, lets the windows under way settle, and commits nothing past
   * the first window that is not confirmed.
   */
  private final class Run {
    final TenantContext tenant;
    final ResolvedTable table;
    MigrationConfigRow row;
    final Instant horizonStart;
    final Instant closePoint;
    final String runId;
    final CommitGuard guard;
    final Promise<Result> done = Promise.promise();
    /** Windows not yet committed, in window order. */
    final java.util.LinkedList<Unit> line = new java.util.LinkedList<>();
    Optional<WindowProgress> planFrom;
    boolean planExhausted;
    /** The merging in force for this run (null: plain cells); the units recorded so far, once read. */
    final CellMerging merge = merging;
    PlannedUnits units;
    /** Where the last plan stopped on fresh ground, waiting for units to be recorded. */
    Optional<Instant> needsUnitsAt = Optional.empty();
    /** A census this run made: its range and counts per cell, reused for the next units. */
    Instant censusLo;
    Instant censusHi;
    Map<Instant, Long> censusBins = Map.of();
    /** Reading or recording units is under way (asynchronous). */
    boolean planning;
    boolean gapAudited;
    int working;
    boolean committing;
    /** A commit failed (refused by the guard, or the append failed): nothing more is committed in this run. */
    boolean commitFailed;
    long rows;
    int committed;
    Optional<Instant> pausedUntil = Optional.empty();
    Optional<String> failure = Optional.empty();
    final Context context = vertx.getOrCreateContext();

    Run(TenantContext tenant, ResolvedTable table, MigrationConfigRow row, Instant horizonStart, Instant closePoint,
        String runId, CommitGuard guard) {
      this.tenant = tenant;
      this.table = table;
      this.row = row;
      this.horizonStart = horizonStart;
      this.closePoint = closePoint;
      this.runId = runId;
      this.guard = guard;
      this.planFrom = row.progress();
    }

    boolean stopping() {
      return pausedUntil.isPresent() || failure.isPresent() || draining;
    }

    /** Ends the run now (shutdown); whatever completes later for it is ignored. */
    synchronized void abandon() {
      int underWay = working + (committing ? 1 : 0);
      done.tryComplete(new Result(table.sourceTable(), row, rows, committed, false, Optional.empty(),
          Optional.of("the node is stopping; " + underWay + " window(s) under way left uncommitted (a restart finds "
              + "their sends)")));
    }

    /** True when the next windows can be planned now; false when units must be read or recorded first. */
    boolean planReady() {
      return merge == null || (units != null && needsUnitsAt.isEmpty());
    }

    void planMore() {
      // Planning continues after the last window planned, not after the watermark: windows ahead are in flight.
      WindowPlan plan = planner.plan(planFrom, horizonStart, closePoint, options.planBatch(),
          merge == null ? PlannedUnits.NONE : units);
      if (!gapAudited && planFrom.equals(row.progress())) {
        gapAudited = true;
        plan.unreachable().ifPresent(gap -> {
          String why = "rows ingested between " + KustoTime.format(gap.from()) + " and " + KustoTime.format(gap.to())
              + " aged out of the 30-day horizon before they were exported";
          LOG.warn("{}: {}", table.sourceTable(), why);
          state.audit(List.of(audit("AgedOut", why, 0, gap.from(), gap.to(), "", FetchStats.none())));
        });
      }
      for (Window w : plan.windows()) {
        line.add(new Unit(w));
      }
      if (!plan.windows().isEmpty()) {
        planFrom = Optional.of(WindowProgress.after(plan.windows().get(plan.windows().size() - 1)));
      }
      needsUnitsAt = plan.needsUnitsAt();
      planExhausted = needsUnitsAt.isEmpty() && (plan.caughtUp() || plan.windows().isEmpty());
    }

    /** Reads the recorded units, or records the next ones; then planning goes on (or the run stops, saying why). */
    void startPlanning() {
      planning = true;
      Instant at = needsUnitsAt.orElse(planner.resumePoint(planFrom, horizonStart));
      Future<Void> step = units == null
          ? merge.store().load(tenant.key(), table.sourceTable(), at).map(u -> {
            units = u;
            return null;
          })
          : recordUnits(at);
      step.onComplete(ar -> context.runOnContext(v -> {
        if (abandoned) {
          return;
        }
        synchronized (this) {
          planning = false;
          if (ar.failed()) {
            stop(Window.of(at, planner.grid().cellEnd(at)), "could not " + (units == null ? "read" : "record")
                + " the planned units: " + ar.cause().getMessage(), FetchStats.none());
          } else {
            needsUnitsAt = Optional.empty();
          }
        }
        next();
      }));
    }

    /**
     * Records the units from {@code at} (fresh ground, its cell closed) up to the last closed cell: merged after a
     * census (one call) when enough cells are closed ahead, plain cells otherwise or when the census fails.
     */
    Future<Void> recordUnits(Instant at) {
      WindowGrid grid = planner.grid();
      Instant end = grid.cellStart(closePoint);
      Optional<Instant> nextUnit = units.nextStartAfter(at);
      if (nextUnit.isPresent() && nextUnit.get().isBefore(end)) {
        end = nextUnit.get();
      }
      long cellTicks = KustoTime.toTicks(grid.cellWidth());
      long closedCells = ceilDiv(KustoTime.toTicks(end) - KustoTime.toTicks(at), cellTicks);
      MergePolicy policy = merge.policy();
      OptionalLong rowBytes = measuredRowBytes();
      int batch = rowBytes.isPresent() ? options.planBatch() : Math.min(options.planBatch(), policy.firstBatchUnits());
      if (closedCells < policy.minCellsToCount()) {
        return record(plainCells(at, end, batch), FetchStats.none());
      }
      if (censusLo != null && !at.isBefore(censusLo) && at.isBefore(censusHi)) {
        return record(merged(at, censusHi.isBefore(end) ? censusHi : end, rowBytes, batch), FetchStats.none());
      }
      long maxCells = policy.censusCells(grid);
      Instant censusEnd = closedCells > maxCells
          ? grid.cellStart(KustoTime.fromTicks(KustoTime.toTicks(at) + maxCells * cellTicks)) : end;
      Instant lo = at;
      Instant hi = censusEnd.isAfter(at) ? censusEnd : end;
      return merge.census().atSource(tenant, table, lo, hi, grid.countingBin())
          .compose(counted -> {
            synchronized (this) {
              censusLo = lo;
              censusHi = hi;
              censusBins = counted.perHour();
            }
            return record(merged(lo, hi, rowBytes, batch), counted.stats());
          }, e -> {
            FetchStats cost = e instanceof HourlyCounts.CountFailedException cf ? cf.stats() : FetchStats.none();
            LOG.warn("{} (tenant '{}'): counting rows from {} failed, planning plain cells instead: {}",
                table.sourceTable(), tenant.key(), KustoTime.format(lo), e.getMessage());
            // A few cells only: the next units get another census.
            return record(plainCells(lo, hi, Math.min(batch, policy.firstBatchUnits())), cost);
          });
    }

    List<CellMerger.Unit> merged(Instant from, Instant to, OptionalLong rowBytes, int batch) {
      Map<Instant, Long> bins;
      synchronized (this) {
        bins = censusBins;
      }
      return new CellMerger(planner.grid(), merge.policy().maxCellsPerUnit())
          .merge(from, to, bins, merge.policy().targetRows(rowBytes), batch);
    }

    /** Units of one cell each (the first from {@code from} to its cell's end), not counted. */
    List<CellMerger.Unit> plainCells(Instant from, Instant to, int batch) {
      List<CellMerger.Unit> cells = new java.util.ArrayList<>();
      for (Instant lo = from; lo.isBefore(to) && cells.size() < batch; ) {
        Instant hi = planner.grid().cellEnd(lo);
        hi = hi.isAfter(to) ? to : hi;
        cells.add(new CellMerger.Unit(Window.of(lo, hi), 0));
        lo = hi;
      }
      return cells;
    }

    /** Appends the units to the audit log (durable before any of them is fetched), then adds them to the plan. */
    Future<Void> record(List<CellMerger.Unit> newUnits, FetchStats censusCost) {
      if (newUnits.isEmpty()) {
        return Future.succeededFuture();
      }
      List<Window> windows = newUnits.stream().map(CellMerger.Unit::window).toList();
      return merge.store().record(table.destinationTable(), tenant.key(), table.sourceTable(), runId, options.node(),
          time.now(), windows, newUnits.stream().map(CellMerger.Unit::estimatedRows).toList(), censusCost).map(v -> {
            synchronized (this) {
              units = units.with(windows);
            }
            LOG.debug("{}: recorded {} unit(s) from {}", table.sourceTable(), windows.size(), windows.get(0));
            return null;
          });
    }

    OptionalLong measuredRowBytes() {
      long[] m = rowSizes.get(tenant.key() + "\u0000" + table.sourceTable());
      return m == null || m[1] < MergePolicy.ROWS_TO_MEASURE ? OptionalLong.empty()
          : OptionalLong.of(Math.max(1, m[0] / m[1]));
    }

    void measure(Fetched.Complete c) {
      if (c.rows() > 0) {
        rowSizes.compute(tenant.key() + "\u0000" + table.sourceTable(), (k, m) -> m == null
            ? new long[] {c.uncompressedBytes(), c.rows()} : new long[] {m[0] + c.uncompressedBytes(), m[1] + c.rows()});
      }
    }

    synchronized void next() {
      while (!stopping() && working < options.pipelineDepth()) {
        Unit unit = firstWaiting();
        if (unit == null && !planExhausted) {
          if (planning) {
            break;
          }
          if (planReady()) {
            planMore();
            unit = firstWaiting();
          }
          if (unit == null) {
            if (!planExhausted) {
              startPlanning();
            }
            break;
          }
        }
        if (unit == null) {
          break;
        }
        unit.state = UnitState.WORKING;
        working++;
        reserve(unit);
      }
      maybeFinish();
    }

    Unit firstWaiting() {
      for (Unit u : line) {
        if (u.state == UnitState.WAITING) {
          return u;
        }
      }
      return null;
    }

    /** Waits for room for the window's blob in the node's budget, then fetches it. */
    void reserve(Unit unit) {
      inFlightBytes.acquire(fetcher.blobTargetBytes()).onComplete(ar -> context.runOnContext(v -> {
        if (ar.failed()) {
          settle(unit, () -> stop(unit.window, "no room for the window's blob: " + ar.cause().getMessage(),
              FetchStats.none()));
          return;
        }
        synchronized (this) {
          unit.permit = ar.result();
          if (done.future().isComplete()) {
            unit.releaseBlob();
            return;
          }
        }
        fetch(unit);
      }));
    }

    /** Gives back the room of every window still in the line (the run ended). */
    synchronized void releaseAll() {
      line.forEach(Unit::releaseBlob);
    }

    void fetch(Unit unit) {
      Window window = unit.window;
      fetcher.fetch(tenant, table, window, WindowFetcher.query(table, window), unit.provenance()).onComplete(ar -> {
        if (!(ar.succeeded() && ar.result() instanceof Fetched.Complete)) {
          unit.releaseBlob(); // split, paused or failed: nothing of this fetch is kept
        }
        if (ar.failed()) {
          settle(unit, () -> stop(window, "fetch failed: " + ar.cause(), FetchStats.none()));
          return;
        }
        Fetched f = ar.result();
        if (f instanceof Fetched.Split s) {
          LOG.debug("{}: splitting {}: {}", table.sourceTable(), window, s.reason());
          settle(unit, () -> {
            int at = line.indexOf(unit);
            line.remove(at);
            List<Unit> children = new java.util.ArrayList<>();
            s.children().forEach(c -> children.add(new Unit(c)));
            // The cut call (and whatever the window carried) is booked on the first child, so the audit's ApiCalls
            // add up to the calls made.
            children.get(0).carried = unit.carried.plus(s.stats());
            line.addAll(at, children);
          });
        } else if (f instanceof Fetched.Paused p) {
          state.audit(List.of(audit("Paused", p.reason(), 0, window.lo(), window.hi(), unit.id.text(), p.stats())));
          settle(unit, () -> {
            unit.state = UnitState.WAITING;
            pausedUntil = Optional.of(p.until());
          });
        } else if (f instanceof Fetched.Failed failed) {
          settle(unit, () -> stop(window, failed.reason(), failed.stats()));
        } else {
          CrashPoints.reach(CrashPoints.AFTER_FETCH);
          Fetched.Complete complete = (Fetched.Complete) f;
          measure(complete);
          unit.keepBlob(complete.blob().length);
          recover(unit, complete);
        }
      });
    }

    /** Applies a unit's outcome under the run's lock, then moves the line on. */
    void settle(Unit unit, Runnable change) {
      if (abandoned) {
        return;
      }
      synchronized (this) {
        working--;
        change.run();
      }
      tryCommit();
      next();
    }

    /**
     * Before a window is sent: an earlier process (crashed, or stopped) may have sent it already. Its newest send is
     * found in the status table by id and awaited instead of sending the window again: confirmed, the window is
     * committed without a send; failed (or never confirmed), it is sent under the next send number.
     */
    void recover(Unit unit, Fetched.Complete c) {
      if (abandoned) {
        return;
      }
      if (c.rows() == 0) {
        unit.releaseBlob();
        settle(unit, () -> unit.ready(c));
        return;
      }
      ingestion.earlierSends(table.destinationTable(), unit.id.shortHash(), unit.id.text())
          .otherwise(e -> {
            if (abandoned) {
              return WindowIngestion.Earlier.UNKNOWN; // the lookup was cut short by the shutdown
            }
            LOG.warn("{}: window {}: earlier sends could not be looked up ({}); sending it under a new id (ADX skips "
                + "it if an earlier send landed)", table.sourceTable(), c.window(), e.getMessage());
            return WindowIngestion.Earlier.UNKNOWN;
          })
          .onComplete(ar -> {
            if (abandoned) {
              return;
            }
            WindowIngestion.Earlier earlier = ar.result();
            unit.earlier = earlier;
            unit.sequence = Math.max(0, earlier.nextSequence());
            if (earlier.latest().isEmpty()) {
              deliver(unit, c, 0);
              return;
            }
            WindowIngestion.Ticket ticket = earlier.latest().get();
            LOG.info("{}: window {}: an earlier process sent it (source id {}); confirming that send instead of "
                + "sending again", table.sourceTable(), c.window(), ticket.sourceId());
            // Counted as the attempt before the first: a failed earlier send leaves this run all its attempts.
            // Awaited for the recovery wait only: a Pending entity may belong to a send that never reached the queue.
            confirm(ticket, time.now().plus(options.recoveryWait()))
                .onComplete(status -> outcome(unit, c, -1, status, "the earlier send "));
          });
    }

    void deliver(Unit unit, Fetched.Complete c, int attempt) {
      if (abandoned) {
        return;
      }
      UUID id = ingestion.sendId(unit.id.text(), runId, unit.earlier, unit.sequence++);
      ingestion.send(table.destinationTable(), c.blob(), unit.id.shortHash(), id, c.window().lo(), unit.id.text(),
              c.rows())
          .compose(ticket -> {
            CrashPoints.reach(CrashPoints.AFTER_SEND);
            return confirm(ticket, time.now().plus(options.confirmationTimeout()));
          })
          .onComplete(ar -> outcome(unit, c, attempt, ar, ""));
    }

    /** What became of a send of the window (this run's or an earlier process's). */
    void outcome(Unit unit, Fetched.Complete c, int attempt, AsyncResult<WindowIngestion.Status> ar, String which) {
      if (abandoned) {
        return; // a send or status read cut short by the shutdown: nothing to retry, nothing to commit
      }
      if (ar.failed()) {
        LOG.debug("{}: window {}: send or status failed", table.sourceTable(), c.window(), ar.cause());
        retrySend(unit, c, attempt, which + "ingestion could not be confirmed: " + ar.cause());
        return;
      }
      WindowIngestion.Status status = ar.result();
      switch (status.state()) {
        case SUCCEEDED, SKIPPED -> {
          CrashPoints.reach(CrashPoints.AFTER_CONFIRM);
          unit.releaseBlob(); // in ADX now; the commit needs only the counts
          settle(unit, () -> unit.ready(c));
        }
        case FAILED -> retrySend(unit, c, attempt, which + "ADX reported the ingestion failed: " + status.details());
        case PARTIALLY_SUCCEEDED -> quarantine(unit, c, status.details());
        case PENDING -> retrySend(unit, c, attempt, which + "still pending after "
            + (attempt < 0 ? options.recoveryWait() : options.confirmationTimeout()));
      }
    }

    Future<WindowIngestion.Status> confirm(WindowIngestion.Ticket ticket, Instant deadline) {
      return ingestion.awaitFinal(vertx, time, ticket, options.statusPollInterval(), deadline);
    }

    void retrySend(Unit unit, Fetched.Complete c, int attempt, String why) {
      if (attempt + 1 >= options.maxSendAttempts()) {
        unit.releaseBlob();
        settle(unit, () -> stop(c.window(), why + " (after " + (attempt + 1) + " attempts; the watermark stays before "
            + "this window)", c.stats()));
        return;
      }
      LOG.warn("{}: window {}: {}; sending it again", table.sourceTable(), c.window(), why);
      // The same ingest-by tag: if the earlier send did land after all, ADX skips this one.
      state.audit(List.of(audit("Retried", why, c.rows(), c.window().lo(), c.window().hi(), unit.id.text(),
              c.stats())))
          .onComplete(x -> deliver(unit, c, attempt + 1));
    }

    void quarantine(Unit unit, Fetched.Complete c, String details) {
      String why = "ADX ingested the window only partly (" + details + "); the window is quarantined, the watermark "
          + "held before it; run repair for this range";
      unit.releaseBlob();
      LOG.error("{} (tenant '{}'): window {}: {}", table.sourceTable(), tenant.key(), c.window(), why);
      state.audit(List.of(audit("Quarantined", why, c.rows(), c.window().lo(), c.window().hi(), unit.id.text(),
              c.stats())))
          .onComplete(x -> settle(unit, () -> failure = Optional.of(why)));
    }

    /** Commits the head of the line while it is confirmed, one commit at a time. */
    void tryCommit() {
      Unit head;
      synchronized (this) {
        if (abandoned) {
          return;
        }
        if (committing || commitFailed || line.isEmpty() || line.peekFirst().state != UnitState.READY) {
          maybeFinish();
          return;
        }
        committing = true;
        head = line.peekFirst();
      }
      Fetched.Complete c = head.complete;
      guard.check()
          .compose(v -> state.commit(row, WindowProgress.after(c.window())))
          .compose(newRow -> {
            CrashPoints.reach(CrashPoints.AFTER_COMMIT);
            synchronized (this) {
              row = newRow;
              rows += c.rows();
              committed++;
              line.removeFirst();
            }
            return state.audit(List.of(audit("Succeeded", "", c.rows(), c.window().lo(), c.window().hi(),
                head.id.text(), head.carried.plus(c.stats()))));
          })
          .onComplete(ar -> {
            if (abandoned) {
              return; // the commit was cut short by the shutdown, or landed: either way the restart reads the row
            }
            synchronized (this) {
              committing = false;
              if (ar.failed()) {
                // Not retried here: a refused commit would be refused again (and the head would be tried forever).
                commitFailed = true;
                if (failure.isEmpty()) {
                  stop(c.window(), "could not commit the watermark: " + ar.cause().getMessage(), c.stats());
                }
              }
            }
            tryCommit();
            next();
          });
    }

    /** Stops taking new windows, for a reason that is audited now; the run ends when the line has settled. */
    void stop(Window window, String reason, FetchStats stats) {
      if (failure.isPresent()) {
        return;
      }
      failure = Optional.of(reason);
      LOG.error("{} (tenant '{}'): window {}: {}", table.sourceTable(), tenant.key(), window, reason);
      state.audit(List.of(audit("Failed", reason, 0, window.lo(), window.hi(),
          WindowId.of(tenant.key(), table.sourceTable(), window).text(), stats)));
    }

    synchronized void maybeFinish() {
      if (working > 0 || committing || planning) {
        return;
      }
      boolean headReady = !commitFailed && !line.isEmpty() && line.peekFirst().state == UnitState.READY;
      if (headReady) {
        return; // tryCommit is about to take it
      }
      if (stopping()) {
        done.tryComplete(new Result(table.sourceTable(), row, rows, committed, false, pausedUntil, failure));
      } else if (line.isEmpty() && planExhausted) {
        done.tryComplete(new Result(table.sourceTable(), row, rows, committed, true, Optional.empty(),
            Optional.empty()));
      }
    }

    AuditRecord audit(String status, String reason, long count, Instant lo, Instant hi, String windowId, FetchStats s) {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("serverErrors", s.serverErrors());
      s.serviceDate().ifPresent(d -> details.put("serviceDate", KustoTime.format(d)));
      return new AuditRecord(table.destinationTable(), time.now(), status, reason, count, tenant.key(),
          table.sourceTable(), runId, windowId, lo, hi, s.calls(), s.callQuota429(), s.cpuQuota429(), s.elapsed(),
          options.node(), details);
    }

    /** One window in the line. */
    final class Unit {
      final Window window;
      final WindowId id;
      UnitState state = UnitState.WAITING;
      Fetched.Complete complete;
      /** Calls spent on the window this one was split from, booked with this one's audit. */
      FetchStats carried = FetchStats.none();
      /** Earlier sends of the window found before its first send in this run, and the next send's number. */
      WindowIngestion.Earlier earlier = WindowIngestion.Earlier.UNKNOWN;
      int sequence;
      /** The window's room in the node's in-flight budget, from before its fetch until ADX confirms it. */
      volatile InFlightBytes.Permit permit;

      Unit(Window window) {
        this.window = window;
        this.id = WindowId.of(tenant.key(), table.sourceTable(), window);
      }

      Provenance provenance() {
        return new Provenance(tenant.key(), table.sourceTable(), id.text(), null);
      }

      void ready(Fetched.Complete c) {
        // Without the blob: the window is confirmed, and its bytes no longer count against the budget.
        complete = new Fetched.Complete(c.window(), new byte[0], c.rows(), c.uncompressedBytes(), c.stats());
        state = UnitState.READY;
      }

      /** Keeps only what the built blob takes of the room reserved for it. */
      void keepBlob(long bytes) {
        InFlightBytes.Permit p = permit;
        if (p != null) {
          p.shrinkTo(bytes);
        }
      }

      void releaseBlob() {
        InFlightBytes.Permit p = permit;
        if (p != null) {
          p.release();
        }
      }
    }
  }

  private enum UnitState { WAITING, WORKING, READY }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }
}
