package org.defenderadx.migration.worker.export;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The service's clock per tenant, as its {@code Date} headers show it. Windows close at
 * {@code min(our clock, the service's clock) - settle lag}: if our clock runs ahead of the service's, rows the
 * service is still committing would otherwise fall into windows we already consider closed.
 */
public final class ServiceClock {

  private final Map<String, Duration> lagBehindUs = new ConcurrentHashMap<>();

  /** Records one response's Date against our clock when it arrived. */
  public void observe(String tenantKey, Instant serviceDate, Instant localNow) {
    // A Date header has whole seconds: the service may be up to a second later than it says.
    Duration behind = Duration.between(serviceDate.plusSeconds(1), localNow);
    lagBehindUs.put(tenantKey, behind.isNegative() ? Duration.ZERO : behind);
  }

  /** The earlier of our clock and the service's, as last observed; our clock until a response was seen. */
  public Instant now(String tenantKey, Instant localNow) {
    return localNow.minus(lagBehindUs.getOrDefault(tenantKey, Duration.ZERO));
  }

  /** How far the service's clock was behind ours at the last response (zero when ahead or unknown). */
  public Duration skew(String tenantKey) {
    return lagBehindUs.getOrDefault(tenantKey, Duration.ZERO);
  }
}
