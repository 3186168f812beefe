package org.defenderadx.migration.worker.export;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What fetching one window cost: calls made (retries included), 429s by kind, time taken, and the last
 * {@code Date} the service sent.
 */
public record FetchStats(int calls, int callQuota429, int cpuQuota429, int serverErrors, Duration elapsed,
                         Optional<Instant> serviceDate) {

  public static FetchStats none() {
    return new FetchStats(0, 0, 0, 0, Duration.ZERO, Optional.empty());
  }

  /** Both costs together (the later service date wins). */
  public FetchStats plus(FetchStats other) {
    return new FetchStats(calls + other.calls, callQuota429 + other.callQuota429, cpuQuota429 + other.cpuQuota429,
        serverErrors + other.serverErrors, elapsed.plus(other.elapsed),
        other.serviceDate.isPresent() ? other.serviceDate : serviceDate);
  }

  FetchStats plusCall(Duration took, Optional<Instant> date) {
    return new FetchStats(calls + 1, callQuota429, cpuQuota429, serverErrors, elapsed.plus(took),
        date.isPresent() ? date : serviceDate);
  }

  FetchStats plusCallQuota429() {
    return new FetchStats(calls, callQuota429 + 1, cpuQuota429, serverErrors, elapsed, serviceDate);
  }

  FetchStats plusCpuQuota429() {
    return new FetchStats(calls, callQuota429, cpuQuota429 + 1, serverErrors, elapsed, serviceDate);
  }

  FetchStats plusServerError() {
    return new FetchStats(calls, callQuota429, cpuQuota429, serverErrors + 1, elapsed, serviceDate);
  }
}
