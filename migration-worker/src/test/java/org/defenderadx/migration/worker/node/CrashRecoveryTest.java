package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.worker.export.CrashPoints;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node runs in a separate JVM, which is killed with SIGKILL at each crash point of docs/correctness.md in turn and
 * started again; at the end ADX holds every row of the table exactly once.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CrashRecoveryTest {

  private static final String TABLE = "DeviceLogonEvents";

  private StandIns env;
  @TempDir
  Path dir;
  private final List<Process> children = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
  }

  @AfterEach
  void stop() throws Exception {
    children.forEach(Process::destroyForcibly);
    env.close();
  }

  @Test
  void killedAtEveryCrashPointTheExportEndsExact() throws Exception {
    env.configureIncremental(List.of(TABLE));
    Path config = writeConfig();
    Path trustStore = trustStore();

    for (String point : List.of(CrashPoints.AFTER_FETCH, CrashPoints.AFTER_SEND, CrashPoints.AFTER_CONFIRM,
        CrashPoints.AFTER_COMMIT)) {
      Process child = launch(config, trustStore, point + ":2");
      CompletableFuture<Boolean> reached = watch(child, CrashPoints.MARKER + point);
      assertThat(reached.get(3, TimeUnit.MINUTES)).as("the node reached %s", point).isTrue();
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no shutdown hook, nothing flushed
    }

    Process last = launch(config, trustStore, "");
    watch(last, "never printed");
    WindowGrid grid = new WindowGrid(Duration.ofDays(1));
    Instant watermark = Instant.EPOCH;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (System.nanoTime() < deadline) {
      Instant target = grid.cellStart(env.time.now().minus(Duration.ofMinutes(5)));
      watermark = watermark();
      if (!watermark.isBefore(target)) {
        break;
      }
      await(env.vertx.timer(500));
    }
    last.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    assertThat(watermark).as("the restarted node caught up")
        .isAfterOrEqualTo(grid.cellStart(env.time.now().minus(Duration.ofMinutes(5))).minus(Duration.ofDays(1)));

    env.assertExact(TABLE, TABLE + "Raw", watermark);
    List<Map<String, Object>> twice = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Succeeded' | summarize n = count() by WindowId | where n > 1"));
    assertThat(twice).as("windows committed more than once").isEmpty();
  }

  @Test
  void aWindowLeftPendingByACrashIsConfirmedAndCommittedWithoutBeingSentAgain() throws Exception {
    // GIVEN ingestion slow enough (12 simulated minutes, 12 s here) that a send is still pending when the node,
    // killed right after sending its first window, has been started again
    env.configureIncremental(List.of(TABLE));
    env.adx.faults().delayDataManagement(Duration.ofMinutes(12)); // less than the node's recovery wait
    Path config = writeConfig();
    Path trustStore = trustStore();
    Process first = launch(config, trustStore, CrashPoints.AFTER_SEND + ":1");
    assertThat(watch(first, CrashPoints.MARKER + CrashPoints.AFTER_SEND).get(3, TimeUnit.MINUTES)).isTrue();
    first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    long sentBeforeTheCrash = env.adx.dataManagement().blobsReceived();
    assertThat(env.adx.dataManagement().pendingBlobs()).as("sends left pending by the crash").isPositive();
    env.adx.faults().delayDataManagement(Duration.ZERO); // later sends land at once; the pending ones keep waiting

    // WHEN the node is started again
    Process second = launch(config, trustStore, "");
    CompletableFuture<Boolean> recovered = watch(second, "an earlier process sent it");
    Instant watermark = awaitCaughtUp();
    second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

    // THEN it waited for the earlier sends and committed them: every window was sent exactly once
    assertThat(recovered.getNow(false)).as("the restarted node found the earlier sends").isTrue();
    assertThat(sentBeforeTheCrash).isPositive();
    List<Map<String, Object>> windows = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Succeeded' and RecordCount > 0 | summarize by WindowId"));
    assertThat(env.adx.dataManagement().blobsReceived()).as("sends at the stand-in: one per window with rows")
        .isEqualTo(windows.size());
    assertThat(await(env.adxClient.query("MigrationAuditLog | where Status == 'Retried'"))).isEmpty();
    env.assertExact(TABLE, TABLE + "Raw", watermark);
  }

  @Test
  void streamingModeKilledBetweenSendAndCommitDoesNotStreamTheWindowsAgain() throws Exception {
    // GIVEN a node streaming its windows (no tags), killed after its second window was streamed, before its commit
    env.configureIncremental(List.of(TABLE));
    Path config = writeConfig("streaming");
    Path trustStore = trustStore();
    Process first = launch(config, trustStore, CrashPoints.AFTER_SEND + ":2");
    assertThat(watch(first, CrashPoints.MARKER + CrashPoints.AFTER_SEND).get(3, TimeUnit.MINUTES)).isTrue();
    first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

    // WHEN it is started again
    Process second = launch(config, trustStore, "");
    CompletableFuture<Boolean> foundByProvenance = watch(second, "found by provenance");
    Instant watermark = awaitCaughtUp();
    second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

    // THEN the windows streamed before the crash were found in ADX by provenance, not streamed again: exact
    assertThat(foundByProvenance.getNow(false)).as("a window was found already in ADX").isTrue();
    assertThat(env.adx.dataManagement().blobsReceived()).as("nothing went through queued ingestion").isZero();
    env.assertExact(TABLE, TABLE + "Raw", watermark);
  }

  /** Waits until the table's watermark reaches the last closed day, and returns it. */
  private Instant awaitCaughtUp() throws Exception {
    WindowGrid grid = new WindowGrid(Duration.ofDays(1));
    Instant watermark = Instant.EPOCH;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (System.nanoTime() < deadline) {
      watermark = watermark();
      if (!watermark.isBefore(grid.cellStart(env.time.now().minus(Duration.ofMinutes(5))))) {
        break;
      }
      await(env.vertx.timer(500));
    }
    assertThat(watermark).as("the restarted node caught up")
        .isAfterOrEqualTo(grid.cellStart(env.time.now().minus(Duration.ofMinutes(5))).minus(Duration.ofDays(1)));
    return watermark;
  }

  @Test
  void sigtermStopsTheNodeWithinSecondsAndTheRestartEndsExact() throws Exception {
    // GIVEN a node exporting while ingestion takes 5 simulated minutes, so windows are under way at any moment
    env.configureIncremental(List.of(TABLE));
    env.adx.faults().delayDataManagement(Duration.ofMinutes(5));
    Path config = writeConfig();
    Path trustStore = trustStore();
    Process first = launch(config, trustStore, "");
    CompletableFuture<Boolean> hookRan = watch(first, "defender-adx-migration: stopped");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (watermark().equals(Instant.EPOCH) && System.nanoTime() < deadline) {
      await(env.vertx.timer(100));
    }
    assertThat(watermark()).as("the first node committed something").isAfter(Instant.EPOCH);

    // WHEN it gets SIGTERM (kill, not Process.destroy, which would close our end of its output)
    long signalled = System.nanoTime();
    assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(first.pid())).start().waitFor()).isZero();

    // THEN it exits within seconds, through its shutdown hook, killed by the signal
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).as("the node exits by itself after SIGTERM").isTrue();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
    assertThat(tookMillis).as("milliseconds from SIGTERM to exit").isLessThan(10_000);
    assertThat(first.exitValue()).as("terminated by the signal, after its shutdown hook").isEqualTo(143);
    assertThat(hookRan.get(10, TimeUnit.SECONDS)).as("the shutdown hook stopped the node").isTrue();

    // AND a restart ends exact
    env.adx.faults().delayDataManagement(Duration.ZERO);
    Process second = launch(config, trustStore, "");
    watch(second, "never printed");
    Instant watermark = awaitCaughtUp();
    second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    env.assertExact(TABLE, TABLE + "Raw", watermark);
    List<Map<String, Object>> twice = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Succeeded' | summarize n = count() by WindowId | where n > 1"));
    assertThat(twice).as("windows committed more than once").isEmpty();
  }

  private Instant watermark() throws Exception {
    return await(env.state.latest()).rows().stream().filter(r -> r.sourceTable().equals(TABLE))
        .findFirst().flatMap(MigrationConfigRow::lastRefreshed).orElse(Instant.EPOCH);
  }

  private Path writeConfig() throws Exception {
    return writeConfig("queued");
  }

  private Path writeConfig(String ingestionMode) throws Exception {
    String yaml = String.join("\n",
        "tenants:",
        "  - key: \"\"",
        "    tenantId: " + DefenderSimConfig.DEFAULT_TENANT,
        "    authorityHost: " + env.sim.tlsBaseUrl(),
        "    credential:",
        "      kind: client-secret",
        "      clientId: " + DefenderSimConfig.DEFAULT_CLIENT_ID,
        "      clientSecretEnv: SIM_SECRET",
        "    api:",
        "      flavour: graph",
        "      baseUrl: " + env.sim.baseUrl(),
        "adx:",
        "  clusterUrl: " + env.adx.url(),
        "  database: " + StandIns.DATABASE,
        "  ingestionMode: " + ingestionMode,
        "  credential:",
        "    kind: none",
        "migration:",
        "  windowGrid: 1d",
        "  cycleInterval: 2m",
        "  settleLag: 5m",
        "http:",
        "  port: 0",
        "");
    Path file = dir.resolve("application.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  /** A JKS trust store holding only the simulator's self-signed certificate, for the child's token calls. */
  private Path trustStore() throws Exception {
    KeyStore ks = KeyStore.getInstance("JKS");
    ks.load(null, null);
    try (InputStream in = new FileInputStream(env.sim.certificatePath())) {
      ks.setCertificateEntry("simulator", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    Path file = dir.resolve("trust.jks");
    try (FileOutputStream out = new FileOutputStream(file.toFile())) {
      ks.store(out, "changeit".toCharArray());
    }
    return file;
  }

  private Process launch(Path config, Path trustStore, String crashAt) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", classPath,
        "-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=changeit",
        "-Dmigration.clock=" + env.time.now() + "@" + env.sim.config().timeScale()));
    if (!crashAt.isEmpty()) {
      cmd.add("-Dmigration.test.crashAt=" + crashAt);
    }
    cmd.add(MigrationNode.class.getName());
    cmd.add(config.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("SIM_SECRET", DefenderSimConfig.DEFAULT_CLIENT_SECRET);
    Process p = pb.start();
    children.add(p);
    return p;
  }

  /** Completes true when the child prints a line containing {@code marker}, false when its output ends. */
  private static CompletableFuture<Boolean> watch(Process child, String marker) {
    CompletableFuture<Boolean> seen = new CompletableFuture<>();
    Path log = Path.of("target", "crash-recovery-child-" + child.pid() + ".log");
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
           java.io.Writer out = Files.newBufferedWriter(log)) {
        String line;
        while ((line = r.readLine()) != null) {
          out.write(line + "\n");
          out.flush();
          if (line.contains(marker)) {
            seen.complete(true);
          }
        }
      } catch (Exception e) {
        // the process was killed
      }
      seen.complete(false);
    }, "child-output");
    reader.setDaemon(true);
    reader.start();
    return seen;
  }
}
