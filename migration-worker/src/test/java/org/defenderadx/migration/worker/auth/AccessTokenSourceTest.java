package org.defenderadx.migration.worker.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.TenantConfig;
import org.defenderadx.migration.worker.testing.Simulators;
import org.defenderadx.migration.worker.testing.TestClocks;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.defender.DefenderSimulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real azure-identity client-credentials flow against the Defender simulator's token endpoint (over TLS: MSAL
 * refuses an authority that is not https).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class AccessTokenSourceTest {

  private final Vertx vertx = Vertx.vertx();
  private DefenderSimulator sim;

  @BeforeEach
  void start() throws Exception {
    sim = await(DefenderSimulator.start(vertx, DefenderSimConfig.builder().build()));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private AccessTokenSource source(String secret, Clock clock) {
    JsonObject tree = new JsonObject()
        .put("tenants", new JsonArray().add(new JsonObject().put("tenantId", DefenderSimConfig.DEFAULT_TENANT)
            .put("authorityHost", sim.tlsBaseUrl())
            .put("credential", new JsonObject().put("kind", "client-secret")
                .put("clientId", DefenderSimConfig.DEFAULT_CLIENT_ID).put("clientSecretEnv", "SECRET"))))
        .put("adx", new JsonObject().put("clusterUrl", "http://localhost:1").put("database", "db")
            .put("credential", new JsonObject().put("kind", "none")));
    TenantConfig tenant = ConfigLoader.parse(tree, Map.of("SECRET", secret)).tenants().get(0);
    return new AccessTokenSource(vertx,
        () -> AzureCredentials.create(tenant.credential(), tenant.authorityHost().toString(), tenant.tenantId(),
            Optional.of(Simulators.trusting(sim))),
        "https://graph.microsoft.com/.default", clock);
  }

  private long tokensIssued() {
    return sim.stats().calls("token-v2", 200);
  }

  @Test
  void getsATokenWithClientCredentialsAndCachesIt() throws Exception {
    AccessTokenSource tokens = source(DefenderSimConfig.DEFAULT_CLIENT_SECRET, Clock.systemUTC());

    String first = await(tokens.authorization()).orElseThrow();
    String second = await(tokens.authorization()).orElseThrow();

    assertThat(first).startsWith("Bearer ").isEqualTo(second);
    assertThat(tokensIssued()).isEqualTo(1);
  }

  @Test
  void refreshesAfterTheServiceRejectedTheToken() throws Exception {
    AccessTokenSource tokens = source(DefenderSimConfig.DEFAULT_CLIENT_SECRET, Clock.systemUTC());
    String first = await(tokens.authorization()).orElseThrow();

    String refreshed = await(tokens.refresh()).orElseThrow();

    assertThat(refreshed).isNotEqualTo(first);
    assertThat(tokensIssued()).isEqualTo(2);
  }

  @Test
  void refreshesBeforeExpiry() throws Exception {
    TestClocks.MutableClock clock = new TestClocks.MutableClock(Instant.now());
    AccessTokenSource tokens = source(DefenderSimConfig.DEFAULT_CLIENT_SECRET, clock);
    await(tokens.authorization());

    clock.advance(Duration.ofMinutes(30));
    await(tokens.authorization());
    assertThat(tokensIssued()).as("a token valid for another half hour is reused").isEqualTo(1);

    clock.advance(Duration.ofMinutes(26)); // inside the 5-minute margin before the hour is up
    await(tokens.authorization());
    assertThat(tokensIssued()).isEqualTo(2);
  }

  @Test
  void refreshesBeforeExpiryOnItsOwnClockWhenThatIsNotTheSystemsClock() throws Exception {
    // A simulated clock weeks behind the system's (benchmarks run it faster): the token's hour counts on it.
    TestClocks.MutableClock clock = new TestClocks.MutableClock(Instant.parse("2026-11-15T00:00:00Z"));
    AccessTokenSource tokens = source(DefenderSimConfig.DEFAULT_CLIENT_SECRET, clock);
    await(tokens.authorization());

    clock.advance(Duration.ofMinutes(50));
    await(tokens.authorization());
    assertThat(tokensIssued()).isEqualTo(1);

    clock.advance(Duration.ofMinutes(6));
    await(tokens.authorization());
    assertThat(tokensIssued()).as("a new token before the hour is up on the source's clock").isEqualTo(2);
  }

  @Test
  void aTokenShorterLivedThanTwiceTheMarginIsRenewedAtHalfItsLifetimeNotOnEveryCall() throws Exception {
    sim = await(DefenderSimulator.start(vertx, DefenderSimConfig.builder().tokenLifetime(Duration.ofMinutes(3))
        .build()));
    TestClocks.MutableClock clock = new TestClocks.MutableClock(Instant.now());
    AccessTokenSource tokens = source(DefenderSimConfig.DEFAULT_CLIENT_SECRET, clock);
    await(tokens.authorization());
    await(tokens.authorization());

    clock.advance(Duration.ofSeconds(80));
    await(tokens.authorization());
    assertThat(tokensIssued()).as("reused within half of its three minutes").isEqualTo(1);

    clock.advance(Duration.ofSeconds(20));
    await(tokens.authorization());
    assertThat(tokensIssued()).as("renewed past half of its three minutes").isEqualTo(2);
  }

  @Test
  void aWrongSecretFailsWithTheServicesReason() {
    AccessTokenSource tokens = source("wrong-secret", Clock.systemUTC());

    assertThatThrownBy(() -> await(tokens.authorization()))
        .isInstanceOf(AccessTokenSource.TokenUnavailableException.class)
        .hasMessageContaining("https://graph.microsoft.com/.default")
        .hasMessageContaining("AADSTS7000215");
  }

  @Test
  void aFailingCredentialIsNotAskedAgainUntilItsBackoffPassed() throws Exception {
    TestClocks.MutableClock clock = new TestClocks.MutableClock(Instant.now());
    AccessTokenSource tokens = source("wrong-secret", clock);

    // ten calls at once after the first failure: the identity provider is asked once
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> await(tokens.authorization()))
          .isInstanceOf(AccessTokenSource.TokenUnavailableException.class).hasMessageContaining("AADSTS7000215");
    }
    assertThat(tokenRequests()).isEqualTo(1);
    assertThat(tokens.lastError()).hasValueSatisfying(e -> assertThat(e).contains("AADSTS7000215"));
    assertThat(tokens.consecutiveFailures()).isEqualTo(1);

    // after the first backoff (1 s) it is asked again, and the next wait doubles
    clock.advance(AccessTokenSource.FIRST_BACKOFF.plusMillis(1));
    assertThatThrownBy(() -> await(tokens.authorization()));
    assertThatThrownBy(() -> await(tokens.authorization()));
    assertThat(tokenRequests()).isEqualTo(2);
    assertThat(tokens.consecutiveFailures()).isEqualTo(2);
    clock.advance(AccessTokenSource.FIRST_BACKOFF.plusMillis(1));
    assertThatThrownBy(() -> await(tokens.authorization()));
    assertThat(tokenRequests()).as("within the doubled wait").isEqualTo(2);
  }

  private long tokenRequests() {
    return sim.stats().calls("token-v2", 200) + sim.stats().calls("token-v2", 400)
        + sim.stats().calls("token-v2", 401);
  }

  @Test
  void noCredentialMeansNoAuthorizationHeader() throws Exception {
    AccessTokenSource tokens = new AccessTokenSource(vertx, Optional::empty, "scope", Clock.systemUTC());

    assertThat(await(tokens.authorization())).isEmpty();
  }
}
