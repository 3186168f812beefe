package org.defenderadx.migration.common.window;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.defenderadx.migration.common.kql.KustoTime;

/**
 * Plans the next windows of one table on a fixed {@link WindowGrid}.
 *
 * <p>Design: a grid cell is planned only once it has closed entirely ({@code cellEnd <= closePoint}); a partial
 * cell at the end is never planned. The windows returned are the largest tree nodes starting at the resume point,
 * so they depend only on the grid and the committed progress, never on the clock. That is what keeps identities
 * stable: re-planning after a crash, at any close point, reproduces the windows of the interrupted run. The cost
 * is latency of up to one cell width plus the settle lag; choose a narrower cell for fresher data.
 *
 * <p>A never-loaded table, or one whose watermark fell behind the horizon, starts at the cell holding the
 * horizon start (rounded down, so no reachable row is skipped). A watermark that is not on a cell boundary (one
 * carried over from the original script) resumes with the tree nodes that tile the rest of its cell, a one-time
 * run of up to log2(cell ticks) small windows.
 */
public final class WindowPlanner {
  private final WindowGrid grid;
  private final WindowSplitter splitter;

  public WindowPlanner(WindowGrid grid) {
    this.grid = Objects.requireNonNull(grid, "grid");
    this.splitter = new WindowSplitter(grid);
  }

  public WindowGrid grid() {
    return grid;
  }

  /**
   * @param progress committed progress, empty when the table was never loaded
   * @param horizonStart the oldest watermark the API can still serve safely (now - 30 days + margin)
   * @param closePoint windows end at or before this point (see {@link #closePoint})
   * @param maxWindows at most this many windows are returned
   */
  public WindowPlan plan(Optional<WindowProgress> progress, Instant horizonStart, Instant closePoint, int maxWindows) {
    return plan(progress, horizonStart, closePoint, maxWindows, PlannedUnits.NONE);
  }

  /**
   * As above, with the table's recorded units: inside a unit the windows are the nodes of its split tree (so a run
   * resuming inside a unit fetches what the interrupted run would have); on fresh ground outside every unit the plan
   * stops with {@link WindowPlan#needsUnitsAt()} set; elsewhere the windows are the grid's plain cells and halvings.
   */
  public WindowPlan plan(Optional<WindowProgress> progress, Instant horizonStart, Instant closePoint, int maxWindows,
                         PlannedUnits units) {
    Objects.requireNonNull(progress, "progress");
    Objects.requireNonNull(horizonStart, "horizonStart");
    Objects.requireNonNull(closePoint, "closePoint");
    Objects.requireNonNull(units, "units");
    if (maxWindows < 1) {
      throw new IllegalArgumentException("maxWindows must be positive, got " + maxWindows);
    }
    Instant firstReachable = grid.cellStart(horizonStart);
    Instant position = resumePoint(progress, horizonStart);
    Optional<Bucket> lastBucketDone = Optional.empty();
    Optional<WindowPlan.Gap> gap = Optional.empty();
    if (progress.isPresent() && progress.get().watermark().isBefore(firstReachable)) {
      gap = Optional.of(new WindowPlan.Gap(KustoTime.truncate(progress.get().watermark()), firstReachable));
    } else if (progress.isPresent()) {
      lastBucketDone = progress.get().lastBucketDone();
    }

    List<Window> windows = new ArrayList<>();
    if (lastBucketDone.isPresent()) {
      if (!isClosed(position, closePoint)) {
        return new WindowPlan(windows, gap, true);
      }
      Instant instantEnd = position.plus(KustoTime.TICK);
      for (Bucket rest : remainingBuckets(lastBucketDone.get())) {
        if (windows.size() == maxWindows) {
          return new WindowPlan(windows, gap, false);
        }
        windows.add(new Window(position, instantEnd, rest));
      }
      position = instantEnd;
    }
    while (windows.size() < maxWindows) {
      Optional<Window> unit = units.containing(position);
      Window next;
      if (unit.isPresent()) {
        if (unit.get().hi().isAfter(closePoint)) {
          return new WindowPlan(windows, gap, true); // the service's clock went back: wait until it passes again
        }
        next = splitter.largestNodeStartingAt(unit.get(), position);
      } else if (!isClosed(position, closePoint)) {
        return new WindowPlan(windows, gap, true);
      } else if (units.isFresh(position)) {
        return new WindowPlan(windows, gap, false, Optional.of(position));
      } else {
        next = grid.largestWindowStartingAt(position);
        Optional<Instant> unitAhead = units.nextStartAfter(position);
        // Tree nodes nest, so halving ends below a unit that starts inside this node.
        while (unitAhead.isPresent() && next.hi().isAfter(unitAhead.get())) {
          next = splitter.split(next).get(0);
        }
      }
      windows.add(next);
      position = next.hi();
    }
    boolean more = units.containing(position).map(u -> !u.hi().isAfter(closePoint))
        .orElse(isClosed(position, closePoint));
    return new WindowPlan(windows, gap, !more);
  }

  /**
   * Where the next window starts: the committed watermark, or the cell holding the horizon start for a table never
   * loaded or one whose watermark fell behind the horizon (rounded down, so no reachable row is skipped).
   */
  public Instant resumePoint(Optional<WindowProgress> progress, Instant horizonStart) {
    Instant firstReachable = grid.cellStart(horizonStart);
    if (progress.isEmpty() || progress.get().watermark().isBefore(firstReachable)) {
      return firstReachable;
    }
    return KustoTime.truncate(progress.get().watermark());
  }

  /** Splits windows of this planner's grid (and walks the split tree of recorded units). */
  public WindowSplitter splitter() {
    return splitter;
  }

  private boolean isClosed(Instant position, Instant closePoint) {
    return !grid.cellEnd(position).isAfter(closePoint);
  }

  /** The buckets still to do in an instant after {@code done}, in planning order: right siblings up the path. */
  static List<Bucket> remainingBuckets(Bucket done) {
    List<Bucket> rest = new ArrayList<>();
    Bucket node = done;
    while (node.count() > 1) {
      if (node.isLeftChild()) {
        rest.add(node.rightSibling());
      }
      node = node.parent();
    }
    return rest;
  }

  /**
   * Where windows may end: {@code min(localNow, serviceNow) - settleLag - lateArrivalAllowance}, as a whole tick.
   * The service clock (from the API's {@code Date} header, if known) guards against a local clock running ahead;
   * the settle lag covers rows the service has accepted but not yet made visible; the late-arrival allowance
   * applies to column watermarks only (pass {@link Duration#ZERO} for ingestion time).
   */
  public static Instant closePoint(Instant localNow, Optional<Instant> serviceNow, Duration settleLag,
      Duration lateArrivalAllowance) {
    if (settleLag.isNegative() || lateArrivalAllowance.isNegative()) {
      throw new IllegalArgumentException("settle lag and late-arrival allowance must not be negative");
    }
    Instant now = serviceNow.filter(s -> s.isBefore(localNow)).orElse(localNow);
    return KustoTime.truncate(now.minus(settleLag).minus(lateArrivalAllowance));
  }

  /** {@code now - lookback + margin}: the oldest point worth asking the API for. */
  public static Instant horizonStart(Instant now, Duration lookback, Duration margin) {
    return KustoTime.truncate(now.minus(lookback).plus(margin));
  }
}
