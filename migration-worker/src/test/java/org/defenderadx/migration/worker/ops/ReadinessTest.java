package org.defenderadx.migration.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.microsoft.azure.kusto.data.ClientFactory;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.defenderadx.migration.common.config.MigrationTuning;
import org.defenderadx.migration.common.config.TenantConfig;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.quota.QuotaLimits;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.AdxConnections;
import org.defenderadx.migration.worker.adx.AdxRowAppender;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.auth.AccessTokenSource;
import org.defenderadx.migration.worker.auth.AzureCredentials;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.defenderadx.migration.worker.testing.AdxFixture;
import org.defenderadx.migration.worker.testing.Simulators;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.defenderadx.migration.worker.testing.TestClocks.MutableClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/**
 * Readiness against the real stand-ins: not ready while ADX does not answer or a tenant's token cannot be had; not
 * ready, naming the table, when a table's lag or its backfill's pace brings it within the margin of the 30-day
 * horizon; ready otherwise. Each test uses a tenant of its own, so their tables do not meet.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ReadinessTest {

  private static final Duration MARGIN = Duration.ofDays(2);
  private static StandIns env;

  @BeforeAll
  static void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
  }

  @AfterAll
  static void stop() throws Exception {
    env.close();
  }

  @Test
  void notReadyUntilAdxAnswersAndEveryTenantsTokenIsObtained() throws Exception {
    int closedPort = closedPort();
    AdxClient deadAdx = new AdxClient(ClientFactory.createClient(AdxConnections.engine(
        AdxFixture.config("http://127.0.0.1:" + closedPort, StandIns.DATABASE))), StandIns.DATABASE, env.sdkPool);
    TenantContext noToken = tenantWithTokenEndpoint("t-dead", "https://127.0.0.1:" + closedPort);

    JsonObject verdict = await(readiness(deadAdx, env.time, Map.of("t-dead", noToken)).check());

    assertThat(verdict.getBoolean("ready")).as(verdict.encodePrettily()).isFalse();
    assertThat(check(verdict, "adx").getBoolean("ok")).isFalse();
    assertThat(check(verdict, "adx").getString("detail")).startsWith("ADX does not answer a query");
    assertThat(check(verdict, "token:t-dead").getBoolean("ok")).isFalse();
    assertThat(check(verdict, "token:t-dead").getString("detail")).contains("tenant 't-dead'");

    // The same tenant with its token endpoint reachable, and ADX answering: ready.
    TenantContext withToken = TenantFixture.context(env.vertx, env.sim, env.time, "t-dead", "graph");
    JsonObject after = await(readiness(env.adxClient, env.time, Map.of("t-dead", withToken)).check());
    assertThat(after.getBoolean("ready")).as(after.encodePrettily()).isTrue();
  }

  @Test
  void aTenantsTokenIsAskedForAtMostOnceEvery30SecondsWhateverTheOutcome() throws Exception {
    // GIVEN a credential that counts its token requests and fails them, and a wall clock moved by hand (the token
    // source's too, so that its own backoff after a failure passes as the wall clock moves)
    AtomicInteger requests = new AtomicInteger();
    AtomicBoolean entraSaysNo = new AtomicBoolean(true);
    MutableClock wall = new MutableClock(Instant.parse("2026-11-20T12:00:00Z"));
    TokenCredential counting = request -> {
      requests.incrementAndGet();
      // A token that expires within AccessTokenSource's refresh margin: it caches nothing, only Readiness may.
      return entraSaysNo.get() ? Mono.error(new IllegalStateException("AADSTS7000215: invalid client secret"))
          : Mono.just(new AccessToken("token", OffsetDateTime.ofInstant(wall.instant().plusSeconds(60),
              ZoneOffset.UTC)));
    };
    TenantConfig config = TenantFixture.config(env.sim, "t-probe", "graph");
    TenantContext tenant = new TenantContext(config, new AccessTokenSource(env.vertx, () -> Optional.of(counting),
        config.api().scope(), wall), QuotaLimits.of(45, 1500),
        CircuitBreaker.create("t-probe", env.vertx, new CircuitBreakerOptions()));
    Readiness readiness = new Readiness(statusReport(env.adxClient, env.time, Map.of("t-probe", tenant)),
        Map.of("t-probe", tenant), wall);

    // WHEN probed five times within 30 seconds, two of them at once
    List<JsonObject> verdicts = new ArrayList<>();
    verdicts.addAll(await(Future.all(readiness.check(), readiness.check())).list());
    for (int i = 0; i < 3; i++) {
      wall.advance(Duration.ofSeconds(9));
      verdicts.add(await(readiness.check()));
    }
    // THEN one token request, and every probe says why it is not ready
    assertThat(requests.get()).isEqualTo(1);
    assertThat(verdicts).allSatisfy(v -> assertThat(check(v, "token:t-probe").getString("detail"))
        .contains("AADSTS7000215"));

    // WHEN 30 seconds have passed since that check, and the credential works again
    entraSaysNo.set(false);
    wall.advance(Duration.ofSeconds(3));
    JsonObject recovered = await(readiness.check());
    // THEN asked again, and the success is remembered as long
    assertThat(requests.get()).isEqualTo(2);
    assertThat(check(recovered, "token:t-probe").getBoolean("ok")).as(recovered.encodePrettily()).isTrue();
    wall.advance(Duration.ofSeconds(29));
    assertThat(check(await(readiness.check()), "token:t-probe").getBoolean("ok")).isTrue();
    assertThat(requests.get()).isEqualTo(2);
  }

  @Test
  void notReadyNamingTheTableWhoseLagOrBackfillPaceReachesTheMarginOfTheHorizon() throws Exception {
    // GIVEN a fixed clock, and for tenant t-lag: one table 29 days behind (the margin starts at 28), one an hour
    // behind, and one 10 days behind whose recent windows covered 24 s of data in 2 minutes (about 50 days to go)
    Instant now = KustoTime.truncate(Instant.parse("2026-11-20T12:00:00Z"));
    TimeSource fixed = TimeSource.of(Clock.fixed(now, ZoneOffset.UTC), 1.0);
    configure("t-lag", "DeviceFileEvents", now.minus(Duration.ofDays(29)), 1);
    configure("t-lag", "DeviceLogonEvents", now.minus(Duration.ofHours(1)), 1);
    Instant slowWatermark = now.minus(Duration.ofDays(10));
    configure("t-lag", "DeviceProcessEvents", slowWatermark, 1);
    await(env.state.audit(List.of(
        succeeded("t-lag", "DeviceProcessEvents", now.minus(Duration.ofMinutes(3)), slowWatermark.minusSeconds(48),
            slowWatermark.minusSeconds(24)),
        succeeded("t-lag", "DeviceProcessEvents", now.minus(Duration.ofMinutes(1)), slowWatermark.minusSeconds(24),
            slowWatermark))));
    Map<String, TenantContext> tenants = Map.of("t-lag", TenantFixture.context(env.vertx, env.sim, fixed, "t-lag",
        "graph"));

    // WHEN readiness is checked
    JsonObject verdict = await(readiness(env.adxClient, fixed, tenants).check());

    // THEN not ready, the horizon check naming the two tables at risk and why, and not the healthy one
    assertThat(verdict.getBoolean("ready")).as(verdict.encodePrettily()).isFalse();
    assertThat(check(verdict, "adx").getBoolean("ok")).isTrue();
    assertThat(check(verdict, "token:t-lag").getBoolean("ok")).isTrue();
    String horizon = check(verdict, "horizon").getString("detail");
    assertThat(horizon).contains("DeviceFileEvents (tenant 't-lag'): watermark lag 29 d is within 2 d of the 30-day "
        + "horizon");
    assertThat(horizon).contains("DeviceProcessEvents (tenant 't-lag'): the backfill needs about 49 d 23 h");
    assertThat(horizon).doesNotContain("DeviceLogonEvents");

    // WHEN the tables catch up (newer configuration rows in force) THEN ready
    configure("t-lag", "DeviceFileEvents", now.minus(Duration.ofHours(2)), 2);
    configure("t-lag", "DeviceProcessEvents", now.minus(Duration.ofHours(2)), 2);
    JsonObject later = await(readiness(env.adxClient, fixed, tenants).check());
    assertThat(later.getBoolean("ready")).as(later.encodePrettily()).isTrue();
  }

  @Test
  void theStatusNamesAnErrorUntilAWindowCommitsAfterItAndATenantsPause() throws Exception {
    Instant now = KustoTime.truncate(Instant.parse("2026-11-20T12:00:00Z"));
    TimeSource fixed = TimeSource.of(Clock.fixed(now, ZoneOffset.UTC), 1.0);
    configure("t-err", "DeviceEvents", now.minus(Duration.ofHours(3)), 1);
    await(env.state.audit(List.of(new AuditRecord("DeviceEventsRaw", now.minus(Duration.ofMinutes(10)), "Failed",
        "the service said 400: bad query", 0, "t-err", "DeviceEvents", "run-1", "", null, null, 1, 0, 0,
        Duration.ZERO, "node-t", Map.of()))));
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, fixed, "t-err", "graph");

    JsonObject failed = table(await(statusReport(env.adxClient, fixed, Map.of("t-err", tenant)).current()),
        "DeviceEvents");
    assertThat(failed.getString("state")).isEqualTo("failed");
    assertThat(failed.getString("lastError")).isEqualTo("the service said 400: bad query");

    // A window committed after the failure: the table recovered.
    Instant w = now.minus(Duration.ofHours(2));
    await(env.state.audit(List.of(succeeded("t-err", "DeviceEvents", now.minus(Duration.ofMinutes(1)),
        w.minus(Duration.ofHours(1)), w))));
    configure("t-err", "DeviceEvents", w, 2);
    JsonObject recovered = table(await(statusReport(env.adxClient, fixed, Map.of("t-err", tenant)).current()),
        "DeviceEvents");
    assertThat(recovered.getValue("lastError")).isNull();
    assertThat(recovered.getString("state")).isEqualTo("caught-up");
    assertThat(recovered.getLong("lagSeconds")).isEqualTo(Duration.ofHours(2).toSeconds());
    assertThat(recovered.getLong("rowsTotal")).isEqualTo(10);

    // The tenant's CPU quota paused it cluster-wide: the tenant and its tables say so.
    Instant until = now.plus(Duration.ofMinutes(12));
    await(new SharedCallBudget(env.vertx, fixed).pauseUntil("t-err", tenant.limits(), until));
    JsonObject doc = await(statusReport(env.adxClient, fixed, Map.of("t-err", tenant)).current());
    JsonObject t = doc.getJsonArray("tenants").getJsonObject(0);
    assertThat(t.getBoolean("paused")).isTrue();
    assertThat(t.getString("pausedUntil")).isEqualTo(until.toString());
    assertThat(table(doc, "DeviceEvents").getString("state")).isEqualTo("paused");
  }

  private static JsonObject table(JsonObject doc, String name) {
    return doc.getJsonArray("tables").stream().map(JsonObject.class::cast)
        .filter(t -> t.getString("sourceTable").equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no table " + name + " in " + doc.encodePrettily()));
  }

  private static StatusReport statusReport(AdxClient adx, TimeSource time, Map<String, TenantContext> tenants) {
    MigrationTuning tuning = new MigrationTuning(Duration.ofMinutes(5), Duration.ofDays(30), 1000, 1 << 20,
        Duration.ofDays(1), Duration.ofMinutes(2), Duration.ofDays(1), MARGIN, 1 << 16, Duration.ofMinutes(15), 1, 32,
        Duration.ofHours(6), Duration.ofMinutes(10));
    return new StatusReport(env.vertx, new MigrationStateStore(adx, new AdxRowAppender(adx)), adx, tenants,
        new SharedCallBudget(env.vertx, time), time, Clock.systemUTC(), tuning, "node-t");
  }

  private static Readiness readiness(AdxClient adx, TimeSource time, Map<String, TenantContext> tenants) {
    return new Readiness(statusReport(adx, time, tenants), tenants, Clock.systemUTC());
  }

  private static JsonObject check(JsonObject verdict, String name) {
    return verdict.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("check").equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no check " + name + " in " + verdict.encodePrettily()));
  }

  private static void configure(String tenant, String table, Instant watermark, long version) throws Exception {
    ConfigRows.incremental(env, tenant, table, watermark, version);
  }

  private static AuditRecord succeeded(String tenant, String table, Instant at, Instant lo, Instant hi) {
    return new AuditRecord(table + "Raw", at, "Succeeded", "", 10, tenant, table, "run-1",
        tenant + "/" + table + "/" + lo, lo, hi, 1, 0, 0, Duration.ofSeconds(1), "node-t", Map.of());
  }

  private static TenantContext tenantWithTokenEndpoint(String key, String authority) {
    TenantConfig config = TenantFixture.config(env.sim, key, "graph");
    AccessTokenSource tokens = new AccessTokenSource(env.vertx,
        () -> AzureCredentials.create(config.credential(), authority, config.tenantId(),
            Optional.of(Simulators.trusting(env.sim))),
        config.api().scope(), env.time.clock());
    return new TenantContext(config, tokens, QuotaLimits.of(45, 1500),
        CircuitBreaker.create("t-" + key, env.vertx, new CircuitBreakerOptions()));
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
