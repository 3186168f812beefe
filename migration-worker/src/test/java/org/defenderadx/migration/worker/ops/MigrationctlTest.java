package org.defenderadx.migration.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import com.hazelcast.core.Hazelcast;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.cli.Migrationctl;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.common.window.WindowProgress;
import org.defenderadx.migration.worker.export.HourlyCounts;
import org.defenderadx.migration.worker.ingest.Shipment;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.node.MigrationNode;
import org.defenderadx.migration.worker.testing.LoopbackCluster;
import org.defenderadx.migration.worker.testing.Simulators;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * migrationctl against a real clustered node (MigrationNode, Hazelcast on loopback, on the simulator and the ADX
 * stand-in), run in-process as a lite member of the node's cluster: authentication, pause and resume, a watermark
 * reset backwards that ends exact, verify finding what repair fixes, drain, and a clear error when no cluster is
 * there. The node runs for the whole class (tests in order); the simulator's clock runs 60 times faster, on a
 * 15-minute window grid, so a cell closes every 15 real seconds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class MigrationctlTest {

  private static final String TOKEN = "s3cret-ops-token";
  private static final String INFO = "DeviceInfo";
  private static final String LOGONS = "DeviceLogonEvents";
  private static final Duration CELL = Duration.ofMinutes(15);

  private StandIns env;
  private MigrationNode node;
  private String clusterName;
  private int clusterPort;

  @BeforeAll
  void startNode() throws Exception {
    env = StandIns.start(Vertx.vertx());
    env.configureIncremental(List.of(INFO, LOGONS));
    clusterName = LoopbackCluster.newName();
    clusterPort = freePort();
    JsonObject tree = new JsonObject()
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
            .put("port", clusterPort))
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
    env.close();
  }

  // ------------------------------------------------------------------------------------------------ the tests

  @Test
  @Order(1)
  void aCommandWithoutTheRightTokenIsRefusedAndWithItAnswered() {
    Ctl missing = ctl(Map.of(), "tables");
    assertThat(missing.code()).as(missing.toString()).isEqualTo(Migrationctl.REFUSED);
    assertThat(missing.err()).contains("refused");

    Ctl wrong = ctl(Map.of("MIGRATION_OPS_TOKEN", TOKEN + "x"), "pause", "--table", INFO);
    assertThat(wrong.code()).as(wrong.toString()).isEqualTo(Migrationctl.REFUSED);

    Ctl right = ctl("tables");
    assertThat(right.code()).as(right.toString()).isEqualTo(Migrationctl.OK);
    assertThat(right.out()).contains("TABLE", INFO, LOGONS, INFO + "Raw");

    // Each command's lite member leaves the cluster when it is done.
    assertThat(Hazelcast.getAllHazelcastInstances()).noneMatch(h -> h.getName().startsWith("migrationctl-"));
  }

  @Test
  @Order(2)
  void aTokenFromAFileIsAcceptedToo() throws IOException {
    Path file = Files.createTempFile("ops-token", ".txt");
    Files.writeString(file, TOKEN + "\n");
    Ctl r = ctl(Map.of(), "tables", "--token-file", file.toString(), "--output", "json");
    assertThat(r.code()).as(r.toString()).isEqualTo(Migrationctl.OK);
    JsonObject reply = new JsonObject(r.out());
    assertThat(reply.getString("status")).isEqualTo("OK");
    assertThat(reply.getJsonObject("data").getJsonArray("tables")).hasSize(2);
  }

  @Test
  @Order(3)
  void pauseStopsATableBeingExportedAndResumeRestartsIt() throws Exception {
    awaitCaughtUp();

    Ctl paused = ctl("pause", "--table", INFO, "--note", "maintenance");
    assertThat(paused.code()).as(paused.toString()).isEqualTo(Migrationctl.OK);
    Instant held = watermark(INFO);
    Instant logonsAtPause = watermark(LOGONS);
    Map<String, Object> inForce = stateRow(INFO);
    assertThat(inForce.get("IsActive")).isEqualTo(false);
    assertThat(String.valueOf(inForce.get("UpdatedBy"))).startsWith("migrationctl ");
    assertThat(String.valueOf(inForce.get("Notes"))).contains("pause", "maintenance");

    // Two more cells close and the other table takes them; the paused one stays where it was.
    waitUntil(() -> watermark(LOGONS).isAfter(logonsAtPause.plus(CELL)), Duration.ofMinutes(2));
    assertThat(watermark(INFO)).isEqualTo(held);
    assertThat(activeOf(INFO)).isFalse();

    Ctl resumed = ctl("resume", "--table", INFO);
    assertThat(resumed.code()).as(resumed.toString()).isEqualTo(Migrationctl.OK);
    waitUntil(() -> watermark(INFO).isAfter(held), Duration.ofMinutes(2));
    assertThat(activeOf(INFO)).isTrue();
    env.assertExact(INFO, INFO + "Raw", watermark(INFO), firstExported(INFO));
  }

  @Test
  @Order(4)
  void resetWatermarkBackwardsReExportsTheRangeAndEndsExact() throws Exception {
    awaitCaughtUp();
    Instant before = watermark(INFO);

    Ctl forward = ctl("reset-watermark", "--table", INFO, "--to", before.plus(Duration.ofHours(2)).toString());
    assertThat(forward.code()).as("forward without --force: %s", forward).isEqualTo(Migrationctl.USAGE);
    assertThat(forward.err()).contains("--force");

    // Not on the grid: rounded down to the cell, and on to the start of the planned unit holding it, whose windows
    // (and tags) are those of the first export.
    Instant requested = before.minus(Duration.ofHours(2)).plus(Duration.ofMinutes(7));
    Instant cell = before.minus(Duration.ofHours(2));
    Instant reset = unitHolding(INFO, cell).map(Window::lo).orElse(cell);
    Ctl back = ctl("reset-watermark", "--table", INFO, "--to", requested.toString());
    assertThat(back.code()).as(back.toString()).isEqualTo(Migrationctl.OK);
    assertThat(back.out()).contains(KustoTime.format(reset), "rounded down");
    assertThat(watermark(INFO)).isEqualTo(reset);

    waitUntil(() -> watermark(INFO).isAfter(before), Duration.ofMinutes(2));
    // Every window from the reset point on was committed twice; ADX holds each row once.
    List<Map<String, Object>> twice = await(env.adxClient.query("MigrationAuditLog | where Status == 'Succeeded' "
        + "and SourceTable == 'DeviceInfo' | summarize n = count() by WindowId | where n > 1"));
    assertThat(twice).as("windows exported again after the reset").isNotEmpty();
    assertThat(await(env.adxClient.query("MigrationAuditLog | where Status == 'Planned' and SourceTable == "
        + "'DeviceInfo' | summarize n = count() by WindowStart | where n > 1"))).as("no unit planned twice").isEmpty();
    env.assertExact(INFO, INFO + "Raw", watermark(INFO), firstExported(INFO));
  }

  @Test
  @Order(5)
  void verifyReportsTheHourWhoseExtentsWereDroppedAndRepairMakesItExact() throws Exception {
    awaitCaughtUp();
    // A committed window well behind the watermark, its extents dropped behind the migrator's back.
    Window lost = committedBefore(INFO, HourlyCounts.hourOf(watermark(INFO)).minus(Duration.ofHours(2)));
    String tag = WindowId.of("", INFO, lost).shortHash();
    int dropped = await(env.adxClient.mgmt(".drop extents <| .show table DeviceInfoRaw extents where tags has "
        + "'ingest-by:" + tag + "'")).size();
    assertThat(dropped).as("extents dropped behind the migrator's back").isPositive();
    Instant hour = HourlyCounts.hourOf(lost.lo());
    Instant end = HourlyCounts.hourCeiling(lost.hi());
    // From the window's first hour: the hour before may hold rows from before the table's first export.
    String from = hour.toString();
    String to = end.plus(Duration.ofHours(1)).toString();

    Ctl broken = ctl("verify", "--table", INFO, "--from", from, "--to", to);
    assertThat(broken.code()).as(broken.toString()).isEqualTo(Migrationctl.FAILED);
    assertThat(broken.out()).contains("hour(s) differ", "missing");

    // The repair's sends are seen on their way to the node's ingestion verticle, as every window's are. (The body as
    // sent: a clustered event bus gives message().body() only once a message is received.)
    List<Shipment> staged = new CopyOnWriteArrayList<>();
    Handler<DeliveryContext<Object>> toIngestion = dc -> {
      if (Addresses.INGEST_DELIVER.equals(dc.message().address()) && dc.body() instanceof Shipment s && s.staged()) {
        staged.add(s);
      }
      dc.next();
    };
    node.vertx().eventBus().addOutboundInterceptor(toIngestion);
    Ctl repaired;
    try {
      repaired = ctl("repair", "--table", INFO, "--from", hour.toString(), "--to", end.toString());
    } finally {
      node.vertx().eventBus().removeOutboundInterceptor(toIngestion);
    }
    assertThat(repaired.code()).as(repaired.toString()).isEqualTo(Migrationctl.OK);
    assertThat(repaired.out()).contains("exact");
    assertThat(staged).isNotEmpty().allSatisfy(s -> assertThat(s.destination()).startsWith(INFO + "Raw_Repair_"))
        .anySatisfy(s -> assertThat(s.tag()).isEqualTo(tag));

    Ctl clean = ctl("verify", "--table", INFO, "--from", from, "--to", to, "--output", "json");
    assertThat(clean.code()).as(clean.toString()).isEqualTo(Migrationctl.OK);
    assertThat(new JsonObject(clean.out()).getJsonObject("data").getJsonArray("reports").getJsonObject(0)
        .getBoolean("exact")).isTrue();
    env.assertExact(INFO, INFO + "Raw", HourlyCounts.hourOf(watermark(INFO)), firstExported(INFO));
  }

  @Test
  @Order(6)
  void backfillBringsInRowsFromBeforeTheFirstExportAndDoesNotDoubleWhatWasExported() throws Exception {
    awaitCaughtUp();
    Instant first = firstExported(LOGONS);
    Instant from = HourlyCounts.hourOf(first).minus(Duration.ofHours(2));
    Instant to = HourlyCounts.hourOf(first).plus(Duration.ofHours(2));
    long before = rowsIn(LOGONS + "Raw");

    Ctl r = ctl("backfill", "--table", LOGONS, "--from", from.toString(), "--to", to.toString());
    assertThat(r.code()).as(r.toString()).isEqualTo(Migrationctl.OK);
    assertThat(r.out()).contains("backfilled", "exact");

    assertThat(rowsIn(LOGONS + "Raw")).as("rows from before the first export came in").isGreaterThan(before);
    env.assertExact(LOGONS, LOGONS + "Raw", watermark(LOGONS), from);
    assertThat(firstExported(LOGONS)).as("the watermark's history is untouched").isEqualTo(first);
  }

  @Test
  @Order(7)
  void tablesPlanAuditAndRunNowAnswerFromTheNode() throws Exception {
    Ctl plan = ctl("plan", "--output", "json");
    assertThat(plan.code()).as(plan.toString()).isEqualTo(Migrationctl.OK);
    JsonArray planned = new JsonObject(plan.out()).getJsonObject("data").getJsonArray("tables");
    assertThat(planned).hasSize(2);
    assertThat(planned.getJsonObject(0).getLong("windows")).isNotNull();

    Ctl audit = ctl("audit", "--since", "2h", "--table", INFO, "--limit", "5");
    assertThat(audit.code()).as(audit.toString()).isEqualTo(Migrationctl.OK);
    assertThat(audit.out()).contains("STATUS", INFO).containsAnyOf("Succeeded", "Repaired", "Ops");

    Ctl run = ctl("run-now", LOGONS);
    assertThat(run.code()).as(run.toString()).isEqualTo(Migrationctl.OK);

    Ctl unknown = ctl("pause", "--table", "NoSuchTable");
    assertThat(unknown.code()).as(unknown.toString()).isEqualTo(Migrationctl.USAGE);
    assertThat(unknown.err()).contains("NoSuchTable");
  }

  @Test
  @Order(8)
  void statusRendersTheStatusDocumentAsTablesWithProgressBarsOrAsJson() throws Exception {
    // A responder of our own in a cluster of its own: the node's status responder is another part's.
    String name = LoopbackCluster.newName();
    int port = freePort();
    Vertx responder = LoopbackCluster.join(name, port);
    try {
      JsonObject doc = new JsonObject().put("node", "node-9").put("generatedAt", "2026-11-26T12:00:00Z")
          .put("clock", "2026-11-26T12:00:00Z")
          .put("tenants", new JsonArray().add(new JsonObject().put("key", "").put("callsLastMinute", 12)
              .put("callsPerMinute", 45).put("callsLastHour", 300).put("callsPerHour", 1500).put("breaker", "CLOSED")
              .put("paused", false).putNull("pausedUntil")))
          .put("tables", new JsonArray()
              .add(new JsonObject().put("tenantKey", "").put("sourceTable", "DeviceInfo").put("kind", "incremental")
                  .put("state", "running").put("watermark", "2026-11-26T11:00:00Z").put("lagSeconds", 3900)
                  .put("rowsLastCycle", 1234).put("rowsTotal", 99000).putNull("lastError").put("node", "node-9")
                  .put("backfill", new JsonObject().put("from", "2026-10-27T00:00:00Z")
                      .put("to", "2026-11-19T00:00:00Z").put("done", 0.5).put("etaSeconds", 185)))
              .add(new JsonObject().put("tenantKey", "").put("sourceTable", "DeviceLogonEvents")
                  .put("kind", "incremental").put("state", "failed").putNull("watermark").putNull("lagSeconds")
                  .put("rowsLastCycle", 0).put("rowsTotal", 0).put("lastError", "fetch failed: 403 Forbidden")
                  .putNull("node").putNull("backfill")));
      MessageConsumer<JsonObject> c = responder.eventBus().consumer(Addresses.OPS_STATUS, m -> m.reply(doc));
      await(c.completion());

      Ctl table = ctlAt(name, port, Map.of("MIGRATION_OPS_TOKEN", TOKEN), "status");
      assertThat(table.code()).as(table.toString()).isEqualTo(Migrationctl.OK);
      assertThat(table.out()).contains("node-9", "12/45 (27%)", "CLOSED", "running", "1h05m", "1234",
          "fetch failed: 403 Forbidden", "[############------------]  50%", "ETA 3m05s");
      List<String> lines = table.out().lines().filter(l -> l.startsWith("(default)  Device")).toList();
      assertThat(lines).hasSize(2);
      assertThat(lines.get(0).indexOf("incremental")).as("aligned columns").isEqualTo(lines.get(1).indexOf(
          "incremental"));

      Ctl json = ctlAt(name, port, Map.of("MIGRATION_OPS_TOKEN", TOKEN), "status", "--output", "json");
      assertThat(new JsonObject(json.out())).isEqualTo(doc);

      Ctl watch = ctlAt(name, port, Map.of("MIGRATION_OPS_TOKEN", TOKEN), "status", "--watch", "--interval", "1s",
          "--count", "2", "--output", "json");
      assertThat(watch.code()).isEqualTo(Migrationctl.OK);
      assertThat(watch.out().lines().toList()).hasSize(2).allSatisfy(l -> assertThat(new JsonObject(l)).isEqualTo(doc));
    } finally {
      await(responder.close());
    }
  }

  @Test
  @Order(9)
  void anUnreachableClusterIsAClearErrorWithinSeconds() throws Exception {
    long started = System.nanoTime();
    Ctl r = ctlAt(LoopbackCluster.newName(), freePort(), Map.of("MIGRATION_OPS_TOKEN", TOKEN), "tables",
        "--connect-timeout", "5");
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
    assertThat(r.code()).as(r.toString()).isEqualTo(Migrationctl.UNREACHABLE);
    assertThat(r.err()).contains("cannot reach cluster");
    assertThat(seconds).as("seconds until the error").isLessThanOrEqualTo(10);

    // A configuration with clustering off: the CLI says it needs a clustered node.
    Path conf = Files.createTempFile("application", ".yaml");
    Files.writeString(conf, "cluster:\n  enabled: false\n");
    Ctl off = ctl(Map.of("MIGRATION_OPS_TOKEN", TOKEN), List.of("tables", "--config", conf.toString()));
    assertThat(off.code()).isEqualTo(Migrationctl.UNREACHABLE);
    assertThat(off.err()).contains("cluster.enabled: false");
  }

  @Test
  @Order(10)
  void schemaComparesTheSourceWithTheTypedTableAndApplyMakesWhatIsMissing() throws Exception {
    // The node made DeviceInfo's typed table with the source's columns as it exported.
    Ctl same = ctl("schema", "--table", INFO);
    assertThat(same.code()).as(same.toString()).isEqualTo(Migrationctl.OK);
    assertThat(same.out()).contains("COLUMN", "Timestamp", "datetime", "DeviceId", "string", "0 column(s) missing");

    // Dropped behind the node's back: shown missing (exit code 1) until --apply makes it again, with the rows the
    // raw table already holds brought in.
    await(env.adxClient.mgmt(".drop table " + INFO));
    Ctl gone = ctl("schema", "--table", INFO);
    assertThat(gone.code()).as(gone.toString()).isEqualTo(Migrationctl.FAILED);
    assertThat(gone.out()).contains("missing in ADX", "no typed table in ADX");
    Ctl applied = ctl("schema", "--table", INFO, "--apply", "--output", "json");
    assertThat(applied.code()).as(applied.toString()).isEqualTo(Migrationctl.OK);
    assertThat(new JsonObject(applied.out()).getJsonObject("data").getBoolean("exists")).isTrue();
    waitUntil(() -> count(INFO) > 0 && count(INFO) == count(INFO + "Raw"), Duration.ofMinutes(1));
  }

  private long count(String table) {
    try {
      return ((Number) await(env.adxClient.query(table + " | count")).get(0).get("Count")).longValue();
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  @Order(11)
  void drainStopsTheNodeTakingWork() throws Exception {
    Ctl r = ctl("drain");
    assertThat(r.code()).as(r.toString()).isEqualTo(Migrationctl.OK);
    assertThat(r.out()).contains("node-1", "drained");
    Throwable noWorker = await(node.vertx().eventBus().request(Addresses.TABLE_WORK, new JsonObject())
        .<Throwable>map(m -> null).otherwise(e -> e));
    assertThat(noWorker).isInstanceOfSatisfying(ReplyException.class,
        e -> assertThat(e.failureType()).isEqualTo(ReplyFailure.NO_HANDLERS));
  }

  // --------------------------------------------------------------------------------------------------- helpers

  record Ctl(int code, String out, String err) {
  }

  private Ctl ctl(String... args) {
    return ctl(Map.of("MIGRATION_OPS_TOKEN", TOKEN), args);
  }

  private Ctl ctl(Map<String, String> envVars, String... args) {
    return ctl(envVars, List.of(args));
  }

  private Ctl ctl(Map<String, String> envVars, List<String> args) {
    List<String> all = new ArrayList<>(args);
    if (!all.contains("--config")) {
      all.addAll(List.of("--cluster", "127.0.0.1:" + clusterPort, "--cluster-name", clusterName));
    }
    return run(envVars, all);
  }

  private static Ctl ctlAt(String cluster, int port, Map<String, String> envVars, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--cluster", "127.0.0.1:" + port, "--cluster-name", cluster));
    return run(envVars, all);
  }

  private static Ctl run(Map<String, String> envVars, List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Migrationctl.commandLine(envVars);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args.toArray(String[]::new));
    return new Ctl(code, out.toString(), err.toString());
  }

  private void awaitCaughtUp() throws Exception {
    waitUntil(() -> {
      Map<String, TableOutcome> outcomes = node.coordinator().lastOutcomes();
      return List.of(INFO, LOGONS).stream().allMatch(t -> {
        TableOutcome o = outcomes.get(TableLeases.key("", t));
        return o != null && o.caughtUp() && o.watermark().isPresent();
      });
    }, Duration.ofMinutes(3));
  }

  private Instant watermark(String table) {
    try {
      return row(table).progress().map(WindowProgress::watermark).orElse(Instant.EPOCH);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private boolean activeOf(String table) throws Exception {
    return row(table).active();
  }

  private MigrationConfigRow row(String table) throws Exception {
    return await(env.state.latest()).rows().stream().filter(r -> r.sourceTable().equals(table)).findFirst()
        .orElseThrow();
  }

  private Map<String, Object> stateRow(String table) throws Exception {
    return await(env.adxClient.query("VwMigrationConfigurationState | where SourceTable == '" + table + "'")).get(0);
  }

  private long rowsIn(String raw) throws Exception {
    Object count = await(env.adxClient.query(raw + " | count")).get(0).get("Count");
    return count instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(count));
  }

  /** Where the table's first export started: the oldest window it committed. */
  private Instant firstExported(String table) throws Exception {
    Object first = await(env.adxClient.query("MigrationAuditLog | where Status == 'Succeeded' and SourceTable == '"
        + table + "' | summarize min(WindowStart)")).get(0).values().iterator().next();
    return first instanceof Instant i ? i : KustoTime.parse(String.valueOf(first));
  }

  private void waitUntil(BooleanSupplier condition, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within " + limit);
      }
      await(env.vertx.timer(500));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The unit the exporter planned (and recorded) over {@code t}, if any. */
  private Optional<Window> unitHolding(String table, Instant t) throws Exception {
    return windows("MigrationAuditLog | where Status == 'Planned' and SourceTable == '" + table + "' and WindowStart <= "
        + KustoTime.literal(t) + " and WindowEnd > " + KustoTime.literal(t)).stream().findFirst();
  }

  /** The last committed window with rows that ends at or before {@code t}. */
  private Window committedBefore(String table, Instant t) throws Exception {
    List<Window> w = windows("MigrationAuditLog | where Status == 'Succeeded' and SourceTable == '" + table
        + "' and RecordCount > 0 and WindowEnd <= " + KustoTime.literal(t));
    assertThat(w).as("a committed window before %s", t).isNotEmpty();
    return w.get(w.size() - 1);
  }

  private List<Window> windows(String kql) throws Exception {
    List<Window> out = new ArrayList<>();
    for (Map<String, Object> r : await(env.adxClient.query(kql + " | project WindowStart, WindowEnd | order by "
        + "WindowStart asc"))) {
      out.add(Window.of(KustoTime.fromValue(r.get("WindowStart")), KustoTime.fromValue(r.get("WindowEnd"))));
    }
    return out;
  }

}
