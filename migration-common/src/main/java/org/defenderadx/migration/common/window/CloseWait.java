package org.defenderadx.migration.common.window;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a table with closed cells to export should start now or when the next cell closes. A cell is planned only
 * once it has closed, so a back-fill started minutes before the next close exports that cell on its own afterwards,
 * one call for one cell; started after the close, the back-fill's units take the cell in. The wait is worth it only
 * when it is short: at most {@code maxWait}, and at most a quarter of a cell (with a fine grid the next close is
 * never far, and the saving is a small cell).
 *
 * @param grid    the planner's grid
 * @param maxWait the longest wait; zero: never wait
 */
public record CloseWait(WindowGrid grid, Duration maxWait) {

  public CloseWait {
    Objects.requireNonNull(grid, "grid");
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait must not be negative, got " + maxWait);
    }
  }

  /** Never waits. */
  public static CloseWait none(WindowGrid grid) {
    return new CloseWait(grid, Duration.ZERO);
  }

  /**
   * How long the table should wait before its run, if it should: it has a closed cell to export from where it
   * resumes, and the next cell closes at most {@link #longestWait()} after {@code closePoint}. Empty: start now
   * (nothing closed to export, or the next close is too far away).
   */
  public Optional<Duration> before(Optional<WindowProgress> progress, Instant horizonStart, Instant closePoint) {
    Instant position = new WindowPlanner(grid).resumePoint(progress, horizonStart);
    if (grid.cellEnd(position).isAfter(closePoint)) {
      return Optional.empty(); // nothing has closed since the table's last run: it has nothing to wait for
    }
    Duration untilNextClose = Duration.between(closePoint, grid.cellEnd(closePoint));
    return untilNextClose.compareTo(longestWait()) <= 0 && !untilNextClose.isZero()
        ? Optional.of(untilNextClose) : Optional.empty();
  }

  /** {@code maxWait}, or a quarter of a cell if that is less. */
  public Duration longestWait() {
    Duration quarter = grid.cellWidth().dividedBy(4);
    return maxWait.compareTo(quarter) < 0 ? maxWait : quarter;
  }
}
