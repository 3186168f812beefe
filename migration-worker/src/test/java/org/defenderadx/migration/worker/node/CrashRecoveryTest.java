package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.worker.hooks.CrashPoints;
import org.defenderadx.migration.worker.hooks.TestHooks;
import org.defenderadx.migration.worker.testing.NodeProcesses.NodeProcess;
import org.defenderadx.migration.worker.testing.NodeProcesses;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.kql.IngestionTimeRange;
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
  private NodeProcesses nodes;

  @BeforeEach
  void start() throws Exception {
    // Snapshot tables refresh weekly here: no refresh restarts a snapshot while a test runs.
    env = StandIns.start(Vertx.vertx(), b -> b.snapshotRefreshInterval(Duration.ofDays(7)));
    nodes = new NodeProcesses(env, dir);
  }

  @AfterEach
  void stop() throws Exception {
    nodes.close();
    env.close();
  }

  @Test
  void killedAtEveryCrashPointTheExportEndsExact() throws Exception {
    env.configureIncremental(List.of(TABLE));
    Path config = writeConfig();

    for (String point : List.of(CrashPoints.AFTER_FETCH, CrashPoints.AFTER_SEND, CrashPoints.AFTER_CONFIRM,
        CrashPoints.AFTER_COMMIT)) {
      NodeProcess child = launch(config, point + ":2");
      CompletableFuture<Boolean> reached = child.reached(CrashPoints.MARKER + point);
      assertThat(reached.get(3, TimeUnit.MINUTES)).as("the node reached %s", point).isTrue();
      child.kill(); // SIGKILL: no shutdown hook, nothing flushed
    }

    NodeProcess last = launch(config, "");
    Instant watermark = awaitCaughtUp();
    last.kill();

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
    NodeProcess first = launch(config, CrashPoints.AFTER_SEND + ":1");
    assertThat(first.reached(CrashPoints.MARKER + CrashPoints.AFTER_SEND).get(3, TimeUnit.MINUTES)).isTrue();
    first.kill();
    assertThat(pendingSends()).as("sends left pending by the crash").isPositive();
    long sentBeforeTheCrash = env.adx.dataManagement().blobsReceived();
    env.adx.faults().delayDataManagement(Duration.ZERO); // later sends land at once; the pending ones keep waiting

    // WHEN the node is started again
    NodeProcess second = launch(config, "");
    CompletableFuture<Boolean> recovered = second.reached("an earlier process sent it");
    Instant watermark = awaitCaughtUp();
    second.kill();

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

  /**
   * Sends the stand-in holds without having ingested them, once it has read them: its data management reads the
   * ingestion queue (Azurite) on its own schedule, so a send made just before the crash shows a moment later.
   */
  private int pendingSends() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (env.adx.dataManagement().pendingBlobs() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    return env.adx.dataManagement().pendingBlobs();
  }

  @Test
  void aSnapshotBucketSentBeforeACrashIsConfirmedAfterTheRestartWithoutBeingFetchedAgain() throws Exception {
    // GIVEN a snapshot table planned in several buckets, and a node killed right after sending its first bucket
    // while ingestion is slow (12 simulated minutes, within the restarted node's recovery wait)
    String table = "DeviceTvmSoftwareInventory";
    env.configureIncremental(List.of(table)); // a DeviceTvm* table is exported as snapshots whatever its LoadType
    env.adx.faults().delayDataManagement(Duration.ofMinutes(12));
    Path config = writeConfig("queued", 20);
    NodeProcess first = launch(config, CrashPoints.AFTER_SEND + ":1");
    assertThat(first.reached(CrashPoints.MARKER + CrashPoints.AFTER_SEND).get(3, TimeUnit.MINUTES)).isTrue();
    first.kill();
    List<String> before = bucketQueries(table);
    assertThat(before).as("buckets fetched before the crash").isNotEmpty();
    String sentBucket = before.get(before.size() - 1);
    assertThat(pendingSends()).as("the bucket's send left pending").isPositive();
    env.adx.faults().delayDataManagement(Duration.ZERO);

    // WHEN the node is started again and commits the snapshot
    NodeProcess second = launch(config, "");
    CompletableFuture<Boolean> recovered = second.reached("an earlier process sent it");
    MigrationConfigRow committed = awaitSnapshot(table);
    second.kill();

    // THEN the bucket sent before the crash was confirmed, not fetched again; every other bucket was fetched once
    // (calls counted at the simulator), and the snapshot holds every source row exactly once
    assertThat(recovered.getNow(false)).as("the restarted node found the earlier send").isTrue();
    List<String> all = bucketQueries(table);
    assertThat(all.size()).as("buckets fetched by the restarted node").isGreaterThan(before.size());
    assertThat(all.subList(before.size(), all.size())).as("buckets the restarted node fetched")
        .doesNotContain(sentBucket);
    assertThat(all).as("bucket fetches over both lives").doesNotHaveDuplicates();
    List<Map<String, Object>> rows = await(env.adxClient.query(table + "Snapshots | count"));
    List<String> truth = env.sim.groundTruth(table, new IngestionTimeRange(null, null),
        committed.lastCommittedSnapshot().orElseThrow());
    assertThat(((Number) rows.get(0).get("Count")).longValue()).as("rows in the committed snapshot")
        .isEqualTo(truth.size());
    assertThat(env.adx.dataManagement().blobsReceived()).as("sends at the stand-in: one per bucket fetched")
        .isEqualTo(all.size());
  }

  /**
   * The bucket queries the simulator received for {@code table}'s snapshots, in order (not the read of the whole
   * table that tries one call first: here the table holds more than the node's row cap, so it plans buckets).
   */
  private List<String> bucketQueries(String table) {
    return env.sim.stats().queries().stream().filter(q -> q.startsWith("let __s = " + table + "\n| where abs(hash"))
        .toList();
  }

  /** Waits until {@code table} has a committed snapshot of ours, and returns its configuration row. */
  private MigrationConfigRow awaitSnapshot(String table) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (System.nanoTime() < deadline) {
      Optional<MigrationConfigRow> row = await(env.state.latest()).rows().stream()
          .filter(r -> r.sourceTable().equals(table) && r.lastCommittedSnapshot().isPresent()).findFirst();
      if (row.isPresent()) {
        return row.get();
      }
      await(env.vertx.timer(500));
    }
    throw new AssertionError(table + ": no snapshot committed in 4 minutes");
  }

  @Test
  void streamingModeKilledBetweenSendAndCommitDoesNotStreamTheWindowsAgain() throws Exception {
    // GIVEN a node streaming its windows (no tags), killed after its second window was streamed, before its commit
    env.configureIncremental(List.of(TABLE));
    Path config = writeConfig("streaming");
    NodeProcess first = launch(config, CrashPoints.AFTER_SEND + ":2");
    assertThat(first.reached(CrashPoints.MARKER + CrashPoints.AFTER_SEND).get(3, TimeUnit.MINUTES)).isTrue();
    first.kill();

    // WHEN it is started again
    NodeProcess second = launch(config, "");
    CompletableFuture<Boolean> foundByProvenance = second.reached("found by provenance");
    Instant watermark = awaitCaughtUp();
    second.kill();

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
    NodeProcess first = launch(config, "");
    CompletableFuture<Boolean> hookRan = first.reached("defender-adx-migration: stopped");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (watermark().equals(Instant.EPOCH) && System.nanoTime() < deadline) {
      await(env.vertx.timer(100));
    }
    assertThat(watermark()).as("the first node committed something").isAfter(Instant.EPOCH);

    // WHEN it gets SIGTERM (kill, not Process.destroy, which would close our end of its output)
    long signalled = System.nanoTime();
    assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(first.process().pid())).start().waitFor()).isZero();

    // THEN it exits within seconds, through its shutdown hook, killed by the signal
    assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).as("the node exits by itself after SIGTERM").isTrue();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
    assertThat(tookMillis).as("milliseconds from SIGTERM to exit").isLessThan(10_000);
    assertThat(first.process().exitValue()).as("terminated by the signal, after its shutdown hook").isEqualTo(143);
    assertThat(hookRan.get(10, TimeUnit.SECONDS)).as("the shutdown hook stopped the node").isTrue();

    // AND a restart ends exact
    env.adx.faults().delayDataManagement(Duration.ZERO);
    NodeProcess second = launch(config, "");
    Instant watermark = awaitCaughtUp();
    second.kill();
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
    return writeConfig(ingestionMode, 100);
  }

  private Path writeConfig(String ingestionMode, int rowCap) throws Exception {
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
        // A small row cap, so the backlog takes a couple of dozen windows (the exporter merges cells up to the cap)
        // and every crash point is reached more than once.
        "  rowCap: " + rowCap,
        "  cycleInterval: 2m",
        "  settleLag: 5m",
        "http:",
        "  port: 0",
        "");
    Path file = dir.resolve("application.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  /** A node on {@code config}, SIGKILLed at {@code crashAt} ({@code point:n}, the n-th time it is reached) if given. */
  private NodeProcess launch(Path config, String crashAt) throws Exception {
    return crashAt.isEmpty() ? nodes.launch("node", config)
        : nodes.launch("node", config, TestHooks.CRASH_AT + "=" + crashAt);
  }
}
