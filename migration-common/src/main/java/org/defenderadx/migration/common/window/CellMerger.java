package org.defenderadx.migration.common.window;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.defenderadx.migration.common.kql.KustoTime;

/**
 * Cuts a stretch of closed cells into units of about {@code targetRows} rows each, from the rows each counting bin
 * holds (one counting call at the source tells them, {@link WindowGrid#countingBin()}): a sparse stretch costs one
 * call instead of one per cell, and a dense bin is cut into as many equal parts as its count needs, so its rows are
 * fetched without first truncating a call at the cap (rows spread unevenly split further when fetched, as any window).
 * Greedy from the start: a unit takes the next part while the sum stays within the target, so the units depend only on
 * the start and the counts.
 *
 * <p>A unit's bounds are not a function of the grid alone, so units are recorded before they are fetched (see
 * {@link PlannedUnits}): a run that resumes finds them instead of merging again from counts that may have changed.
 */
public final class CellMerger {
  private final WindowGrid grid;
  private final int maxCellsPerUnit;

  /** A unit and the rows the census counted in it. */
  public record Unit(Window window, long estimatedRows) {
  }

  /** @param maxCellsPerUnit bounds how much time one call spans, whatever the counts */
  public CellMerger(WindowGrid grid, int maxCellsPerUnit) {
    this.grid = Objects.requireNonNull(grid, "grid");
    if (maxCellsPerUnit < 1) {
      throw new IllegalArgumentException("maxCellsPerUnit must be positive, got " + maxCellsPerUnit);
    }
    this.maxCellsPerUnit = maxCellsPerUnit;
  }

  /**
   * The units tiling {@code [from, to)}, at most {@code maxUnits} of them (then they end before {@code to}).
   *
   * @param rowsPerBin rows per counting bin, keyed by the bin's start; a bin that is absent holds no rows (a bin cut
   *                   by {@code from} or {@code to} counts whole, which errs on the safe side)
   */
  public List<Unit> merge(Instant from, Instant to, Map<Instant, Long> rowsPerBin, long targetRows, int maxUnits) {
    if (!from.isBefore(to) || targetRows < 1 || maxUnits < 1) {
      throw new IllegalArgumentException("need from < to and positive targetRows and maxUnits");
    }
    long binTicks = KustoTime.toTicks(grid.countingBin());
    long maxWidth = KustoTime.toTicks(grid.cellWidth()) * maxCellsPerUnit;
    long end = KustoTime.toTicks(to);
    List<Unit> units = new ArrayList<>();
    long unitLo = KustoTime.toTicks(from);
    long unitRows = 0;
    long pos = unitLo;
    while (pos < end && units.size() < maxUnits) {
      long binLo = Math.floorDiv(pos, binTicks) * binTicks;
      long binHi = Math.min(binLo + binTicks, end);
      long rows = rowsPerBin.getOrDefault(KustoTime.fromTicks(binLo), 0L);
      // A bin holding more than the target is cut into equal parts (by time) of at most the target each.
      long width = binHi - binLo;
      long parts = Math.max(1, Math.min(ceilDiv(rows, targetRows), width));
      long partWidth = ceilDiv(width, parts);
      long partHi = Math.min(binLo + ((pos - binLo) / partWidth + 1) * partWidth, binHi);
      long partRows = ceilDiv(rows, parts);
      boolean fits = unitRows + partRows <= targetRows && partHi - unitLo <= maxWidth;
      if (pos > unitLo && !fits) {
        units.add(new Unit(Window.of(KustoTime.fromTicks(unitLo), KustoTime.fromTicks(pos)), unitRows));
        unitLo = pos;
        unitRows = 0;
        continue;
      }
      unitRows += partRows;
      pos = partHi;
    }
    if (pos > unitLo && units.size() < maxUnits) {
      units.add(new Unit(Window.of(KustoTime.fromTicks(unitLo), KustoTime.fromTicks(pos)), unitRows));
    }
    return units;
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  /** The bin width the merger counts in. */
  public Duration bin() {
    return grid.countingBin();
  }
}
