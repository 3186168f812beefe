package org.defenderadx.simulator.defender.limits;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The tenant's CPU allocation per cycle (15 minutes, aligned to the epoch). A call is refused while the current
 * cycle's budget is spent; a call that starts under budget runs to completion and may overshoot it, as a real
 * engine cannot know a query's cost in advance.
 */
public final class CpuBudget {
  private final Duration budget;
  private final Duration cycle;
  private long cycleIndex = Long.MIN_VALUE;
  private Duration spentInCycle = Duration.ZERO;
  private Duration spentTotal = Duration.ZERO;

  public CpuBudget(Duration budget, Duration cycle) {
    this.budget = budget;
    this.cycle = cycle;
  }

  private void roll(Instant now) {
    long idx = Math.floorDiv(now.toEpochMilli(), cycle.toMillis());
    if (idx != cycleIndex) {
      cycleIndex = idx;
      spentInCycle = Duration.ZERO;
    }
  }

  /** Empty when a call may start now; else how long until the next cycle begins. */
  public synchronized Optional<Duration> blockedFor(Instant now) {
    roll(now);
    if (spentInCycle.compareTo(budget) < 0) {
      return Optional.empty();
    }
    long next = (cycleIndex + 1) * cycle.toMillis();
    return Optional.of(Duration.ofMillis(next - now.toEpochMilli()));
  }

  public synchronized void charge(Instant now, Duration cpu) {
    roll(now);
    spentInCycle = spentInCycle.plus(cpu);
    spentTotal = spentTotal.plus(cpu);
  }

  public synchronized Duration spentInCurrentCycle(Instant now) {
    roll(now);
    return spentInCycle;
  }

  public synchronized Duration spentTotal() {
    return spentTotal;
  }
}
