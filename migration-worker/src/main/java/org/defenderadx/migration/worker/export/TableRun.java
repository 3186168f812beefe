package org.defenderadx.migration.worker.export;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Optional;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.PlannedUnits;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.common.window.WindowPlan;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowProgress;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.TableExporter.CommitGuard;
import org.defenderadx.migration.worker.export.TableExporter.Options;
import org.defenderadx.migration.worker.export.TableExporter.Result;
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
 * One table's run for {@link TableExporter}: its windows in order, up to {@link Options#pipelineDepth()} of them
 * fetched and delivered at once, and committed strictly in order as the head of the line is confirmed. A window that
 * splits is replaced in the line by its halves; a failure stops new work, lets the windows under way settle, and
 * commits nothing past the first window that is not confirmed.
 */
final class TableRun {

  private static final Logger LOG = LoggerFactory.getLogger(TableRun.class);

  /**
   * Windows of one table being fetched at once; more of them (up to {@link Options#pipelineDepth()}) may be under way
   * behind, sent and waiting for ADX to confirm them, so a table alone keeps the call budget busy while ingestion
   * confirms.
   */
  static final int FETCHES_AT_ONCE = 4;

  /** What every run of one exporter shares: its collaborators, settings, measured row sizes and shutdown state. */
  record Shared(Vertx vertx, WindowFetcher fetcher, IngestionPort ingestion, MigrationStateStore state,
                WindowPlanner planner, TimeSource time, Options options, InFlightBytes inFlightBytes,
                UnitSizing unitSizing, ExporterStop exporterStop, SourceSchemas schemas, TypedDelivery typed) {
  }

  private final WindowFetcher fetcher;
  private final IngestionPort ingestion;
  private final MigrationStateStore state;
  private final WindowPlanner planner;
  private final Options options;
  private final InFlightBytes inFlightBytes;
  private final UnitSizing unitSizing;
  /** Windows waiting for blob room or being fetched (a window is working until it is confirmed or given up). */
  private int fetching;
  private final ExporterStop exporterStop;
  private final SourceSchemas schemas;
  private final TypedDelivery typed;
  private final WindowAudits windowAudits;
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
  final LinkedList<WindowInLine> line = new LinkedList<>();
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
  final Context context;

  /** @param recorder the record of units, when cells are merged ({@link TableExporter#mergingCells}); null if not */
  TableRun(Shared shared, UnitRecorder recorder, TenantContext tenant, ResolvedTable table, MigrationConfigRow row,
           Instant horizonStart, Instant closePoint, String runId, CommitGuard guard, Fence fence) {
    this.fetcher = shared.fetcher();
    this.ingestion = shared.ingestion();
    this.state = shared.state();
    this.planner = shared.planner();
    this.options = shared.options();
    this.inFlightBytes = shared.inFlightBytes();
    this.unitSizing = shared.unitSizing();
    this.exporterStop = shared.exporterStop();
    this.schemas = shared.schemas();
    this.typed = shared.typed();
    this.windowAudits = new WindowAudits(tenant, table, runId, options.node(), shared.time());
    this.context = shared.vertx().getOrCreateContext();
    this.recorder = recorder;
    this.tenant = tenant;
    this.table = table;
    this.row = row;
    this.horizonStart = horizonStart;
    this.closePoint = closePoint;
    this.runId = runId;
    this.guard = guard;
    this.fence = fence;
    this.planFrom = row.progress();
  }

  boolean stopping() {
    return pausedUntil.isPresent() || failure.isPresent() || exporterStop.draining();
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
        state.audit(List.of(windowAudits.audit("AgedOut", why, 0, gap.from(), gap.to(), "", FetchStats.none())));
      });
    }
    for (Window planned : plan.windows()) {
      List<Window> pages = recorder == null ? List.of(planned) : recorder.pagesOf(planned, planner.splitter(), unitSizing);
      for (Window w : pages) {
        line.add(new WindowInLine(tenant.key(), table.sourceTable(), w));
      }
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
    recorder.advance(at, unitSizing).onComplete(ar -> context.runOnContext(v -> {
      if (exporterStop.abandoned()) {
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

  synchronized void next() {
    while (!stopping() && working < options.pipelineDepth() && fetching < FETCHES_AT_ONCE) {
      WindowInLine unit = firstWaiting();
      if (unit == null && !planExhausted) {
        if (planning) {
          break;
        }
        if (planReady()) {
          planMore();
          unit = firstWaiting();
        }
        if (unit == null) {
          if (!planExhausted && !awaitingRowSize()) {
            startPlanning();
          }
          break;
        }
      }
      if (unit == null) {
        break;
      }
      unit.state = WindowInLine.State.WORKING;
      working++;
      fetching++;
      reserve(unit);
    }
    recordAhead();
    maybeFinish();
  }

  /**
   * Once the table's share is learned, the next units are recorded while the line still holds windows to fetch, so
   * the pipeline does not stand still for the record's append (while learning, each batch waits for what the one
   * before taught).
   */
  private void recordAhead() {
    if (stopping() || planning || planExhausted || recorder == null || !recorder.loaded() || needsUnitsAt.isEmpty()
        || awaitingRowSize() || !unitSizing.shareLearned(tenant.key(), table.sourceTable())) {
      return;
    }
    long waiting = line.stream().filter(u -> u.state == WindowInLine.State.WAITING).count();
    if (waiting <= options.pipelineDepth()) {
      startPlanning();
    }
  }

  /**
   * Units are planned from the table's measured row size: while none is measured and a fetch under way will measure
   * it, planning waits for that fetch (the first units, planned on an assumed size, are few).
   */
  private boolean awaitingRowSize() {
    return fetching > 0 && recorder != null && recorder.loaded()
        && unitSizing.rowBytes(tenant.key(), table.sourceTable()).isEmpty();
  }

  WindowInLine firstWaiting() {
    for (WindowInLine u : line) {
      if (u.state == WindowInLine.State.WAITING) {
        return u;
      }
    }
    return null;
  }

  /** Waits for room for the window's blob in the node's budget, then fetches it. */
  void reserve(WindowInLine unit) {
    inFlightBytes.acquire(fetcher.blobTargetBytes()).onComplete(ar -> context.runOnContext(v -> {
      if (ar.failed()) {
        synchronized (this) {
          fetching--;
        }
        settle(unit, () -> stop(unit.window, "no room for the window's blob: " + ar.cause().getMessage(),
            FetchStats.none()));
        return;
      }
      synchronized (this) {
        unit.permit = ar.result();
        if (done.future().isComplete()) {
          fetching--;
          unit.releaseBlob();
          return;
        }
      }
      fetch(unit);
    }));
  }

  /** Gives back the room of every window still in the line (the run ended). */
  synchronized void releaseAll() {
    line.forEach(WindowInLine::releaseBlob);
  }

  void fetch(WindowInLine unit) {
    Window window = unit.window;
    fetcher.fetch(tenant, table, window, WindowFetcher.query(table, window), unit.provenance()).onComplete(ar -> {
      synchronized (this) {
        fetching--;
      }
      if (!(ar.succeeded() && ar.result() instanceof Fetched.Complete)) {
        unit.releaseBlob(); // split, paused or failed: nothing of this fetch is kept
      }
      if (ar.failed()) {
        settle(unit, () -> stop(window, "fetch failed: " + ar.cause(), FetchStats.none()));
        return;
      }
      Fetched f = ar.result();
      if (recorder != null) {
        recorder.learnFrom(f, unitSizing);
      }
      Optional<String> drifted = f instanceof Fetched.Complete c ? drift(c) : Optional.empty();
      if (f instanceof Fetched.Split s) {
        LOG.debug("{}: splitting {}: {}", table.sourceTable(), window, s.reason());
        settle(unit, () -> {
          int at = line.indexOf(unit);
          line.remove(at);
          List<WindowInLine> children = new ArrayList<>();
          s.children().forEach(c -> children.add(new WindowInLine(tenant.key(), table.sourceTable(), c)));
          // The cut call (and whatever the window carried) is booked on the first child, so the audit's ApiCalls
          // add up to the calls made.
          children.get(0).carried = unit.carried.plus(s.stats());
          line.addAll(at, children);
        });
      } else if (f instanceof Fetched.Paused p) {
        state.audit(List.of(windowAudits.audit("Paused", p.reason(), 0, window.lo(), window.hi(), unit.id.text(),
            p.stats())));
        settle(unit, () -> {
          unit.state = WindowInLine.State.WAITING;
          pausedUntil = Optional.of(p.until());
        });
      } else if (f instanceof Fetched.Failed failed) {
        settle(unit, () -> stop(window, failed.reason(), failed.stats()));
      } else if (drifted.isPresent()) {
        // The watermark column went missing or changed type: nothing of this result is committed, and the next
        // run reads the schema again (and refuses the row with the reason, if the column is gone for good).
        String why = drifted.get();
        unit.releaseBlob();
        schemas.forget(tenant.key(), table.sourceTable());
        settle(unit, () -> stop(window, why, f.stats()));
      } else {
        CrashPoints.reach(CrashPoints.AFTER_FETCH);
        Fetched.Complete complete = (Fetched.Complete) f;
        unitSizing.measure(tenant.key(), table.sourceTable(), complete);
        next(); // planning may have waited for this row size
        unit.keepBlob(complete.blob().length);
        deliver(unit, complete);
      }
    });
  }

  private Optional<String> drift(Fetched.Complete complete) {
    return table.kind() != TableKind.INCREMENTAL_COLUMN ? Optional.empty()
        : SourceSchemas.drift(table.sourceTable(), table.watermark().describe(), complete.schema());
  }

  /** Applies a unit's outcome under the run's lock, then moves the line on. */
  void settle(WindowInLine unit, Runnable change) {
    if (exporterStop.abandoned()) {
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
  void deliver(WindowInLine unit, Fetched.Complete c) {
    if (exporterStop.abandoned()) {
      return;
    }
    if (c.rows() == 0) {
      unit.releaseBlob();
      settle(unit, () -> unit.ready(c));
      return;
    }
    Shipment shipment = new Shipment(table.destinationTable(), c.blob(), unit.id.shortHash(), unit.id.text(),
        c.window().lo(), c.rows(), runId, windowAudits.audit("Sent", "", c.rows(), c.window().lo(), c.window().hi(),
            unit.id.text(), c.stats()));
    typed.ready(tenant, table, c).compose(v -> ingestion.deliver(shipment)).onComplete(ar -> context.runOnContext(v -> {
      if (exporterStop.abandoned()) {
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
    List<WindowInLine> head;
    synchronized (this) {
      if (exporterStop.abandoned()) {
        return;
      }
      head = committing || commitFailed ? List.of()
          : CommitBatch.confirmedHead(line, options.maxCommitBatch());
      if (head.isEmpty()) {
        maybeFinish();
        return;
      }
      committing = true;
    }
    CommitBatch batch = CommitBatch.of(head, windowAudits);
    guard.check()
        .compose(v -> ingestion.commit(new WatermarkCommit(fence, row, batch.progress(), batch.audits())))
        .onComplete(ar -> context.runOnContext(v -> {
          if (exporterStop.abandoned()) {
            return; // the commit was cut short by the shutdown, or landed: either way the restart reads the row
          }
          if (ar.succeeded()) {
            CrashPoints.reach(CrashPoints.AFTER_COMMIT);
          }
          synchronized (this) {
            committing = false;
            if (ar.succeeded()) {
              row = ar.result();
              rows += batch.rows();
              committed += batch.windows().size();
              batch.windows().forEach(u -> line.removeFirst());
            } else {
              // Not retried here: a refused commit would be refused again (and the head would be tried forever).
              commitFailed = true;
              if (failure.isEmpty()) {
                stop(batch.last().window(), "could not commit the watermark: " + ar.cause().getMessage(),
                    batch.last().stats());
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
    state.audit(List.of(windowAudits.audit("Failed", reason, 0, window.lo(), window.hi(),
        WindowId.of(tenant.key(), table.sourceTable(), window).text(), stats)));
  }

  synchronized void maybeFinish() {
    if (working > 0 || committing || planning) {
      return;
    }
    boolean headReady = !commitFailed && !line.isEmpty() && line.peekFirst().state == WindowInLine.State.READY;
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
}
