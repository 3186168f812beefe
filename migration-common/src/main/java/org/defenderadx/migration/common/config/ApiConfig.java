package org.defenderadx.migration.common.config;

import java.net.URI;
import org.defenderadx.migration.common.model.ApiFlavour;

/**
 * One tenant's Advanced Hunting endpoint and its budget.
 *
 * @param callsPerMinute     the tenant's documented call quota (45); all nodes of a cluster share it
 * @param callsPerHour       the hourly quota (1,500 for the legacy MDE API; we apply it to every flavour)
 * @param maxConcurrentCalls calls in flight at once for this tenant
 */
public record ApiConfig(ApiFlavour flavour, URI baseUrl, String scope, int callsPerMinute, int callsPerHour,
                        int maxConcurrentCalls) {

  /** The full URL of the hunting endpoint. */
  public URI huntingUrl() {
    String base = baseUrl.toString();
    return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + flavour.path());
  }
}
