package org.defenderadx.migration.common.window;

import java.util.OptionalLong;

/**
 * How the exporter merges grid cells into units (see {@link CellMerger}).
 *
 * @param rowCap           rows per result before the service truncates
 * @param byteCap          bytes per result (the service's cap, counted as the response's bytes)
 * @param fill             the share of the effective cap a unit aims at until the table's own units have taught a
 *                         margin ({@link UnitFill}), leaving room for counts that grew since the census and for row
 *                         sizes above the average
 * @param minCellsToCount  closed cells ahead before a census call is worth making (it costs one call; in the steady
 *                         state, with a cell or two closing per cycle, plain cells are cheaper)
 * @param maxCellsPerUnit  bounds the time one call spans
 * @param assumedRowBytes  response bytes per row assumed until the table's own fetches have measured them
 * @param firstBatchUnits  units recorded at once before the row size is measured, so a wrong guess costs little (the
 *                         exporter waits for their fetch to measure it before it records more)
 */
public record MergePolicy(long rowCap, long byteCap, double fill, int minCellsToCount, int maxCellsPerUnit,
                          long assumedRowBytes, int firstBatchUnits) {
  /** Rows measured before a table's own average row size is trusted. */
  public static final long ROWS_TO_MEASURE = 200;

  public MergePolicy {
    if (rowCap < 1 || byteCap < 1 || !(fill > 0 && fill <= 1) || minCellsToCount < 2 || maxCellsPerUnit < 1
        || assumedRowBytes < 1 || firstBatchUnits < 1) {
      throw new IllegalArgumentException("invalid merge policy " + this);
    }
  }

  /** Defaults for the given caps: 90% of the effective cap at first, a census from 4 closed cells, 4 KB rows. */
  public static MergePolicy of(long rowCap, long byteCap) {
    return new MergePolicy(rowCap, byteCap, UnitFill.INITIAL, 4, 1024, 4096, 1);
  }

  /** Rows one unit aims at with the initial fill, given the table's measured response bytes per row (if measured). */
  public long targetRows(OptionalLong measuredRowBytes) {
    return targetRows(measuredRowBytes, fill);
  }

  /** Rows one unit aims at with {@code share} of the effective cap (the fill the table's history taught). */
  public long targetRows(OptionalLong measuredRowBytes, double share) {
    return SnapshotPaging.targetRowsPerCall(rowCap, byteCap, measuredRowBytes.orElse(assumedRowBytes), share);
  }

  /**
   * How much of the binding cap a result of {@code rows} rows and {@code bytes} response bytes takes: above 1 the
   * service cuts it.
   */
  public double load(long rows, long bytes) {
    return Math.max((double) rows / rowCap, (double) bytes / byteCap);
  }

  /**
   * Hash-bucket pages an instant of {@code rows} rows at {@code rowBytes} each is read in: the fewest (a power of two,
   * as the split tree has them) whose share of the binding cap is at most {@link UnitFill#MOST} each.
   */
  public int instantPages(long rows, long rowBytes) {
    double load = load(rows, rows * rowBytes);
    int pages = 1;
    while (load / pages > UnitFill.MOST && pages < Bucket.MAX_COUNT) {
      pages *= 2;
    }
    return pages;
  }

  /**
   * Cells one census may count: its result has a row per counting bin and must itself stay well under the row cap.
   */
  public long censusCells(WindowGrid grid) {
    long bins = Math.max(1, Math.min(rowCap * 9 / 10, 50_000));
    return Math.max(1, bins / grid.binsPerCell());
  }
}
