package org.defenderadx.migration.common.window;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.defenderadx.migration.common.kql.KustoTime;

/**
 * Splits a window that was too big for one call (truncated, over the byte cap, preempted). A window of several
 * whole grid cells (a unit of merged cells, see {@link CellMerger}) splits at the cell boundary nearest its middle,
 * so its halves are again whole cells; any other window wider than one tick (a cell, a node of a cell's tree, or a
 * unit cut from counting bins) splits into its two halves at the tick midpoint (the same midpoint the grid's tree
 * uses); a one-tick instant splits into hash buckets 0/2 and 1/2; a bucket b/N splits into b/2N and (b+N)/2N.
 * Children are returned in planning order.
 *
 * <p>Every window thus has one fixed tree below it, which {@link #largestNodeStartingAt} walks: that is how a run
 * resumes inside a unit an earlier run planned and reproduces the windows (and identities) it would have fetched.
 */
public final class WindowSplitter {
  /** Enough for 2^20 buckets of 100k rows in one 100-ns tick, far beyond any real instant. */
  public static final int DEFAULT_MAX_BUCKETS = 1 << 20;

  private final int maxBuckets;
  private final WindowGrid grid;

  /** A splitter that knows no grid: every window wider than a tick splits at its tick midpoint. */
  public WindowSplitter() {
    this(DEFAULT_MAX_BUCKETS);
  }

  public WindowSplitter(int maxBuckets) {
    this(null, maxBuckets);
  }

  /** The exporter's splitter: windows of several cells of {@code grid} split at cell boundaries. */
  public WindowSplitter(WindowGrid grid) {
    this(Objects.requireNonNull(grid, "grid"), DEFAULT_MAX_BUCKETS);
  }

  public WindowSplitter(WindowGrid grid, int maxBuckets) {
    if (maxBuckets < 2 || Integer.bitCount(maxBuckets) != 1) {
      throw new IllegalArgumentException("max bucket count must be a power of two >= 2, got " + maxBuckets);
    }
    this.maxBuckets = maxBuckets;
    this.grid = grid;
  }

  public List<Window> split(Window window) {
    if (!window.isInstant()) {
      long lo = KustoTime.toTicks(window.lo());
      long hi = KustoTime.toTicks(window.hi());
      Instant mid = KustoTime.fromTicks(cellsOf(window) > 1 ? cellMidpoint(lo, hi) : WindowGrid.midpoint(lo, hi));
      return List.of(Window.of(window.lo(), mid), Window.of(mid, window.hi()));
    }
    if (window.bucket().count() * 2L > maxBuckets) {
      throw new WindowNotSplittableException("window " + window + " is already paged into "
          + window.bucket().count() + " buckets, the most allowed (" + maxBuckets + ")");
    }
    Bucket[] children = window.bucket().children();
    return List.of(new Window(window.lo(), window.hi(), children[0]),
        new Window(window.lo(), window.hi(), children[1]));
  }

  /**
   * The largest node of {@code root}'s split tree that starts exactly at {@code position} (inside {@code root}):
   * the window a run takes next when everything in {@code root} before {@code position} is loaded. Every tick of the
   * root starts some node, so there always is one.
   */
  public Window largestNodeStartingAt(Window root, Instant position) {
    if (root.isBucketed() || position.isBefore(root.lo()) || !position.isBefore(root.hi())) {
      throw new IllegalArgumentException(position + " is not inside " + root);
    }
    Window node = root;
    while (!node.lo().equals(position)) {
      List<Window> halves = split(node);
      node = position.isBefore(halves.get(1).lo()) ? halves.get(0) : halves.get(1);
    }
    return node;
  }

  /** Whole grid cells in {@code window}, or 0 when it is not made of whole cells (or no grid is known). */
  private long cellsOf(Window window) {
    if (grid == null || !grid.cellStart(window.lo()).equals(window.lo())
        || !grid.cellStart(window.hi()).equals(window.hi())) {
      return 0;
    }
    return KustoTime.toTicks(window.width()) / KustoTime.toTicks(grid.cellWidth());
  }

  private long cellMidpoint(long lo, long hi) {
    long cell = KustoTime.toTicks(grid.cellWidth());
    return lo + ((hi - lo) / cell / 2) * cell;
  }
}
