package org.defenderadx.migration.worker.export;

import io.vertx.circuitbreaker.CircuitBreaker;
import org.defenderadx.migration.common.config.TenantConfig;
import org.defenderadx.migration.common.quota.QuotaLimits;
import org.defenderadx.migration.worker.auth.AccessTokenSource;

/** Everything one tenant's calls go through: its configuration, tokens, call budget limits and circuit breaker. */
public record TenantContext(TenantConfig config, AccessTokenSource tokens, QuotaLimits limits, CircuitBreaker breaker) {

  public String key() {
    return config.key();
  }
}
