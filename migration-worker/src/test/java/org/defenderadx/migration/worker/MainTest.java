package org.defenderadx.migration.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

/** The fat jar's command line: its commands, their help, and options refused before anything starts. */
class MainTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int execute(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void theJarOffersRunUpgradeDemoAndSimulate() {
    assertThat(Main.commandLine().getSubcommands().keySet())
        .containsExactly("run", "upgrade", "demo", "simulate", "ctl");
    assertThat(execute("--help")).isZero();
    assertThat(out.toString()).contains("run", "upgrade", "demo", "simulate", "ctl");
  }

  @Test
  void demoHelpListsItsOptions() {
    assertThat(execute("demo", "--help")).isZero();
    assertThat(out.toString()).contains("--profile", "--tables", "--time-scale");
  }

  @Test
  void anUnknownOptionIsRefusedWithUsage() {
    assertThat(execute("demo", "--speed", "9")).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown options: '--speed'", "Usage: defender-adx-migration demo");
  }
}
