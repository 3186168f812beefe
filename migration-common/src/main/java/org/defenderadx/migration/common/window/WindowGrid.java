package org.defenderadx.migration.common.window;

import java.time.Duration;
import java.time.Instant;
import org.defenderadx.migration.common.kql.KustoTime;

/**
 * The fixed grid every window derives from: cells of {@code cellWidth} starting at the Unix epoch, each the root
 * of a binary tree whose nodes are halved at {@code lo + (hi - lo) / 2} (in ticks) down to one tick. Every window
 * the planner or splitter produces is a node of one cell's tree, so its bounds depend only on the grid and its
 * position, never on when it was planned: a window retried after a crash has the same bounds and identity.
 */
public final class WindowGrid {
  private final long cellTicks;

  public WindowGrid(Duration cellWidth) {
    if (cellWidth == null || cellWidth.isZero() || cellWidth.isNegative()) {
      throw new IllegalArgumentException("grid cell width must be positive, got " + cellWidth);
    }
    if (cellWidth.getNano() % KustoTime.NANOS_PER_TICK != 0) {
      throw new IllegalArgumentException("grid cell width must be a whole number of 100-ns ticks: " + cellWidth);
    }
    this.cellTicks = KustoTime.toTicks(cellWidth);
  }

  public Duration cellWidth() {
    return KustoTime.durationOfTicks(cellTicks);
  }

  /** The start of the cell holding {@code t} (rounding down to a tick first). */
  public Instant cellStart(Instant t) {
    return KustoTime.fromTicks(cellStartTicks(KustoTime.toTicks(t)));
  }

  /** The end (exclusive) of the cell holding {@code t}. */
  public Instant cellEnd(Instant t) {
    return KustoTime.fromTicks(cellStartTicks(KustoTime.toTicks(t)) + cellTicks);
  }

  /**
   * The largest tree node that starts exactly at {@code lo}. For a cell boundary that is the whole cell; for a
   * point inside a cell it is the sub-interval the halving process would reach next after everything before
   * {@code lo} was done, which is what makes re-planning from a committed watermark reproduce the same windows.
   */
  public Window largestWindowStartingAt(Instant lo) {
    long pos = KustoTime.toTicks(lo);
    if (!KustoTime.fromTicks(pos).equals(lo)) {
      throw new IllegalArgumentException("window start must be a whole tick: " + lo);
    }
    long nodeLo = cellStartTicks(pos);
    long nodeHi = nodeLo + cellTicks;
    while (nodeLo != pos) {
      long mid = midpoint(nodeLo, nodeHi);
      if (pos < mid) {
        nodeHi = mid;
      } else {
        nodeLo = mid;
      }
    }
    return Window.of(KustoTime.fromTicks(nodeLo), KustoTime.fromTicks(nodeHi));
  }

  /** True when {@code [lo, hi)} is a node of its cell's halving tree. */
  public boolean isTreeNode(Instant lo, Instant hi) {
    long l = KustoTime.toTicks(lo);
    long h = KustoTime.toTicks(hi);
    long nodeLo = cellStartTicks(l);
    long nodeHi = nodeLo + cellTicks;
    // Walk down towards l; the only candidates are the nodes on that path.
    while (!(nodeLo == l && nodeHi == h)) {
      if (nodeHi - nodeLo == 1 || h > nodeHi) {
        return false;
      }
      long mid = midpoint(nodeLo, nodeHi);
      if (l < mid) {
        nodeHi = mid;
      } else {
        nodeLo = mid;
      }
    }
    return true;
  }

  /**
   * The bin the planner counts rows in before it merges cells ({@link CellMerger}): the widest width dividing both
   * the cell and an hour, so KQL's {@code bin(t, width)}, which counts from 0001-01-01 (a whole number of days before
   * the Unix epoch), lays its bins on this grid's boundaries: an hour for an hourly or daily grid, a minute for a
   * 7-minute grid. Finer than a day, so a daily grid's dense cells can be cut by hour.
   */
  public Duration countingBin() {
    long hour = KustoTime.toTicks(Duration.ofHours(1));
    return KustoTime.durationOfTicks(java.math.BigInteger.valueOf(cellTicks).gcd(java.math.BigInteger.valueOf(hour))
        .longValueExact());
  }

  /** How many counting bins one cell holds. */
  public long binsPerCell() {
    return cellTicks / KustoTime.toTicks(countingBin());
  }

  static long midpoint(long lo, long hi) {
    return lo + (hi - lo) / 2;
  }

  private long cellStartTicks(long ticks) {
    return Math.floorDiv(ticks, cellTicks) * cellTicks;
  }

  @Override
  public String toString() {
    return "WindowGrid[epoch + n * " + cellWidth() + "]";
  }
}
