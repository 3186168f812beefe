package org.defenderadx.migration.common.quota;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * A single-owner holder of a {@link QuotaState} read against an injected clock. Not thread-safe: confine it to one
 * event loop, or keep the state in a shared map and call {@link QuotaState#tryTake} with compare-and-set instead.
 */
public final class CallBudget {
  private final Clock clock;
  private QuotaState state;

  public CallBudget(QuotaLimits limits, Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.state = QuotaState.full(limits, clock.instant());
  }

  public QuotaDecision tryTake() {
    QuotaDecision decision = state.tryTake(clock.instant());
    state = decision.state();
    return decision;
  }

  /** Blocks permits until {@code until}: after a CPU-quota 429 or a Retry-After. */
  public void pauseUntil(Instant until) {
    state = state.pausedUntil(until);
  }

  public QuotaState state() {
    return state;
  }
}
