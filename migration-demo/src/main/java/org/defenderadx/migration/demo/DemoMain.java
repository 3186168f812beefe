package org.defenderadx.migration.demo;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.defenderadx.migration.worker.hooks.TestHooks;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.defender.data.Profile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The demo jar's entry point: {@code java -jar defender-adx-migration-demo.jar demo|simulate}. The demo and the
 * simulators it starts live here, outside the production jar (which holds {@code run} and {@code ctl} only).
 */
@Command(name = "defender-adx-migration-demo", mixinStandardHelpOptions = true,
    version = "defender-adx-migration-demo 0.1.0",
    description = "The migration against the bundled Defender simulator and ADX stand-in: the one-command demo, "
        + "and the simulators on their own for trying a node by hand.")
public final class DemoMain implements Runnable {

  /** Returned by a command that started a service: the JVM keeps running until it is stopped (Ctrl-C). */
  static final int KEEP_RUNNING = Integer.MIN_VALUE;

  /** The production jar, which {@code simulate} tells the user to run against the simulators. */
  static final String PRODUCTION_JAR = "migration-worker/target/defender-adx-migration.jar";

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Every subcommand, in this one place. */
  static CommandLine commandLine() {
    return new CommandLine(new DemoMain())
        .addSubcommand("demo", new Demo())
        .addSubcommand("simulate", new Simulate());
  }

  public static void main(String[] args) {
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
          + "prints how to point a node (the production jar) at them; runs until Ctrl-C.")
  static final class Simulate implements Callable<Integer> {
    @Option(names = "--profile", defaultValue = "small", description = "small, medium or large (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--time-scale", defaultValue = "60", description = "Simulated seconds per real second (default: ${DEFAULT-VALUE}).")
    double timeScale;

    @Override
    public Integer call() throws Exception {
      quietLogs();
      Vertx vertx = Vertx.vertx();
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
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        standIns.close();
        vertx.close();
        try (var files = Files.list(dir)) {
          files.forEach(f -> f.toFile().delete());
        } catch (Exception e) {
          // best effort
        }
        dir.toFile().delete();
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
          + SimulatorTrust.TRUST_STORE_PASSWORD + " -D" + TestHooks.CLOCK + "=$(curl -s " + standIns.sim.baseUrl()
          + "/_sim/clock | cut -d'\"' -f4)@" + timeScale + " -jar " + PRODUCTION_JAR + " run " + config);
      System.out.println("(-D" + TestHooks.CLOCK + " starts the node's clock at the simulator's and runs it on the "
          + "same scale; see TestHooks.) Ctrl-C stops the simulators.");
      System.out.flush();
      return KEEP_RUNNING;
    }
  }
}
