package org.defenderadx.migration.demo;

import com.microsoft.azure.kusto.data.ClientFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.common.kql.KqlScript;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.AdxConnections;
import org.defenderadx.migration.worker.adx.AdxRowAppender;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.simulator.adx.AdxStandIn;
import org.defenderadx.simulator.adx.AdxStandInOptions;
import org.defenderadx.simulator.adx.azurite.AzuriteProcess;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.defender.DefenderSimulator;
import org.defenderadx.simulator.defender.Scenario;
import org.defenderadx.simulator.defender.data.Profile;

/**
 * The bundled simulators on loopback ports chosen at run time, ready for a node: Azurite from {@code .azurite/},
 * the Defender simulator (scaled-down caps, on a scaled clock), the ADX stand-in on the same time scale with
 * {@code kql/setup.kql} and {@code kql/seed-configuration.kql} applied through the real Kusto SDK, and the node
 * configuration that points at them.
 */
public final class DemoStandIns implements AutoCloseable {

  public static final String DATABASE = "DefenderArchive";
  /** The environment variable the generated configuration names for the simulator's client secret. */
  public static final String SECRET_ENV = "DEFENDER_SIM_SECRET";

  public final Vertx vertx;
  public final AzuriteProcess azurite;
  public final DefenderSimulator sim;
  public final AdxStandIn adx;
  /** The node's clock: its own, scaled like the simulator's and started at the simulator's "now". */
  public final TimeSource time;
  public final AdxClient adxClient;
  public final MigrationStateStore state;
  public final MigrationSettings settings;
  private final WorkerExecutor sdkPool;

  private DemoStandIns(Vertx vertx, AzuriteProcess azurite, DefenderSimulator sim, AdxStandIn adx, TimeSource time,
                       AdxClient adxClient, WorkerExecutor sdkPool, MigrationSettings settings) {
    this.vertx = vertx;
    this.azurite = azurite;
    this.sim = sim;
    this.adx = adx;
    this.time = time;
    this.adxClient = adxClient;
    this.sdkPool = sdkPool;
    this.settings = settings;
    this.state = new MigrationStateStore(adxClient, new AdxRowAppender(adxClient));
  }

  /**
   * Starts everything (blocking: call it from a plain thread) and applies the set-up scripts found under
   * {@code project}; fails with what to install when Node.js or Azurite is missing.
   */
  public static DemoStandIns start(Vertx vertx, Profile profile, double timeScale, Path project) throws Exception {
    Path setup = project.resolve("kql").resolve("setup.kql");
    Path seed = project.resolve("kql").resolve("seed-configuration.kql");
    AzuriteProcess azurite;
    try {
      azurite = AzuriteProcess.start();
    } catch (IllegalStateException e) {
      // Queued ingestion needs Azurite (on Node.js); streaming ingestion goes straight to the engine endpoint.
      System.out.println("Azurite (the Azure Storage emulator, on Node.js) is not available: " + e.getMessage()
          + "\nThe demo uses streaming ingestion instead (adx.ingestionMode: streaming). For queued ingestion, as "
          + "in production, install Node.js 18+ with npm and run './migration demo' again.");
      azurite = null;
    }
    DefenderSimulator sim = null;
    AdxStandIn adx = null;
    WorkerExecutor pool = null;
    try {
      // Tokens live an hour of real time, not of simulated time: the identity library caches a token by the real
      // clock, so a token expiring after a simulated hour (a real minute) would be sent expired and meet 401s.
      DefenderSimConfig simConfig = DefenderSimConfig.builder().limits(caps(profile))
          .tokenLifetime(Duration.ofSeconds((long) (3599 * timeScale)))
          .profile(profile).timeScale(timeScale).anchor(Instant.now().truncatedTo(ChronoUnit.HOURS)).build();
      sim = await(DefenderSimulator.start(vertx, simConfig));
      TimeSource time = TimeSource.scaled(sim.clock().instant(), timeScale);
      AdxStandInOptions adxOptions = new AdxStandInOptions().clock(time.clock()).pollInterval(Duration.ofMillis(50));
      if (azurite != null) {
        adxOptions.azurite(azurite.endpoints());
      }
      adx = await(AdxStandIn.start(vertx, adxOptions));
      MigrationSettings settings = settings(sim, adx, azurite != null ? "queued" : "streaming");
      pool = vertx.createSharedWorkerExecutor("demo-adx-sdk", 4);
      AdxClient client = new AdxClient(ClientFactory.createClient(AdxConnections.engine(settings.adx())), DATABASE,
          pool);
      DemoStandIns standIns = new DemoStandIns(vertx, azurite, sim, adx, time, client, pool, settings);
      standIns.apply(setup);
      standIns.apply(seed);
      return standIns;
    } catch (Exception e) {
      if (pool != null) {
        pool.close();
      }
      if (adx != null) {
        adx.stop();
      }
      if (sim != null) {
        sim.stop();
      }
      if (azurite != null) {
        azurite.close();
      }
      throw e;
    }
  }

  /**
   * The documented quotas, with the row and byte caps scaled down to the profile's volume so that its busiest
   * tables overflow a day's window and the burst instant needs hash buckets: the small profile gets the simulator's
   * {@code scaled} caps (1,000 rows, 1 MB); the medium profile, 30 times bigger, 5,000 rows and 16 MB, which a
   * day of its two busiest tables overflows by rows. A cut result is served whole and thrown away, so caps much
   * below a day's volume would mostly add work (and the demo's run time) without showing anything new.
   */
  static DefenderSimConfig.Limits caps(Profile profile) {
    DefenderSimConfig.Limits scaled = Scenario.SCALED.apply(DefenderSimConfig.builder()).build().limits();
    if (profile == Profile.SMALL) {
      return scaled;
    }
    long bytes = 16L * 1024 * 1024;
    return scaled.withRowCap(5_000).withByteCaps(new DefenderSimConfig.ByteCap(bytes, false),
        new DefenderSimConfig.ByteCap(bytes, false), new DefenderSimConfig.ByteCap(bytes, true));
  }

  /** The folder holding {@code kql/}: the working directory or the nearest parent that has it. */
  public static Path locateProject() {
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("kql").resolve("setup.kql"))) {
        return dir;
      }
    }
    throw new DemoException("kql/setup.kql was not found in " + Paths.get("").toAbsolutePath() + " or its parents: "
        + "run the demo from the repository (./migration demo)");
  }

  /** The node's configuration: one tenant on the simulator (its documented quotas), ADX on the stand-in. */
  static MigrationSettings settings(DefenderSimulator sim, AdxStandIn adx, String ingestionMode) {
    DefenderSimConfig.Limits limits = sim.config().limits();
    JsonObject tree = new JsonObject()
        .put("tenants", new JsonArray().add(new JsonObject().put("key", "")
            .put("tenantId", DefenderSimConfig.DEFAULT_TENANT)
            .put("authorityHost", sim.tlsBaseUrl())
            .put("credential", new JsonObject().put("kind", "client-secret")
                .put("clientId", DefenderSimConfig.DEFAULT_CLIENT_ID).put("clientSecretEnv", SECRET_ENV))
            .put("api", new JsonObject().put("flavour", "graph").put("baseUrl", sim.baseUrl())
                .put("callsPerMinute", limits.callsPerMinute()).put("callsPerHour", limits.callsPerHour()))))
        .put("adx", new JsonObject().put("clusterUrl", adx.url()).put("database", DATABASE)
            .put("ingestionMode", ingestionMode).put("credential", new JsonObject().put("kind", "none")))
        .put("migration", new JsonObject().put("windowGrid", "1d").put("cycleInterval", "1m").put("settleLag", "5m")
            .put("rowCap", limits.rowCap()).put("byteCap", limits.graphByteCap().bytes()))
        // A free port for the status page, /health and /metrics: the demo prints where.
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0));
    return ConfigLoader.parse(tree, Map.of(SECRET_ENV, DefenderSimConfig.DEFAULT_CLIENT_SECRET));
  }

  /** The same configuration as YAML, for a node started by hand ({@code simulate}). */
  public String settingsYaml() {
    DefenderSimConfig.Limits limits = sim.config().limits();
    return String.join("\n",
        "# Generated by 'simulate': a node pointed at the bundled simulators. Secret: export " + SECRET_ENV + "="
            + DefenderSimConfig.DEFAULT_CLIENT_SECRET,
        "tenants:",
        "  - key: \"\"",
        "    tenantId: " + DefenderSimConfig.DEFAULT_TENANT,
        "    authorityHost: " + sim.tlsBaseUrl(),
        "    credential:",
        "      kind: client-secret",
        "      clientId: " + DefenderSimConfig.DEFAULT_CLIENT_ID,
        "      clientSecretEnv: " + SECRET_ENV,
        "    api:",
        "      flavour: graph",
        "      baseUrl: " + sim.baseUrl(),
        "      callsPerMinute: " + limits.callsPerMinute(),
        "      callsPerHour: " + limits.callsPerHour(),
        "adx:",
        "  clusterUrl: " + adx.url(),
        "  database: " + DATABASE,
        "  ingestionMode: " + (azurite != null ? "queued" : "streaming"),
        "  credential:",
        "    kind: none",
        "migration:",
        "  windowGrid: 1d",
        "  cycleInterval: 1m",
        "  settleLag: 5m",
        "  rowCap: " + limits.rowCap(),
        "  byteCap: " + limits.graphByteCap().bytes(),
        "");
  }

  /** Sends a {@code .kql} file's commands, in order, through the Kusto SDK, as an operator would. */
  public void apply(Path script) throws Exception {
    for (String command : KqlScript.commands(Files.readString(script, StandardCharsets.UTF_8))) {
      try {
        await(adxClient.mgmt(command));
      } catch (Exception e) {
        throw new DemoException(script.getFileName() + ": a command failed: "
            + command.lines().findFirst().orElse("") + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Leaves only {@code tables} active: every other seeded table gets a newer configuration row with
   * {@code IsActive=false}, the documented way to switch a table off.
   */
  public void keepActive(List<String> tables) throws Exception {
    List<Map<String, Object>> off = new ArrayList<>();
    for (var row : await(state.latest()).rows()) {
      if (row.active() && !tables.contains(row.sourceTable())) {
        Map<String, Object> columns = new java.util.LinkedHashMap<>(row.toColumns());
        columns.put("IsActive", false);
        columns.put("Version", row.nextVersion());
        columns.put("UpdatedBy", "demo");
        columns.put("Notes", "not part of this demo run");
        off.add(columns);
      }
    }
    if (!off.isEmpty()) {
      await(new AdxRowAppender(adxClient).append(MigrationStateStore.CONFIG_TABLE, off));
    }
  }

  public static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception x ? x : e;
    }
  }

  @Override
  public void close() {
    try {
      sdkPool.close();
      await(adx.stop()); // its data-management loop stops before Azurite goes away
      await(sim.stop());
    } catch (Exception e) {
      // closing anyway
    } finally {
      if (azurite != null) {
        azurite.close();
      }
    }
  }
}
