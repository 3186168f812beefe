package org.defenderadx.migration.demo;

import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.http.HttpClientOptions;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.defenderadx.migration.common.config.TenantConfig;
import org.defenderadx.migration.common.outcome.OutcomeClassifier;
import org.defenderadx.migration.common.outcome.RetryPolicy;
import org.defenderadx.migration.common.quota.QuotaLimits;
import org.defenderadx.migration.common.window.WindowSplitter;
import org.defenderadx.migration.worker.auth.AccessTokenSource;
import org.defenderadx.migration.worker.auth.AzureCredentials;
import org.defenderadx.migration.worker.defender.HuntingClient;
import org.defenderadx.migration.worker.export.HourlyCounts;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.export.Verifier;
import org.defenderadx.migration.worker.export.WindowFetcher;
import org.defenderadx.migration.worker.quota.SharedCallBudget;

/**
 * The engine's {@link Verifier} wired to the simulator the way a node wires its fetcher: the tenant's credential,
 * call budget, circuit breaker and the one outcome classifier, so its count calls meet the same quota and retries.
 */
final class SourceVerification {

  final TenantContext tenant;
  final Verifier verifier;

  SourceVerification(DemoStandIns s) {
    TenantConfig t = s.settings.tenants().get(0);
    AccessTokenSource tokens = new AccessTokenSource(s.vertx,
        () -> AzureCredentials.create(t.credential(), t.authorityHost().toString(), t.tenantId(),
            Optional.of(SimulatorTrust.identityHttpClient(s.sim))),
        t.api().scope(), s.time.clock());
    CircuitBreaker breaker = CircuitBreaker.create("demo-verify", s.vertx,
        new CircuitBreakerOptions().setMaxFailures(5).setTimeout(-1)
            .setResetTimeout(s.time.realDelayMillis(Duration.ofSeconds(30))));
    tenant = new TenantContext(t, tokens, QuotaLimits.of(t.api().callsPerMinute(), t.api().callsPerHour()), breaker);
    HuntingClient hunting = new HuntingClient(s.vertx, s.vertx.createHttpClient(new HttpClientOptions()),
        s.time.clock(), Duration.ofMinutes(4), s.settings.migration());
    WindowFetcher fetcher = new WindowFetcher(s.vertx, hunting, new SharedCallBudget(s.vertx, s.time),
        new OutcomeClassifier(s.time.clock(), new Random(), RetryPolicy.defaults(),
            s.settings.migration().maxServiceWait()), new WindowSplitter(), s.time,
        s.settings.adx().blobTargetBytes());
    verifier = new Verifier(new HourlyCounts(fetcher, s.adxClient), s.time, s.sim.config().limits().horizon());
  }
}
