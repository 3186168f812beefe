package org.defenderadx.migration.worker.export;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.MergePolicy;
import org.defenderadx.migration.common.window.PlannedUnits;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.common.window.WindowPlan;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowProgress;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.defender.Provenance;
import org.defenderadx.migration.worker.hooks.CrashPoints;
import org.defenderadx.migration.worker.ingest.Delivered;
import org.defenderadx.migration.worker.ingest.Fence;
import org.defenderadx.migration.worker.ingest.IngestionPort;
import org.defenderadx.migration.worker.ingest.Shipment;
import org.defenderadx.migration.worker.ingest.WatermarkCommit;
import org.defenderadx.migration.worker.quota.InFlightBytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports one incremental table from its committed watermark up to the close point, window by window, in order:
 * plans the windows (recorded units, {@link UnitRecorder}), fetches them (splitting what does not fit one call), and
 * hands each finished window to ingestion ({@link IngestionPort}: in a node, the ingestion verticle over the event
 * bus), which sends it under its own identity, confirms it and commits the watermark past the confirmed head of the
 * line, several windows per commit. The watermark never moves past a window ADX has not confirmed, and a window is
 * only ever sent under its own identity, so a replay after a crash cannot duplicate it.
 */
public final class TableExporter {

  private static final Logger LOG = LoggerFactory.getLogger(TableExporter.class);

  /** How the export of a table ended this time. */
  public record Result(String sourceTable, MigrationConfigRow row, long rowsExported, int windowsCommitted,
                       boolean caughtUp, Optional<Instant> pausedUntil, Optional<String> failure) {
  }

  /**
   * Settings of a run.
   *
   * @param planBatch      windows planned at once
   * @param pipelineDepth  windows of one table fetched and delivered at once (commits stay in order); with a depth of
   *                       1 a table's windows go strictly one after another
   * @param maxCommitBatch confirmed windows at the head of the line committed together (one watermark row, their
   *                       audit rows in one append)
   */
  public record Options(String node, int planBatch, int pipelineDepth, int maxCommitBatch) {
    public Options {
      if (planBatch < 1 || pipelineDepth < 1 || maxCommitBatch < 1) {
        throw new IllegalArgumentException("planBatch, pipelineDepth and maxCommitBatch must be at least 1");
      }
    }

    public Options(String node, int planBatch) {
      this(node, planBatch, 4, 32);
    }

    public static Options defaults(String node) {
      return new Options(node, 64, 4, 32);
    }

    /** These options with {@code migration.maxCommitBatch} (1: each window committed alone). */
    public Options withMaxCommitBatch(int windows) {
      return new Options(node, planBatch, pipelineDepth, windows);
    }
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

  private final Vertx vertx;
  private final WindowFetcher fetcher;
  private final IngestionPort ingestion;
  private final MigrationStateStore state;
  private final WindowPlanner planner;
  private final TimeSource time;
  private final Options options;
  /** Set to stop gracefully: runs take no new windows, let those under way settle, commit what is confirmed, and end. */
  private volatile boolean draining;
  /** Set on shutdown: every run ends at once; windows under way are left uncommitted, nothing more is sent. */
  private volatile boolean abandoned;
  private final Set<Run> runs = ConcurrentHashMap.newKeySet();
  private final SnapshotExporter snapshots;
  private final InFlightBytes inFlightBytes;
  /** Set when grid cells are merged into recorded units (see {@link #mergingCells}); null: plain cells. */
  private volatile UnitRecorder.Merging merging;
  /** Per tenant and table: bytes and rows of the windows fetched so far, the measured average row size. */
  private final Map<String, long[]> rowSizes = new ConcurrentHashMap<>();

  /**
   * @param snapshots     where snapshot tables go (null: they are refused, with a reason in the audit log)
   * @param inFlightBytes the node's budget of blob bytes in flight ({@code adx.maxInFlightSize}): each window
   *                      reserves {@link WindowFetcher#blobTargetBytes()} before its fetch, keeps its blob's size once
   *                      built, and frees it when its delivery ends
   */
  public TableExporter(Vertx vertx, WindowFetcher fetcher, IngestionPort ingestion, MigrationStateStore state,
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
    this.merging = new UnitRecorder.Merging(census, store, policy);
    return this;
  }

  public Future<Result> run(TenantContext tenant, MigrationConfigRow row, Instant horizonStart, Instant closePoint,
                            String runId) {
    return run(tenant, row, horizonStart, closePoint, runId, CommitGuard.NONE, Fence.NONE);
  }

  public Future<Result> run(TenantContext tenant, MigrationConfigRow row, Instant horizonStart, Instant closePoint,
                            String runId, CommitGuard guard) {
    return run(tenant, row, horizonStart, closePoint, runId, guard, Fence.NONE);
  }

  /**
   * Runs the table under {@code fence}: every commit (by the ingestion side) checks that the fence's lease is still
   * held, and {@code guard} is checked before a commit is asked for.
   */
  public Future<Result> run(TenantContext tenant, MigrationConfigRow row, Instant horizonStart, Instant closePoint,
                            String runId, CommitGuard guard, Fence fence) {
    ResolvedTable table;
    try {
      table = row.resolve();
    } catch (ConfigRowException e) {
      return failTable(tenant, row, runId, e.getMessage());
    }
    if (table.kind() == TableKind.SNAPSHOT) {
      // Snapshots have no watermark: the horizon and close point do not apply to them.
      return snapshots != null ? snapshots.run(tenant, row, runId, fence)
          : failTable(tenant, row, runId, "snapshot tables are not exported by this exporter (no snapshot exporter"
              + " configured)");
    }
    table.warnings().forEach(w -> LOG.warn("{}: {}", row.sourceTable(), w));
    Run run = new Run(tenant, table, row, horizonStart, closePoint, runId, guard, fence);
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
   * One table's run: its windows in order, up to {@link Options#pipelineDepth()} of them fetched and delivered at
   * once, and committed strictly in order as the head of the line is confirmed. A window that splits is replaced in
   * the line by its halves; a failure stops new work, lets the windows under way settle, and commits nothing past the
   * first window that is not confirmed.
   */
  private final class Run {
    final TenantContext tenant;
    final ResolvedTable table;
    MigrationConfigRow row;
    final Instant horizonStart;
    final Instant closePoint;
    final String runId;
    final CommitGuard guard;
    final Fence fence;
    final Promise<Result> done = Promise.promise();
    /** Windows not yet committed, in window order. */
    final LinkedList<Unit> line = new LinkedList<>();
    Optional<WindowProgress> planFrom;
    boolean planExhausted;
    /** The record of units (null: plain cells, no merging). */
    final UnitRecorder recorder;
    /** Where the last plan stopped on fresh ground, waiting for units to be recorded. */
    Optional<Instant> needsUnitsAt = Optional.empty();
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
        String runId, CommitGuard guard, Fence fence) {
      this.tenant = tenant;
      this.table = table;
      this.row = row;
      this.horizonStart = horizonStart;
      this.closePoint = closePoint;
      this.runId = runId;
      this.guard = guard;
      this.fence = fence;
      this.planFrom = row.progress();
      UnitRecorder.Merging merge = merging;
      this.recorder = merge == null ? null : new UnitRecorder(merge, tenant, table, runId, options.node(),
          planner.grid(), closePoint, options.planBatch(), time);
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
      return recorder == null || (recorder.loaded() && needsUnitsAt.isEmpty());
    }

    void planMore() {
      // Planning continues after the last window planned, not after the watermark: windows ahead are in flight.
      WindowPlan plan = planner.plan(planFrom, horizonStart, closePoint, options.planBatch(),
          recorder == null ? PlannedUnits.NONE : recorder.units());
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
      boolean reading = !recorder.loaded();
      recorder.advance(at, measuredRowBytes()).onComplete(ar -> context.runOnContext(v -> {
        if (abandoned) {
          return;
        }
        synchronized (this) {
          planning = false;
          if (ar.failed()) {
            stop(Window.of(at, planner.grid().cellEnd(at)), "could not " + (reading ? "read" : "record")
                + " the planned units: " + ar.cause().getMessage(), FetchStats.none());
          } else {
            needsUnitsAt = Optional.empty();
          }
        }
        next();
      }));
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
          deliver(unit, complete);
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
     * Hands the finished window to ingestion, which sends it under its identity (or confirms an earlier process's
     * send of it), confirms and retries; the window is then ready to commit, or the run stops before it.
     */
    void deliver(Unit unit, Fetched.Complete c) {
      if (abandoned) {
        return;
      }
      if (c.rows() == 0) {
        unit.releaseBlob();
        settle(unit, () -> unit.ready(c));
        return;
      }
      Shipment shipment = new Shipment(table.destinationTable(), c.blob(), unit.id.shortHash(), unit.id.text(),
          c.window().lo(), c.rows(), runId, audit("Sent", "", c.rows(), c.window().lo(), c.window().hi(),
              unit.id.text(), c.stats()));
      ingestion.deliver(shipment).onComplete(ar -> context.runOnContext(v -> {
        if (abandoned) {
          return; // a delivery cut short by the shutdown: nothing to commit
        }
        unit.releaseBlob(); // in ADX now, or given up: either way the commit needs only the counts
        if (ar.failed()) {
          settle(unit, () -> stop(c.window(), "ingestion failed: " + ar.cause().getMessage(), c.stats()));
          return;
        }
        Delivered d = ar.result();
        switch (d.outcome()) {
          case CONFIRMED -> settle(unit, () -> unit.ready(c));
          // Audited as Quarantined by ingestion.
          case QUARANTINED -> settle(unit, () -> failure = Optional.of(d.reason()));
          case FAILED -> settle(unit, () -> stop(c.window(), d.reason(), c.stats()));
        }
      }));
    }

    /**
     * Commits the confirmed head of the line, up to {@link Options#maxCommitBatch()} windows in one commit (one
     * watermark row past the last of them, their audit rows in one append), one commit at a time.
     */
    void tryCommit() {
      List<Unit> batch = new ArrayList<>();
      synchronized (this) {
        if (abandoned) {
          return;
        }
        if (committing || commitFailed || line.isEmpty() || line.peekFirst().state != UnitState.READY) {
          maybeFinish();
          return;
        }
        committing = true;
        for (Unit u : line) {
          if (u.state != UnitState.READY || batch.size() >= options.maxCommitBatch()) {
            break;
          }
          batch.add(u);
        }
      }
      Fetched.Complete last = batch.get(batch.size() - 1).complete;
      List<AuditRecord> audits = new ArrayList<>();
      long batchRows = 0;
      for (Unit u : batch) {
        Fetched.Complete c = u.complete;
        batchRows += c.rows();
        audits.add(audit("Succeeded", "", c.rows(), c.window().lo(), c.window().hi(), u.id.text(),
            u.carried.plus(c.stats())));
      }
      long added = batchRows;
      guard.check()
          .compose(v -> ingestion.commit(new WatermarkCommit(fence, row, WindowProgress.after(last.window()), audits)))
          .onComplete(ar -> context.runOnContext(v -> {
            if (abandoned) {
              return; // the commit was cut short by the shutdown, or landed: either way the restart reads the row
            }
            if (ar.succeeded()) {
              CrashPoints.reach(CrashPoints.AFTER_COMMIT);
            }
            synchronized (this) {
              committing = false;
              if (ar.succeeded()) {
                row = ar.result();
                rows += added;
                committed += batch.size();
                batch.forEach(u -> line.removeFirst());
              } else {
                // Not retried here: a refused commit would be refused again (and the head would be tried forever).
                commitFailed = true;
                if (failure.isEmpty()) {
                  stop(last.window(), "could not commit the watermark: " + ar.cause().getMessage(), last.stats());
                }
              }
            }
            tryCommit();
            next();
          }));
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
}
