package org.defenderadx.migration.common.window;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The next windows to copy, in order. {@code unreachable} is set when the stored watermark fell behind the
 * lookback horizon: rows in that interval can no longer be read from the API and must be reported as a gap.
 * {@code caughtUp} is true when the plan reaches the last closed cell (there is nothing more to do until the next
 * cell closes); false when it was cut at {@code maxWindows} or at {@code needsUnitsAt}. {@code needsUnitsAt} is set
 * when the plan stopped at fresh ground with closed cells ahead (see {@link PlannedUnits}): units must be recorded
 * from there before planning can go on.
 */
public record WindowPlan(List<Window> windows, Optional<Gap> unreachable, boolean caughtUp,
                         Optional<Instant> needsUnitsAt) {
  public WindowPlan {
    windows = List.copyOf(windows);
    Objects.requireNonNull(needsUnitsAt, "needsUnitsAt");
  }

  public WindowPlan(List<Window> windows, Optional<Gap> unreachable, boolean caughtUp) {
    this(windows, unreachable, caughtUp, Optional.empty());
  }

  /** {@code [from, to)} of the watermark that was skipped. */
  public record Gap(Instant from, Instant to) {
  }
}
