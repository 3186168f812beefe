package org.defenderadx.migration.worker;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.defenderadx.migration.api.cli.Migrationctl;
import org.defenderadx.migration.worker.node.MigrationNode;
import org.defenderadx.migration.worker.upgrade.UpgradeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The production jar's entry point: {@code java -jar defender-adx-migration.jar run|upgrade|ctl}. The demo and the simulators
 * are not here: they are in migration-demo's own jar ({@code ./migration demo}).
 */
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
        .addSubcommand("upgrade", new UpgradeCommand())
        .addSubcommand("ctl", Migrationctl.commandLine(System.getenv()));
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("ctl")) {
      // migrationctl's own command line, with its exit codes; logs go to stderr so that --output json stays clean.
      System.setProperty("LOG_TARGET", "System.err");
      if (System.getProperty("hazelcast.logging.type") == null) {
        System.setProperty("hazelcast.logging.type", "none");
      }
      System.exit(Migrationctl.commandLine(System.getenv())
          .execute(Arrays.copyOfRange(args, 1, args.length)));
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
}
