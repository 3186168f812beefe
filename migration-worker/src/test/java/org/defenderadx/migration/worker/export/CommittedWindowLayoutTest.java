package org.defenderadx.migration.worker.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.window.Bucket;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowId;
import org.junit.jupiter.api.Test;

/** How committed windows map to what repair fetches again and to the spans the late-commit recount compares. */
class CommittedWindowLayoutTest {

  private static final Instant T0 = Instant.parse("2026-11-10T00:00:00Z");

  private static Instant at(int minutes) {
    return T0.plus(Duration.ofMinutes(minutes));
  }

  private static CommittedWindows.Committed committed(Instant lo, Instant hi, long rows) {
    return new CommittedWindows.Committed(WindowId.of("", "DeviceInfo", Window.of(lo, hi)), lo, hi, rows, "Succeeded",
        T0);
  }

  private static CommittedWindows.Committed bucket(Instant instant, Bucket b, long rows) {
    Window w = new Window(instant, instant.plus(KustoTime.TICK), b);
    return new CommittedWindows.Committed(WindowId.of("", "DeviceInfo", w), w.lo(), w.hi(), rows, "Succeeded", T0);
  }

  @Test
  void repairFetchesTheCommittedWindowsAgainAndFillsGapsBetweenThem() {
    List<CommittedWindows.Committed> old = List.of(committed(at(0), at(30), 5), committed(at(30), at(60), 6),
        committed(at(120), at(180), 7));

    assertThat(Repairer.windowsCovering(old, at(0), at(240))).containsExactly(Window.of(at(0), at(30)),
        Window.of(at(30), at(60)), Window.of(at(60), at(120)), Window.of(at(120), at(180)),
        Window.of(at(180), at(240)));
  }

  @Test
  void repairFetchesABucketedInstantOnceAndWhole() {
    Instant instant = at(10);
    List<CommittedWindows.Committed> old = List.of(committed(at(0), instant, 3),
        bucket(instant, new Bucket(0, 2), 600), bucket(instant, new Bucket(1, 2), 600),
        committed(instant.plus(KustoTime.TICK), at(60), 4));

    assertThat(Repairer.windowsCovering(old, at(0), at(60))).containsExactly(Window.of(at(0), instant),
        Window.of(instant, instant.plus(KustoTime.TICK)), Window.of(instant.plus(KustoTime.TICK), at(60)));
  }

  @Test
  void recountComparesEachFullyCoveredHourWithTheRowsItsWindowsExported() {
    List<CommittedWindows.Committed> windows = List.of(committed(at(0), at(60), 4),
        committed(at(60), at(90), 2), committed(at(90), at(120), 3),
        committed(at(120), at(150), 1));

    // The third hour is exported only up to its middle (the watermark): it is not compared yet.
    assertThat(LateCommitWatch.comparableSpans(windows, at(150))).containsExactly(
        new LateCommitWatch.Span(at(0), at(60), 4), new LateCommitWatch.Span(at(60), at(120), 5));
  }

  @Test
  void recountSkipsAnHourWithAHoleAndCountsBucketsOfAnInstantTogether() {
    Instant instant = at(70);
    List<CommittedWindows.Committed> windows = List.of(committed(at(0), at(20), 1), committed(at(40), at(60), 1),
        committed(at(60), instant, 2), bucket(instant, new Bucket(0, 2), 500), bucket(instant, new Bucket(1, 2), 500),
        committed(instant.plus(KustoTime.TICK), at(120), 3));

    assertThat(LateCommitWatch.comparableSpans(windows, at(120))).containsExactly(
        new LateCommitWatch.Span(at(60), at(120), 1005));
  }

  @Test
  void recountComparesADayWindowAsAWhole() {
    Instant day = T0;
    List<CommittedWindows.Committed> windows = List.of(committed(day, day.plus(Duration.ofDays(1)), 96));

    assertThat(LateCommitWatch.comparableSpans(windows, day.plus(Duration.ofDays(1)))).containsExactly(
        new LateCommitWatch.Span(day, day.plus(Duration.ofDays(1)), 96));
  }

  @Test
  void aRepairInAnotherLayoutSupersedesTheWindowsItReplaced() {
    CommittedWindows.Committed hour = committed(at(0), at(60), 4);
    CommittedWindows.Committed next = committed(at(60), at(120), 3);
    Instant later = T0.plus(Duration.ofDays(1));
    CommittedWindows.Committed firstHalf = new CommittedWindows.Committed(
        WindowId.of("", "DeviceInfo", Window.of(at(0), at(30))), at(0), at(30), 3, "Repaired", later);
    CommittedWindows.Committed secondHalf = new CommittedWindows.Committed(
        WindowId.of("", "DeviceInfo", Window.of(at(30), at(60))), at(30), at(60), 2, "Repaired", later);
    Instant instant = at(150);
    CommittedWindows.Committed b0 = bucket(instant, new Bucket(0, 2), 500);
    CommittedWindows.Committed b1 = new CommittedWindows.Committed(
        WindowId.of("", "DeviceInfo", new Window(instant, instant.plus(KustoTime.TICK), new Bucket(1, 2))), instant,
        instant.plus(KustoTime.TICK), 500, "Succeeded", T0.plus(Duration.ofSeconds(1)));

    assertThat(CommittedWindows.current(List.of(hour, next, firstHalf, secondHalf, b0, b1)))
        .containsExactly(firstHalf, secondHalf, next, b0, b1);
  }
}
