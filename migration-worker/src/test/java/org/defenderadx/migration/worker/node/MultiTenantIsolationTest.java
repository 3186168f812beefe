package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.testing.Simulators;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Two tenants in one configuration, each with its own credentials, call budget and circuit breaker: one tenant's API
 * fails with 503s until its breaker opens, and the other tenant's tables are exported exactly all the while.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class MultiTenantIsolationTest {

  private static final List<String> TABLES = List.of("DeviceLogonEvents", "DeviceInfo");

  private StandIns env;
  private HttpServer failingApi;
  private final AtomicInteger failingCalls = new AtomicInteger();
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
    // The second tenant's API: a real server on loopback that answers every call with 503.
    failingApi = await(env.vertx.createHttpServer().requestHandler(req -> {
      failingCalls.incrementAndGet();
      req.response().setStatusCode(503).end();
    }).listen(0, "127.0.0.1"));
    log.start();
    ((Logger) LoggerFactory.getLogger(MigrationNode.class)).addAppender(log);
  }

  @AfterEach
  void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger(MigrationNode.class)).detachAppender(log);
    env.close();
  }

  @Test
  void aTenantWhoseBreakerOpenedDoesNotStopTheOtherTenant() throws Exception {
    env.configureIncremental(TABLES);
    List<Map<String, Object>> failingRows = new ArrayList<>();
    for (String t : TABLES) {
      failingRows.add(Map.of("SourceTable", t, "DestinationTable", t + "Fabrikam", "WatermarkColumn", "None",
          "LoadType", "Incremental", "IsActive", true, "TenantId", "fabrikam", "Version", 1L));
    }
    await(env.appender.append(MigrationStateStore.CONFIG_TABLE, failingRows));

    MigrationNode node = await(MigrationNode.start(settings(),
        new MigrationNode.Environment(env.time, Optional.of(Simulators.trusting(env.sim)), "node-1")));
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
      while (!(caughtUp(node.coordinator().lastOutcomes()) && breakerOpened())
          && System.nanoTime() < deadline) {
        await(env.vertx.timer(500));
      }

      assertThat(breakerOpened()).as("fabrikam's breaker opened after %s failed calls", failingCalls.get()).isTrue();
      assertThat(breakerOpenedFor("")).as("the default tenant's breaker stayed closed").isFalse();
      Map<String, TableOutcome> outcomes = node.coordinator().lastOutcomes();
      assertThat(caughtUp(outcomes)).as("the default tenant's tables, outcomes %s", outcomes).isTrue();
      for (String table : TABLES) {
        env.assertExact(table, table + "Raw", outcomes.get(TableLeases.key("", table)).watermark().orElseThrow());
        Optional<MigrationConfigRow> fabrikam = await(env.state.latest()).rows().stream()
            .filter(r -> r.tenantId().equals("fabrikam") && r.sourceTable().equals(table)).findFirst();
        assertThat(fabrikam).hasValueSatisfying(r -> assertThat(r.lastRefreshed()).as("nothing committed for "
            + "fabrikam").isEmpty());
      }
    } finally {
      await(node.stop());
    }
  }

  private boolean breakerOpened() {
    return breakerOpenedFor("fabrikam");
  }

  private boolean breakerOpenedFor(String tenant) {
    synchronized (log.list) {
      return log.list.stream().anyMatch(e -> e.getFormattedMessage()
          .equals("tenant '" + tenant + "': circuit breaker open after repeated failures"));
    }
  }

  private MigrationSettings settings() {
    JsonObject credential = new JsonObject().put("kind", "client-secret")
        .put("clientId", DefenderSimConfig.DEFAULT_CLIENT_ID).put("clientSecretEnv", "SIM_SECRET");
    JsonObject tree = new JsonObject()
        .put("tenants", new JsonArray()
            .add(new JsonObject().put("key", "").put("tenantId", DefenderSimConfig.DEFAULT_TENANT)
                .put("authorityHost", env.sim.tlsBaseUrl()).put("credential", credential.copy())
                .put("api", new JsonObject().put("flavour", "graph").put("baseUrl", env.sim.baseUrl())))
            .add(new JsonObject().put("key", "fabrikam").put("tenantId", DefenderSimConfig.DEFAULT_TENANT)
                .put("authorityHost", env.sim.tlsBaseUrl()).put("credential", credential.copy())
                .put("api", new JsonObject().put("flavour", "graph")
                    .put("baseUrl", "http://127.0.0.1:" + failingApi.actualPort()))))
        .put("adx", new JsonObject().put("clusterUrl", env.adx.url()).put("database", StandIns.DATABASE)
            .put("credential", new JsonObject().put("kind", "none")))
        .put("migration", new JsonObject().put("windowGrid", "1d").put("cycleInterval", "2m").put("settleLag", "5m"))
        .put("http", new JsonObject().put("port", 0));
    return ConfigLoader.parse(tree, Map.of("SIM_SECRET", DefenderSimConfig.DEFAULT_CLIENT_SECRET));
  }

  private static boolean caughtUp(Map<String, TableOutcome> outcomes) {
    return TABLES.stream().allMatch(t -> {
      TableOutcome o = outcomes.get(TableLeases.key("", t));
      return o != null && o.caughtUp() && o.failure().isEmpty() && o.watermark().isPresent();
    });
  }
}
