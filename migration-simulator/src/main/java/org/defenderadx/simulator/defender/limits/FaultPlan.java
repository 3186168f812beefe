package org.defenderadx.simulator.defender.limits;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Random;
import org.defenderadx.simulator.defender.DefenderSimConfig.Faults;
import org.defenderadx.simulator.defender.SimFault;

/**
 * Decides which fault, if any, hits a query call: first any injected faults, in order, then random ones drawn
 * from a generator seeded by the configuration, so a given sequence of calls meets the same faults every run.
 */
public final class FaultPlan {
  private final Faults faults;
  private final Random random;
  private final ArrayDeque<SimFault> injected = new ArrayDeque<>();

  public FaultPlan(Faults faults) {
    this.faults = faults;
    this.random = new Random(faults.seed());
  }

  public synchronized void inject(Collection<SimFault> next) {
    injected.addAll(next);
  }

  /** The fault for the next call, or null. */
  public synchronized SimFault next() {
    if (!injected.isEmpty()) {
      return injected.pollFirst();
    }
    double p = random.nextDouble();
    if ((p -= faults.preemptProbability()) < 0) {
      return SimFault.PREEMPTED;
    }
    if ((p -= faults.serverErrorProbability()) < 0) {
      return SimFault.SERVER_ERROR;
    }
    if ((p -= faults.gatewayTimeoutProbability()) < 0) {
      return SimFault.GATEWAY_TIMEOUT;
    }
    if ((p -= faults.slowProbability()) < 0) {
      return SimFault.SLOW;
    }
    return null;
  }
}
