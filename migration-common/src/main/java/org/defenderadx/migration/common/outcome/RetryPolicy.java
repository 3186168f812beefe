package org.defenderadx.migration.common.outcome;

import java.time.Duration;

/**
 * Backoff for transient failures: the n-th attempt waits {@code min(maxDelay, baseDelay * 2^(n-1))}, of which the
 * upper half is random (so tenants retrying together spread out), and at most {@code maxAttempts} attempts are
 * made in all.
 */
public record RetryPolicy(Duration baseDelay, Duration maxDelay, int maxAttempts) {
  public RetryPolicy {
    if (baseDelay.isNegative() || baseDelay.isZero() || maxDelay.compareTo(baseDelay) < 0 || maxAttempts < 1) {
      throw new IllegalArgumentException("need 0 < baseDelay <= maxDelay and maxAttempts >= 1");
    }
  }

  public static RetryPolicy defaults() {
    return new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(60), 5);
  }
}
