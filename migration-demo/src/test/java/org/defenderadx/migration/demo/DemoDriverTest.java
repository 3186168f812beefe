package org.defenderadx.migration.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.defenderadx.simulator.defender.data.Profile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo driver in-process on the small profile: the real simulators, Azurite, the Kusto SDK and one node. It
 * succeeds when ADX ends exact, and fails, naming the table, when ADX loses a table's rows after the backfill.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class DemoDriverTest {

  private static final Path PROJECT = Path.of("..");
  /** The table with the burst instant (it splits down to hash buckets), and two quiet ones. */
  private static final List<String> TABLES = List.of("DeviceProcessEvents", "DeviceLogonEvents", "AlertInfo");

  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

  private Summary run(DemoDriver.AfterBackfill afterBackfill) throws Exception {
    DemoOptions options = DemoOptions.defaults().withProfile(Profile.SMALL).withTables(TABLES);
    try (DemoDriver driver = new DemoDriver(options, new PrintStream(printed, true, StandardCharsets.UTF_8), PROJECT,
        afterBackfill)) {
      return driver.run();
    }
  }

  private String output() {
    return printed.toString(StandardCharsets.UTF_8);
  }

  @Test
  void theSmallDemoMigratesEveryTableExactlyAndExitsZero() throws Exception {
    Summary summary = run(DemoDriver.AfterBackfill.NOTHING);

    assertThat(summary.exitCode()).as(output()).isZero();
    assertThat(summary.tables()).extracting(Summary.TableResult::table).containsExactlyElementsOf(TABLES);
    for (Summary.TableResult t : summary.tables()) {
      ExactnessCheck.Result e = t.exactness().orElseThrow();
      assertThat(e.atSource()).as(t.table()).isPositive();
      assertThat(e.inAdx()).as(t.table()).isEqualTo(e.atSource());
      assertThat(e.missing()).as(t.table()).isZero();
      assertThat(e.duplicated()).as(t.table()).isZero();
      assertThat(t.verify()).as(t.table()).isEqualTo("exact");
      assertThat(t.caughtUp()).as(t.table()).isTrue();
    }
    // Units are planned from the census (bursts included) at the measured row size: hardly a call is cut at the caps.
    assertThat(summary.apiCalls()).isPositive();
    assertThat(summary.cutResults()).as("results cut at the caps, of %d calls", summary.apiCalls())
        .isLessThanOrEqualTo(summary.apiCalls() / 10);
    assertThat(output())
        .contains("tables caught up 3/3")
        .contains("RESULT: every table matches")
        .containsPattern("DeviceProcessEvents +[0-9,]+ +[0-9,]+ +0 +0 +exact += raw +yes");
  }

  @Test
  void aTableWhoseExtentsAreDroppedAfterTheBackfillFailsTheDemoByName() throws Exception {
    Summary summary = run(standIns -> DemoStandIns.await(standIns.adxClient.mgmt(
        ".drop extents from DeviceLogonEventsRaw")));

    assertThat(summary.exitCode()).as(output()).isNotZero();
    assertThat(summary.mismatched()).containsExactly("DeviceLogonEvents");
    Summary.TableResult logons = summary.tables().stream().filter(t -> t.table().equals("DeviceLogonEvents"))
        .findFirst().orElseThrow();
    ExactnessCheck.Result e = logons.exactness().orElseThrow();
    assertThat(e.atSource()).isPositive();
    assertThat(e.inAdx()).isZero();
    assertThat(e.missing()).isEqualTo(e.atSource());
    assertThat(logons.verifyExact()).isFalse();
    assertThat(logons.verify()).endsWith("hour(s) differ");
    assertThat(output()).contains("RESULT: MISMATCH in DeviceLogonEvents.");
  }
}
