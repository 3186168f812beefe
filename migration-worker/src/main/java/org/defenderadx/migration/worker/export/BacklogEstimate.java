package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.window.CellMerger;
import org.defenderadx.migration.common.window.MergePolicy;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowGrid;

/**
 * The calls a table's backlog will take, as the exporter will plan it (for {@code migrationctl plan}): one for each
 * unit already recorded ahead of the watermark, and past them the units a census of the rest merges into, a burst
 * counted with its pages (one census call, through the fetcher and the shared budget like any call; a range wider
 * than one census may count is counted in several, at most {@link #MAX_CENSUS_CALLS}, the rest extrapolated from
 * them). When the census cannot be made (the tenant is paused, the call failed), the estimate falls back to one call
 * per grid cell and says so.
 */
public final class BacklogEstimate {

  /** Censuses one estimate may spend. */
  public static final int MAX_CENSUS_CALLS = 4;

  /**
   * What the backlog takes.
   *
   * @param calls       calls in all: census calls, recorded units, merged units and burst pages
   * @param censusCalls of which the census made for the estimate itself
   * @param rows        rows counted at the source (recorded units' rows not included: 0 for them)
   * @param basis       how it was estimated, in words
   */
  public record Estimate(long calls, long censusCalls, long rows, String basis) {
  }

  private final HourlyCounts census;
  private final PlannedUnitStore store;
  private final MergePolicy policy;
  private final WindowGrid grid;
  private final UnitSizing sizing;

  BacklogEstimate(HourlyCounts census, PlannedUnitStore store, MergePolicy policy, WindowGrid grid,
                  UnitSizing sizing) {
    this.census = census;
    this.store = store;
    this.policy = policy;
    this.grid = grid;
    this.sizing = sizing;
  }

  /** The calls to take {@code table} from {@code resume} to the last cell closed by {@code close}. */
  public Future<Estimate> estimate(TenantContext tenant, ResolvedTable table, Instant resume, Instant close) {
    Instant end = grid.cellStart(close);
    if (!resume.isBefore(end)) {
      return Future.succeededFuture(new Estimate(0, 0, 0, "caught up"));
    }
    return store.load(tenant.key(), table.sourceTable(), resume).compose(units -> {
      long recorded = 0;
      Instant fresh = resume;
      for (Window u : units.units()) {
        if (u.hi().isAfter(resume) && u.lo().isBefore(end)) {
          recorded++;
          fresh = u.hi().isAfter(fresh) ? u.hi() : fresh;
        }
      }
      long ahead = recorded;
      if (!fresh.isBefore(end)) {
        return Future.succeededFuture(new Estimate(ahead, 0, 0, ahead + " recorded unit(s)"));
      }
      return counted(tenant, table, fresh, end, 0, 0, 0, 0).map(c -> new Estimate(ahead + c.calls(),
          c.censusCalls(), c.rows(), (ahead > 0 ? ahead + " recorded unit(s), then " : "") + c.basis()));
    });
  }

  /** Counts {@code [lo, end)} a census at a time; the units merged from each; the rest extrapolated or cells. */
  private Future<Estimate> counted(TenantContext tenant, ResolvedTable table, Instant lo, Instant end,
                                   long calls, long censuses, long rows, long countedTicks) {
    if (!lo.isBefore(end)) {
      return Future.succeededFuture(new Estimate(calls, censuses, rows, "census of " + censuses + " call(s)"));
    }
    if (censuses == MAX_CENSUS_CALLS) {
      // Extrapolated from what the censuses counted, by the time left.
      double left = (double) (KustoTime.toTicks(end) - KustoTime.toTicks(lo)) / countedTicks;
      long unitCalls = calls - censuses;
      return Future.succeededFuture(new Estimate(calls + Math.round(unitCalls * left), censuses,
          rows + Math.round(rows * left), "census of " + censuses + " call(s), the rest extrapolated"));
    }
    long cellTicks = KustoTime.toTicks(grid.cellWidth());
    long cells = Math.min(policy.censusCells(grid), -Math.floorDiv(KustoTime.toTicks(lo) - KustoTime.toTicks(end),
        cellTicks));
    Instant hi = grid.cellStart(KustoTime.fromTicks(KustoTime.toTicks(lo) + cells * cellTicks));
    Instant to = hi.isAfter(end) || !hi.isAfter(lo) ? end : hi;
    OptionalLong measured = sizing.rowBytes(tenant.key(), table.sourceTable());
    return census.census(tenant, table, lo, to, grid.countingBin(), measured.isEmpty()).compose(c -> {
      // The rows as the table's answers measured them, or as the census sampled them.
      OptionalLong sized = measured.isPresent() ? measured : c.sampledRowBytes();
      long target = policy.targetRows(sized, sizing.share(tenant.key(), table.sourceTable()));
      long rowBytes = sized.orElse(policy.assumedRowBytes());
      List<CellMerger.Unit> merged = new CellMerger(grid, policy.maxCellsPerUnit())
          .merge(lo, to, c.perBin(), c.peaks(), target, Integer.MAX_VALUE);
      long pages = 0;
      long counted = 0;
      for (CellMerger.Unit u : merged) {
        counted += u.estimatedRows();
        pages += u.window().isInstant() ? policy.instantPages(u.estimatedRows(), rowBytes) : 1;
      }
      return counted(tenant, table, to, end, calls + c.stats().calls() + pages, censuses + 1, rows + counted,
          countedTicks + KustoTime.toTicks(to) - KustoTime.toTicks(lo));
    }, failed -> {
      long cellsLeft = -Math.floorDiv(KustoTime.toTicks(lo) - KustoTime.toTicks(end), cellTicks);
      return Future.succeededFuture(new Estimate(calls + cellsLeft, censuses, rows, "one call per grid cell from "
          + KustoTime.format(lo) + " (the census could not be made: " + failed.getMessage() + ")"));
    });
  }
}
