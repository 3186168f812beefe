package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.testing.Prometheus;
import org.defenderadx.migration.worker.testing.Simulators;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A node built from configuration alone (as the service starts) exports its tables exactly. */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class MigrationNodeTest {

  private static final List<String> TABLES = List.of("DeviceLogonEvents", "DeviceInfo");

  private StandIns env;

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
  }

  @AfterEach
  void stop() throws Exception {
    env.close();
  }

  private MigrationSettings settings(String ingestionMode) {
    return settings(ingestionMode, 2);
  }

  private MigrationSettings settings(String ingestionMode, int fetchInstances) {
    JsonObject tree = new JsonObject()
        .put("tenants", new JsonArray().add(new JsonObject().put("key", "")
            .put("tenantId", DefenderSimConfig.DEFAULT_TENANT).put("authorityHost", env.sim.tlsBaseUrl())
            .put("credential", new JsonObject().put("kind", "client-secret")
                .put("clientId", DefenderSimConfig.DEFAULT_CLIENT_ID).put("clientSecretEnv", "SIM_SECRET"))
            .put("api", new JsonObject().put("flavour", "graph").put("baseUrl", env.sim.baseUrl()))))
        .put("adx", new JsonObject().put("clusterUrl", env.adx.url()).put("database", StandIns.DATABASE)
            .put("ingestionMode", ingestionMode).put("credential", new JsonObject().put("kind", "none")))
        .put("migration", new JsonObject().put("windowGrid", "1d").put("cycleInterval", "2m").put("settleLag", "5m")
            .put("fetchInstances", fetchInstances))
        .put("http", new JsonObject().put("port", 0));
    return ConfigLoader.parse(tree, Map.of("SIM_SECRET", DefenderSimConfig.DEFAULT_CLIENT_SECRET));
  }

  @Test
  void aNodeStartedFromConfigurationExportsEveryConfiguredTableExactly() throws Exception {
    env.configureIncremental(TABLES);
    MigrationNode node = await(MigrationNode.start(settings("queued"),
        new MigrationNode.Environment(env.time, Optional.of(Simulators.trusting(env.sim)), "node-1")));
    try {
      assertEveryTableCaughtUpExactly(node);
    } finally {
      await(node.stop());
    }
  }

  /**
   * The design card's path for every window: the coordinator offers a table, a fetch verticle instance takes it and
   * pages it, hands each finished window over the event bus to the ingestion verticle, which sends, confirms and
   * commits (several windows per commit when they are confirmed together: SingleNodeMigrationTest). One fetch
   * instance or four, the export is exact.
   */
  @ParameterizedTest(name = "fetchInstances: {0}")
  @ValueSource(ints = {1, 4})
  void windowsGoFromFetchVerticlesOverTheEventBusToIngestionAndEveryTableEndsExact(int instances) throws Exception {
    env.configureIncremental(TABLES);
    long seedRows = configurationRows();
    MigrationNode node = await(MigrationNode.start(settings("queued", instances),
        new MigrationNode.Environment(env.time, Optional.of(Simulators.trusting(env.sim)), "node-1")));
    try {
      assertEveryTableCaughtUpExactly(node);
      long windows = count("MigrationAuditLog | where Status == 'Succeeded' | count");
      long commits = configurationRows() - seedRows;
      assertThat(windows).as("windows committed").isGreaterThan(TABLES.size());
      assertThat(commits).as("watermark rows (a commit carries one window or more)").isPositive()
          .isLessThanOrEqualTo(windows);
      // The node's own event-bus meters count from its start (an interceptor added after start would miss the
      // first cycle's table work, which the coordinator sends while the node is still starting).
      Prometheus metrics = new Prometheus(await(WebClient.create(env.vertx)
          .get(node.ops().httpPort(), "127.0.0.1", "/metrics").send()).bodyAsString());
      for (String address : List.of(Addresses.TABLE_WORK, Addresses.TABLE_OUTCOMES, Addresses.INGEST_DELIVER,
          Addresses.INGEST_COMMIT)) {
        double sentOrPublished = Stream.of("vertx_eventbus_sent_total", "vertx_eventbus_published_total")
            .flatMap(name -> metrics.find(name, "address", address).stream())
            .mapToDouble(Prometheus.Sample::value).sum();
        assertThat(sentOrPublished).as("messages sent or published to %s", address).isPositive();
      }
    } finally {
      await(node.stop());
    }
  }

  private long configurationRows() throws Exception {
    return count("MigrationConfiguration | count");
  }

  private long count(String query) throws Exception {
    return ((Number) await(env.adxClient.query(query)).get(0).get("Count")).longValue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"streaming", "managed-streaming"})
  void aNodeInAStreamingModeExportsEveryTableExactlyWithoutQueuedIngestion(String mode) throws Exception {
    env.configureIncremental(TABLES);
    MigrationNode node = await(MigrationNode.start(settings(mode),
        new MigrationNode.Environment(env.time, Optional.of(Simulators.trusting(env.sim)), "node-1")));
    try {
      assertEveryTableCaughtUpExactly(node);
      assertThat(env.adx.dataManagement().blobsReceived()).as("blobs queued (the rows were streamed)").isZero();
    } finally {
      await(node.stop());
    }
  }

  /** Waits (at most 4 minutes) until every table is caught up, then checks each against the source. */
  private void assertEveryTableCaughtUpExactly(MigrationNode node) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (!caughtUp(node.coordinator().lastOutcomes()) && System.nanoTime() < deadline) {
      await(env.vertx.timer(500));
    }
    Map<String, TableOutcome> outcomes = node.coordinator().lastOutcomes();
    assertThat(caughtUp(outcomes)).as("outcomes %s", outcomes).isTrue();
    for (String table : TABLES) {
      env.assertExact(table, table + "Raw", outcomes.get(TableLeases.key("", table)).watermark().orElseThrow());
    }
  }

  private static boolean caughtUp(Map<String, TableOutcome> outcomes) {
    return TABLES.stream().allMatch(t -> {
      TableOutcome o = outcomes.get(TableLeases.key("", t));
      return o != null && o.caughtUp() && o.failure().isEmpty() && o.watermark().isPresent();
    });
  }
}
