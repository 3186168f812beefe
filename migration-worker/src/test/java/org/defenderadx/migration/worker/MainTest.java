package org.defenderadx.migration.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

/** The production jar's command line: its commands, their help, and options refused before anything starts. */
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
  void theProductionJarOffersRunUpgradeAndCtlOnly() {
    assertThat(Main.commandLine().getSubcommands().keySet()).containsExactly("run", "upgrade", "ctl");
    assertThat(execute("--help")).isZero();
    assertThat(out.toString()).contains("run", "upgrade", "ctl").doesNotContain("demo", "simulate");
  }

  @Test
  void theDemoIsAnUnknownCommandHere() {
    assertThat(execute("demo")).isEqualTo(2);
    assertThat(err.toString()).contains("Unmatched argument", "'demo'");
  }

  @Test
  void anUnknownOptionIsRefusedWithUsage() {
    assertThat(execute("run", "--speed", "9")).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown option: '--speed'", "Usage: defender-adx-migration run");
  }
}
