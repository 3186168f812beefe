package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.CellMerger;
import org.defenderadx.migration.common.window.MergePolicy;
import org.defenderadx.migration.common.window.PlannedUnits;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowSplitter;
import org.defenderadx.migration.common.window.WindowGrid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One table run's record of units (docs/correctness.md, "Units"): reads the units recorded so far, and on fresh
 * ground records the next ones before any of them is fetched: merged after a census (one call) where enough cells are
 * closed ahead, plain cells otherwise or when the census fails. A census is reused for the units it covers.
 */
final class UnitRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(UnitRecorder.class);

  /** What merging grid cells into units needs: the census, the record of units, and the policy. */
  record Merging(HourlyCounts census, PlannedUnitStore store, MergePolicy policy) {
  }

  private final Merging merge;
  private final TenantContext tenant;
  private final ResolvedTable table;
  private final String runId;
  private final String node;
  private final WindowGrid grid;
  private final Instant closePoint;
  private final int planBatch;
  private final TimeSource time;
  /** The units recorded so far; null until read. */
  private PlannedUnits units;
  /** The units this run recorded and not fetched yet, with the share of the binding cap each was planned to take. */
  private final Map<Window, Double> plannedLoads = new HashMap<>();
  /** The rows the census counted in the instants this run recorded as units of their own. */
  private final Map<Window, Long> instantRows = new HashMap<>();
  /** The last census of this run: its range and counts per bin. */
  private Instant censusLo;
  private Instant censusHi;
  private Map<Instant, Long> censusBins = Map.of();
  private Map<Instant, CellMerger.Peak> censusPeaks = Map.of();

  UnitRecorder(Merging merge, TenantContext tenant, ResolvedTable table, String runId, String node, WindowGrid grid,
               Instant closePoint, int planBatch, TimeSource time) {
    this.merge = merge;
    this.tenant = tenant;
    this.table = table;
    this.runId = runId;
    this.node = node;
    this.grid = grid;
    this.closePoint = closePoint;
    this.planBatch = planBatch;
    this.time = time;
  }

  /** The units known so far, or null before {@link #advance} first read them. */
  synchronized PlannedUnits units() {
    return units;
  }

  synchronized boolean loaded() {
    return units != null;
  }

  /**
   * Reads the recorded units (first call), or records the next ones from {@code at} (fresh ground, its cell closed)
   * up to the last closed cell, aiming at the share of the effective cap the table's units have taught.
   */
  Future<Void> advance(Instant at, UnitSizing sizing) {
    OptionalLong rowBytes = sizing.rowBytes(tenant.key(), table.sourceTable());
    double share = sizing.share(tenant.key(), table.sourceTable());
    boolean learned = sizing.shareLearned(tenant.key(), table.sourceTable());
    if (!loaded()) {
      return merge.store().load(tenant.key(), table.sourceTable(), at).map(u -> {
        synchronized (this) {
          units = u;
        }
        return null;
      });
    }
    return recordFrom(at, new Aim(rowBytes, share, learned));
  }

  /**
   * Teaches {@code sizing} what a unit this run recorded took against what it was planned to take: a unit fetched
   * whole, or cut by the service (then split, as any window).
   */
  void learnFrom(Fetched fetched, UnitSizing sizing) {
    OptionalDouble planned;
    synchronized (this) {
      Double p = plannedLoads.remove(fetched instanceof Fetched.Complete c ? c.window()
          : fetched instanceof Fetched.Split s ? s.window() : null);
      planned = p == null ? OptionalDouble.empty() : OptionalDouble.of(p);
    }
    if (planned.isEmpty()) {
      return;
    }
    if (fetched instanceof Fetched.Complete c) {
      sizing.unitFetched(tenant.key(), table.sourceTable(), planned.getAsDouble(),
          merge.policy().load(c.rows(), c.responseBytes()));
    } else {
      sizing.unitCut(tenant.key(), table.sourceTable(), planned.getAsDouble());
    }
  }

  /**
   * The windows to fetch for a planned {@code window}: itself, or, for an instant this run recorded as a unit holding
   * more than the cap (a burst the census found), the buckets of its split tree deep enough for each to fit, so the
   * burst is paged at once instead of being cut at every level first. The buckets are nodes of the instant's tree,
   * so a run resuming after a crash walks the same ones.
   */
  List<Window> pagesOf(Window window, WindowSplitter splitter, UnitSizing sizing) {
    Long rows;
    synchronized (this) {
      rows = window.isInstant() && !window.isBucketed() ? instantRows.remove(window) : null;
    }
    if (rows == null) {
      return List.of(window);
    }
    // The row size measured by now, which the census may have planned without.
    MergePolicy policy = merge.policy();
    long rowBytes = sizing.rowBytes(tenant.key(), table.sourceTable()).orElse(policy.assumedRowBytes());
    int count = policy.instantPages(rows, rowBytes);
    if (count == 1) {
      return List.of(window);
    }
    // The pages are the split tree's nodes at that depth, in planning order.
    List<Window> pages = List.of(window);
    while (pages.size() < count) {
      List<Window> next = new ArrayList<>();
      for (Window w : pages) {
        next.addAll(splitter.split(w));
      }
      pages = next;
    }
    double load = policy.load(rows, rows * rowBytes) / count;
    synchronized (this) {
      plannedLoads.remove(window);
      for (Window w : pages) {
        plannedLoads.put(w, load);
      }
    }
    return pages;
  }

  /** What units aim at: the table's measured response bytes per row (if measured) and the share of the cap. */
  private record Aim(OptionalLong rowBytes, double share, boolean shareLearned) {
  }

  /** Units recorded at once while the table's share is being learned, so the learned share applies soon. */
  static final int LEARNING_BATCH = 8;

  private Future<Void> recordFrom(Instant at, Aim aim) {
    Instant end = grid.cellStart(closePoint);
    Optional<Instant> nextUnit = units().nextStartAfter(at);
    if (nextUnit.isPresent() && nextUnit.get().isBefore(end)) {
      end = nextUnit.get();
    }
    long cellTicks = KustoTime.toTicks(grid.cellWidth());
    long closedCells = -Math.floorDiv(-(KustoTime.toTicks(end) - KustoTime.toTicks(at)), cellTicks);
    MergePolicy policy = merge.policy();
    int batch = aim.rowBytes().isEmpty() ? Math.min(planBatch, policy.firstBatchUnits())
        : aim.shareLearned() ? planBatch : Math.min(planBatch, LEARNING_BATCH);
    if (closedCells < policy.minCellsToCount()) {
      return record(plainCells(at, end, batch), FetchStats.none());
    }
    synchronized (this) {
      if (censusLo != null && !at.isBefore(censusLo) && at.isBefore(censusHi)) {
        return record(merged(at, censusHi.isBefore(end) ? censusHi : end, aim, batch), FetchStats.none());
      }
    }
    long maxCells = policy.censusCells(grid);
    Instant censusEnd = closedCells > maxCells
        ? grid.cellStart(KustoTime.fromTicks(KustoTime.toTicks(at) + maxCells * cellTicks)) : end;
    Instant lo = at;
    Instant hi = censusEnd.isAfter(at) ? censusEnd : end;
    return census(lo, hi, aim, batch, FetchStats.none());
  }

  /**
   * Counts {@code [lo, hi)} at the source and records merged units from it. A census that fails (preempted, the CPU
   * quota, a timeout) is tried again on the first half of its range, never on the same range, down to the fewest
   * cells worth a census; only then are plain cells recorded, a few at a time.
   */
  private Future<Void> census(Instant lo, Instant hi, Aim aim, int batch, FetchStats spent) {
    MergePolicy policy = merge.policy();
    // Before the table's answers have measured its rows, the census samples them: the first unit is sized for them.
    return merge.census().census(tenant, table, lo, hi, grid.countingBin(), aim.rowBytes().isEmpty())
        .compose(counted -> {
          synchronized (this) {
            censusLo = lo;
            censusHi = hi;
            censusBins = counted.perBin();
            censusPeaks = counted.peaks();
          }
          Aim sized = aim.rowBytes().isEmpty() && counted.sampledRowBytes().isPresent()
              ? new Aim(counted.sampledRowBytes(), aim.share(), aim.shareLearned()) : aim;
          return record(merged(lo, hi, sized, batch), spent.plus(counted.stats()));
        }, e -> {
          FetchStats cost = spent.plus(e instanceof HourlyCounts.CountFailedException cf ? cf.stats()
              : FetchStats.none());
          long cellTicks = KustoTime.toTicks(grid.cellWidth());
          long cells = -Math.floorDiv(-(KustoTime.toTicks(hi) - KustoTime.toTicks(lo)), cellTicks);
          if (cells >= 2L * policy.minCellsToCount()) {
            Instant mid = grid.cellStart(KustoTime.fromTicks(KustoTime.toTicks(lo) + (cells / 2) * cellTicks));
            LOG.info("{} (tenant '{}'): counting rows in [{}, {}) failed ({}); counting the first half",
                table.sourceTable(), tenant.key(), KustoTime.format(lo), KustoTime.format(hi), e.getMessage());
            return census(lo, mid, aim, batch, cost);
          }
          LOG.warn("{} (tenant '{}'): counting rows from {} failed, planning plain cells instead: {}",
              table.sourceTable(), tenant.key(), KustoTime.format(lo), e.getMessage());
          // A few cells only: the next units get another census.
          return record(plainCells(lo, hi, Math.min(batch, policy.firstBatchUnits())), cost);
        });
  }

  private List<CellMerger.Unit> merged(Instant from, Instant to, Aim aim, int batch) {
    Map<Instant, Long> bins;
    Map<Instant, CellMerger.Peak> peaks;
    synchronized (this) {
      bins = censusBins;
      peaks = censusPeaks;
    }
    MergePolicy policy = merge.policy();
    List<CellMerger.Unit> units = new CellMerger(grid, policy.maxCellsPerUnit())
        .merge(from, to, bins, peaks, policy.targetRows(aim.rowBytes(), aim.share()), batch);
    long rowBytes = aim.rowBytes().orElse(policy.assumedRowBytes());
    synchronized (this) {
      for (CellMerger.Unit u : units) {
        plannedLoads.put(u.window(), policy.load(u.estimatedRows(), u.estimatedRows() * rowBytes));
        if (u.window().isInstant()) {
          instantRows.put(u.window(), u.estimatedRows());
        }
      }
    }
    return units;
  }

  /** Units of one cell each (the first from {@code from} to its cell's end), not counted. */
  private List<CellMerger.Unit> plainCells(Instant from, Instant to, int batch) {
    List<CellMerger.Unit> cells = new ArrayList<>();
    for (Instant lo = from; lo.isBefore(to) && cells.size() < batch; ) {
      Instant hi = grid.cellEnd(lo);
      hi = hi.isAfter(to) ? to : hi;
      cells.add(new CellMerger.Unit(Window.of(lo, hi), 0));
      lo = hi;
    }
    return cells;
  }

  /** Rows the last census counted from {@code from} to its end (-1 without a census there). */
  private synchronized long rowsCountedAfter(Instant from) {
    if (censusLo == null || !from.isBefore(censusHi)) {
      return censusLo == null ? -1 : 0;
    }
    long rows = 0;
    for (Map.Entry<Instant, Long> bin : censusBins.entrySet()) {
      if (!bin.getKey().isBefore(from) && bin.getKey().isBefore(censusHi)) {
        rows += bin.getValue();
      }
    }
    return rows;
  }

  /** Appends the units to the audit log (durable before any of them is fetched), then adds them to the plan. */
  private Future<Void> record(List<CellMerger.Unit> newUnits, FetchStats censusCost) {
    if (newUnits.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Window> windows = newUnits.stream().map(CellMerger.Unit::window).toList();
    return merge.store().record(table.destinationTable(), tenant.key(), table.sourceTable(), runId, node,
        time.now(), windows, newUnits.stream().map(CellMerger.Unit::estimatedRows).toList(), censusCost,
        rowsCountedAfter(windows.get(windows.size() - 1).hi())).map(v -> {
          synchronized (this) {
            units = units.with(windows);
          }
          LOG.debug("{}: recorded {} unit(s) from {}", table.sourceTable(), windows.size(), windows.get(0));
          return null;
        });
  }
}
