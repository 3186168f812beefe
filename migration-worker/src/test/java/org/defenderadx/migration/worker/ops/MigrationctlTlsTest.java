package org.defenderadx.migration.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.cli.Migrationctl;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.ClusterConfig;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.worker.node.MigrationNode;
import org.defenderadx.migration.worker.testing.ClusterAuthority;
import org.defenderadx.migration.worker.testing.LoopbackCluster;
import org.defenderadx.migration.worker.testing.Simulators;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * migrationctl against a clustered node whose event bus uses TLS with client certificates ({@code cluster.tls}):
 * with the node's configuration file, or its own certificate of the cluster's authority, its commands are answered;
 * without TLS, or with a certificate of another authority, it joins Hazelcast (which cannot keep it out) but says
 * within seconds that the nodes do not answer over the event bus, and why that may be.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class MigrationctlTlsTest {

  private static final String TOKEN = "s3cret-ops-token";
  private static final String INFO = "DeviceInfo";

  @TempDir
  static Path dir;
  private StandIns env;
  private MigrationNode node;
  private JsonObject tree;
  private ClusterAuthority authority;
  private String clusterName;
  private int clusterPort;

  @BeforeAll
  void startNode() throws Exception {
    authority = ClusterAuthority.create(dir, "migration-ca");
    env = StandIns.start(Vertx.vertx());
    env.configureIncremental(List.of(INFO));
    clusterName = LoopbackCluster.newName();
    clusterPort = freePort();
    tree = new JsonObject()
        .put("tenants", new JsonArray().add(new JsonObject().put("key", "")
            .put("tenantId", DefenderSimConfig.DEFAULT_TENANT).put("authorityHost", env.sim.tlsBaseUrl())
            .put("credential", new JsonObject().put("kind", "client-secret")
                .put("clientId", DefenderSimConfig.DEFAULT_CLIENT_ID).put("clientSecretEnv", "SIM_SECRET"))
            .put("api", new JsonObject().put("flavour", "graph").put("baseUrl", env.sim.baseUrl()))))
        .put("adx", new JsonObject().put("clusterUrl", env.adx.url()).put("database", StandIns.DATABASE)
            .put("credential", new JsonObject().put("kind", "none")))
        .put("migration", new JsonObject().put("windowGrid", "15m").put("cycleInterval", "1m")
            .put("settleLag", "5m").put("initialLookback", "6h"))
        .put("cluster", new JsonObject().put("enabled", true).put("name", clusterName).put("host", "127.0.0.1")
            .put("port", clusterPort).put("tls", tls(authority.issue("node-1"))))
        .put("ops", new JsonObject().put("tokenEnv", "NODE_OPS_TOKEN"))
        .put("http", new JsonObject().put("port", 0));
    MigrationSettings settings = ConfigLoader.parse(tree, Map.of("SIM_SECRET",
        DefenderSimConfig.DEFAULT_CLIENT_SECRET, "NODE_OPS_TOKEN", TOKEN));
    node = await(MigrationNode.start(settings,
        new MigrationNode.Environment(env.time, Optional.of(Simulators.trusting(env.sim)), "node-1")));
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      await(node.stop());
    }
    if (env != null) {
      env.close();
    }
  }

  @Test
  void withTheNodesConfigurationOrItsOwnCertificateTheCliIsAnswered() throws Exception {
    // GIVEN the node's own configuration file (JSON is YAML), TLS section and all
    Path nodeConfig = write("node.yaml", tree);
    // WHEN
    Ctl tables = ctl("tables", "--config", nodeConfig.toString());
    // THEN
    assertThat(tables.code()).as(tables.toString()).isEqualTo(Migrationctl.OK);
    assertThat(tables.out()).contains("TABLE", INFO);

    // GIVEN an operator's certificate of the same authority, on the command line
    ClusterConfig.EventBusTls operator = authority.issue("operator");
    // WHEN
    Ctl status = ctl("status", "--cluster", "127.0.0.1:" + clusterPort, "--cluster-name", clusterName,
        "--tls-key", operator.keyFile(), "--tls-cert", operator.certFile(), "--tls-ca", operator.caFile());
    // THEN
    assertThat(status.code()).as(status.toString()).isEqualTo(Migrationctl.OK);
    assertThat(status.out()).contains(INFO);
  }

  @Test
  void withoutTlsOrWithAStrangersCertificateTheCliSaysSoWithinSeconds() throws Exception {
    // GIVEN no TLS at all
    long start = System.nanoTime();
    // WHEN
    Ctl plain = ctl("tables", "--cluster", "127.0.0.1:" + clusterPort, "--cluster-name", clusterName);
    // THEN
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(plain.code()).as(plain.toString()).isEqualTo(Migrationctl.UNREACHABLE);
    assertThat(plain.err()).contains("no node answered over the event bus", "event-bus TLS off", "cluster.tls");
    assertThat(took).as("told within the connect timeout and the ping's wait").isLessThan(Duration.ofSeconds(30));

    // GIVEN a certificate of another authority (trusting the cluster's), in a configuration file
    ClusterConfig.EventBusTls stranger = ClusterAuthority.create(dir, "other-ca").issue("stranger");
    JsonObject strangers = tree.copy();
    strangers.getJsonObject("cluster").put("tls", tls(new ClusterConfig.EventBusTls(true, stranger.keyFile(),
        stranger.certFile(), authority.caFile().toString())));
    start = System.nanoTime();
    // WHEN
    Ctl refused = ctl("tables", "--config", write("stranger.yaml", strangers).toString());
    // THEN
    took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(refused.code()).as(refused.toString()).isEqualTo(Migrationctl.UNREACHABLE);
    assertThat(refused.err()).contains("no node answered over the event bus", stranger.certFile());
    assertThat(took).isLessThan(Duration.ofSeconds(30));
  }

  // --------------------------------------------------------------------------------------------------- helpers

  record Ctl(int code, String out, String err) {
  }

  private static Ctl ctl(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Migrationctl.commandLine(Map.of("MIGRATION_OPS_TOKEN", TOKEN));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Ctl(code, out.toString(), err.toString());
  }

  private static JsonObject tls(ClusterConfig.EventBusTls tls) {
    return new JsonObject().put("enabled", true).put("keyFile", tls.keyFile()).put("certFile", tls.certFile())
        .put("caFile", tls.caFile());
  }

  private Path write(String name, JsonObject config) throws IOException {
    return Files.writeString(dir.resolve(name), config.encodePrettily());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
