package org.defenderadx.migration.worker.testing;

import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Optional;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.TenantConfig;
import org.defenderadx.migration.common.quota.QuotaLimits;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.auth.AccessTokenSource;
import org.defenderadx.migration.worker.auth.AzureCredentials;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.defender.DefenderSimulator;

/** A tenant configured against the Defender simulator, built through the real configuration parser. */
public final class TenantFixture {
  private TenantFixture() {
  }

  public static TenantConfig config(DefenderSimulator sim, String key, String flavour) {
    return config(sim, key, flavour, sim.config().limits().callsPerMinute(), sim.config().limits().callsPerHour());
  }

  /** Configured for these call rates, whatever the simulator allows. */
  public static TenantConfig config(DefenderSimulator sim, String key, String flavour, int perMinute, int perHour) {
    JsonObject tree = new JsonObject()
        .put("tenants", new JsonArray().add(new JsonObject().put("key", key)
            .put("tenantId", DefenderSimConfig.DEFAULT_TENANT)
            .put("authorityHost", sim.tlsBaseUrl())
            .put("credential", new JsonObject().put("kind", "client-secret")
                .put("clientId", DefenderSimConfig.DEFAULT_CLIENT_ID).put("clientSecretEnv", "SIM_SECRET"))
            .put("api", new JsonObject().put("flavour", flavour).put("baseUrl", sim.baseUrl())
                .put("callsPerMinute", perMinute).put("callsPerHour", perHour))))
        .put("adx", new JsonObject().put("clusterUrl", "http://localhost:1").put("database", "db")
            .put("credential", new JsonObject().put("kind", "none")));
    return ConfigLoader.parse(tree, Map.of("SIM_SECRET", DefenderSimConfig.DEFAULT_CLIENT_SECRET)).tenants().get(0);
  }

  public static TenantContext context(Vertx vertx, DefenderSimulator sim, TimeSource time, String key, String flavour) {
    return context(vertx, sim, time, config(sim, key, flavour));
  }

  public static TenantContext context(Vertx vertx, DefenderSimulator sim, TimeSource time, TenantConfig config) {
    String key = config.key();
    AccessTokenSource tokens = new AccessTokenSource(vertx,
        () -> AzureCredentials.create(config.credential(), config.authorityHost().toString(), config.tenantId(),
            Optional.of(Simulators.trusting(sim))),
        config.api().scope(), time.clock());
    CircuitBreaker breaker = CircuitBreaker.create("defender-" + key, vertx,
        new CircuitBreakerOptions().setMaxFailures(5).setTimeout(-1).setResetTimeout(2_000));
    return new TenantContext(config, tokens,
        QuotaLimits.of(config.api().callsPerMinute(), config.api().callsPerHour()), breaker);
  }
}
