package org.defenderadx.migration.worker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.defenderadx.migration.worker.demo.DemoDriver;
import org.defenderadx.migration.worker.demo.DemoException;
import org.defenderadx.migration.worker.demo.DemoOptions;
import org.defenderadx.migration.worker.demo.DemoStandIns;
import org.defenderadx.migration.worker.demo.SimulatorTrust;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.AdxConnections;
import org.defenderadx.migration.worker.node.MigrationNode;
import org.defenderadx.migration.worker.upgrade.OriginalTakeover;
import org.defenderadx.migration.worker.upgrade.TakeoverReport;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.defender.data.Profile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The fat jar's entry point: {@code java -jar defender-adx-migration.jar <command>}. */
@Command(name = "defender-adx-migration", mixinStandardHelpOptions = true, version = "defender-adx-migration 0.1.0",
    description = "Copies Microsoft Defender XDR Advanced Hunting data into Azure Data Explorer, every row exactly once.")
public final class Main implements Runnable {

  /** Returned by a command that started a service: the JVM keeps running until it is stopped (SIGTERM, Ctrl-C). */
  static final int KEEP_RUNNING = Integer.MIN_VALUE;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Every subcommand, in this one place (the ops CLI joins here as {@code ctl}). */
  static CommandLine commandLine() {
    return new CommandLine(new Main())
        .addSubcommand("run", new Run())
        .addSubcommand("upgrade", new Upgrade())
        .addSubcommand("demo", new Demo())
        .addSubcommand("simulate", new Simulate())
        .addSubcommand("ctl", org.defenderadx.migration.api.cli.Migrationctl.commandLine(System.getenv()));
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("ctl")) {
      // migrationctl's own command line, with its exit codes; logs go to stderr so that --output json stays clean.
      System.setProperty("LOG_TARGET", "System.err");
      if (System.getProperty("hazelcast.logging.type") == null) {
        System.setProperty("hazelcast.logging.type", "none");
      }
      System.exit(org.defenderadx.migration.api.cli.Migrationctl.commandLine(System.getenv())
          .execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    int code = commandLine().execute(args);
    if (code != KEEP_RUNNING) {
      System.exit(code);
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Logging the demo and the simulators do not need on the console: set before anything logs. */
  private static void quietLogs() {
    if (System.getProperty("LOG_LEVEL") == null && System.getenv("LOG_LEVEL") == null) {
      System.setProperty("LOG_LEVEL", "WARN");
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Starts a node from its configuration and runs until stopped (SIGTERM stops it at once; a restart resumes exactly).")
  static final class Run implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", defaultValue = "conf/application.yaml",
        description = "The configuration file (default: ${DEFAULT-VALUE}).")
    Path config;

    @Override
    public Integer call() {
      MigrationNode.main(new String[] {config.toString()});
      return KEEP_RUNNING;
    }
  }

  @Command(name = "upgrade", mixinStandardHelpOptions = true,
      description = {"Takes over a database the original Python script (DAFMigration.py) fills: checks it, applies "
          + "kql/setup.kql and kql/upgrade-from-original.kql through the Kusto SDK with the configuration's adx "
          + "section (an admin principal), and prints what was carried forward. Safe to run twice.",
          "Stop the original script first. Exits 0 when the takeover is complete."})
  static final class Upgrade implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", defaultValue = "conf/application.yaml",
        description = "The node's configuration file; only its adx section is used (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--late-arrival-allowance", defaultValue = "1d",
        description = "LateArrivalAllowance given to event tables the original windowed on a column (Timestamp), "
            + "e.g. 1d or 12h (default: ${DEFAULT-VALUE}).")
    String allowance;

    @Option(names = "--seed", description = "Also apply kql/seed-configuration.kql: the common event tables the "
        + "original did not configure, active, from migration.initialLookback.")
    boolean seed;

    @Option(names = "--kql", defaultValue = "kql", description = "The folder holding the project's kql/ scripts "
        + "(default: ${DEFAULT-VALUE}).")
    Path kql;

    @Override
    public Integer call() {
      io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
      io.vertx.core.WorkerExecutor pool = vertx.createSharedWorkerExecutor("adx-sdk", 2);
      try {
        OriginalTakeover.Options options = new OriginalTakeover.Options(
            org.defenderadx.migration.common.kql.KustoTimespan.parse(allowance), seed);
        var settings = org.defenderadx.migration.api.config.ConfigLoader.load(vertx, config)
            .await(30, java.util.concurrent.TimeUnit.SECONDS);
        AdxClient adx = new AdxClient(com.microsoft.azure.kusto.data.ClientFactory.createClient(
            AdxConnections.engine(settings.adx())), settings.adx().database(), pool);
        TakeoverReport report = new OriginalTakeover(adx, kql, TimeSource.system()).run(options)
            .await(10, java.util.concurrent.TimeUnit.MINUTES);
        System.out.print(report.render());
        return 0;
      } catch (Exception e) {
        System.err.println("upgrade: " + e.getMessage());
        return 1;
      } finally {
        pool.close();
        vertx.close();
      }
    }
  }

  @Command(name = "demo", mixinStandardHelpOptions = true,
      description = {"Runs the full migration against the bundled simulators: a 30-day backfill from the Defender "
          + "simulator into the ADX stand-in (real Azurite, real Kusto SDK), then checks that ADX holds every source "
          + "row exactly once.", "Exits 0 only if every table matches."})
  static final class Demo implements Callable<Integer> {
    @Option(names = "--profile", defaultValue = "medium", description = "small or medium (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--tables", split = ",", description = "Tables to migrate (default: every simulated event table).")
    List<String> tables = List.of();

    @Option(names = "--time-scale", defaultValue = "60",
        description = "Simulated seconds per real second, for the simulator and the node (default: ${DEFAULT-VALUE}).")
    double timeScale;

    @Option(names = "--timeout-minutes", defaultValue = "30",
        description = "Real minutes after which tables not caught up count as failed (default: ${DEFAULT-VALUE}).")
    long timeoutMinutes;

    @Override
    public Integer call() {
      quietLogs();
      DemoOptions options;
      try {
        Profile p = Profile.parse(profile);
        if (p == Profile.LARGE) {
          throw new IllegalArgumentException("--profile: small or medium (large is for the benchmarks)");
        }
        options = DemoOptions.defaults().withProfile(p).withTables(tables).withTimeScale(timeScale)
            .withTimeout(Duration.ofMinutes(timeoutMinutes));
      } catch (IllegalArgumentException e) {
        System.err.println("demo: " + e.getMessage());
        return 2;
      }
      Path project;
      try {
        project = DemoStandIns.locateProject();
      } catch (DemoException e) {
        System.err.println("demo: " + e.getMessage());
        return 2;
      }
      DemoDriver driver = new DemoDriver(options, System.out, project, DemoDriver.AfterBackfill.NOTHING);
      Thread stopper = new Thread(driver::close, "demo-stop");
      Runtime.getRuntime().addShutdownHook(stopper);
      try {
        return driver.run().exitCode();
      } catch (DemoException e) {
        System.err.println("demo: " + e.getMessage());
        return 2;
      } catch (Exception e) {
        System.err.println("demo: failed: " + e);
        e.printStackTrace(System.err);
        return 1;
      } finally {
        driver.close();
        try {
          Runtime.getRuntime().removeShutdownHook(stopper);
        } catch (IllegalStateException exiting) {
          // Ctrl-C: the hook is running already
        }
      }
    }
  }

  @Command(name = "simulate", mixinStandardHelpOptions = true,
      description = "Starts the bundled Defender simulator and ADX stand-in on their own (set up with kql/) and "
          + "prints how to point a node at them; runs until Ctrl-C.")
  static final class Simulate implements Callable<Integer> {
    @Option(names = "--profile", defaultValue = "small", description = "small, medium or large (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--time-scale", defaultValue = "60", description = "Simulated seconds per real second (default: ${DEFAULT-VALUE}).")
    double timeScale;

    @Override
    public Integer call() throws Exception {
      quietLogs();
      io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
      DemoStandIns standIns;
      Path dir = Files.createTempDirectory("defender-adx-simulate-");
      try {
        standIns = DemoStandIns.start(vertx, Profile.parse(profile), timeScale, DemoStandIns.locateProject());
      } catch (DemoException | IllegalArgumentException e) {
        System.err.println("simulate: " + e.getMessage());
        vertx.close();
        return 2;
      }
      Path config = Files.writeString(dir.resolve("application.yaml"), standIns.settingsYaml());
      Path trust = SimulatorTrust.writeTrustStore(standIns.sim, dir.resolve("simulator-trust.jks"));
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        standIns.close();
        vertx.close();
        try (var files = Files.list(dir)) {
          files.forEach(f -> f.toFile().delete());
        } catch (Exception e) {
          // best effort
        }
        dir.toFile().delete();
        stopped.countDown();
      }, "simulate-stop"));
      System.out.println("Defender simulator: " + standIns.sim.baseUrl() + " (token authority "
          + standIns.sim.tlsBaseUrl() + ", tenant " + DefenderSimConfig.DEFAULT_TENANT + ", client "
          + DefenderSimConfig.DEFAULT_CLIENT_ID + ", secret " + DefenderSimConfig.DEFAULT_CLIENT_SECRET + ")");
      System.out.println("ADX stand-in:       " + standIns.adx.url() + " (database " + DemoStandIns.DATABASE
          + ", kql/setup.kql and kql/seed-configuration.kql applied)");
      System.out.println("Clock:              " + standIns.sim.clock().instant() + ", x" + timeScale);
      System.out.println("Node configuration: " + config);
      System.out.println();
      System.out.println("Run a node against them (another terminal, repository root):");
      System.out.println("  " + DemoStandIns.SECRET_ENV + "=" + DefenderSimConfig.DEFAULT_CLIENT_SECRET + " java"
          + " -Djavax.net.ssl.trustStore=" + trust + " -Djavax.net.ssl.trustStorePassword="
          + SimulatorTrust.TRUST_STORE_PASSWORD + " -Dmigration.clock=$(curl -s " + standIns.sim.baseUrl()
          + "/_sim/clock | cut -d'\"' -f4)@" + timeScale + " -jar migration-worker/target/defender-adx-migration.jar run " + config);
      System.out.println("(-Dmigration.clock starts the node's clock at the simulator's and runs it on the same "
          + "scale.) Ctrl-C stops the simulators.");
      System.out.flush();
      return KEEP_RUNNING;
    }
  }
}
