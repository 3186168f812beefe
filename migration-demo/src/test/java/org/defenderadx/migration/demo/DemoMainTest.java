package org.defenderadx.migration.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The demo jar's command line: its commands, their help, and options refused before anything starts. */
class DemoMainTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int execute(String... args) {
    CommandLine cli = DemoMain.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void theDemoJarOffersDemoAndSimulate() {
    assertThat(DemoMain.commandLine().getSubcommands().keySet()).containsExactly("demo", "simulate");
    assertThat(execute("--help")).isZero();
    assertThat(out.toString()).contains("demo", "simulate");
  }

  @Test
  void demoHelpListsItsOptions() {
    assertThat(execute("demo", "--help")).isZero();
    assertThat(out.toString()).contains("--profile", "--tables", "--time-scale");
  }

  @Test
  void anUnknownOptionIsRefusedWithUsage() {
    assertThat(execute("demo", "--speed", "9")).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown options: '--speed'", "Usage: defender-adx-migration-demo demo");
  }
}
