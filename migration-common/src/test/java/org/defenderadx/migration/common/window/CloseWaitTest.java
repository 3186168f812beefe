package org.defenderadx.migration.common.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CloseWaitTest {

  private static final WindowGrid HOURLY = new WindowGrid(Duration.ofHours(1));
  private static final CloseWait TEN_MINUTES = new CloseWait(HOURLY, Duration.ofMinutes(10));
  private static final Instant HORIZON = Instant.parse("2026-10-16T00:10:00Z");

  @Test
  void aBackfillStartedMinutesBeforeTheNextCloseWaitsForItSoTheCellJoinsItsUnits() {
    // 00:00 less a 5-minute settle lag: the hour 23:00-00:00 closes in 5 minutes.
    Instant close = Instant.parse("2026-11-14T23:55:00Z");
    assertThat(TEN_MINUTES.before(Optional.empty(), HORIZON, close)).contains(Duration.ofMinutes(5));
    assertThat(TEN_MINUTES.before(Optional.of(WindowProgress.at(Instant.parse("2026-11-10T00:00:00Z"))), HORIZON,
        close)).contains(Duration.ofMinutes(5));
  }

  @Test
  void aCloseFurtherAwayThanTheLongestWaitStartsNow() {
    Instant close = Instant.parse("2026-11-14T23:49:59Z");
    assertThat(TEN_MINUTES.before(Optional.empty(), HORIZON, close)).isEmpty();
    assertThat(TEN_MINUTES.before(Optional.empty(), HORIZON, Instant.parse("2026-11-14T23:50:00Z")))
        .contains(Duration.ofMinutes(10));
  }

  @Test
  void rightOnACellBoundaryTheNextCloseIsAWholeCellAway() {
    assertThat(TEN_MINUTES.before(Optional.empty(), HORIZON, Instant.parse("2026-11-15T00:00:00Z"))).isEmpty();
  }

  @Test
  void aTableWithNoClosedCellToExportHasNothingToWaitFor() {
    Instant close = Instant.parse("2026-11-14T23:55:00Z");
    WindowProgress caughtUp = WindowProgress.at(Instant.parse("2026-11-14T23:00:00Z"));
    assertThat(TEN_MINUTES.before(Optional.of(caughtUp), HORIZON, close)).isEmpty();
  }

  @Test
  void theWaitIsAtMostAQuarterOfACellAndZeroTurnsItOff() {
    CloseWait fiveMinuteCells = new CloseWait(new WindowGrid(Duration.ofMinutes(5)), Duration.ofMinutes(10));
    assertThat(fiveMinuteCells.longestWait()).isEqualTo(Duration.ofSeconds(75));
    assertThat(fiveMinuteCells.before(Optional.empty(), HORIZON, Instant.parse("2026-11-14T23:58:00Z"))).isEmpty();
    assertThat(fiveMinuteCells.before(Optional.empty(), HORIZON, Instant.parse("2026-11-14T23:59:00Z")))
        .contains(Duration.ofMinutes(1));
    assertThat(CloseWait.none(HOURLY).before(Optional.empty(), HORIZON, Instant.parse("2026-11-14T23:59:00Z")))
        .isEmpty();
    assertThatThrownBy(() -> new CloseWait(HOURLY, Duration.ofMinutes(-1))).isInstanceOf(IllegalArgumentException.class);
  }
}
