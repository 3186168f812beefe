package org.defenderadx.migration.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.testing.TestClocks.MutableClock;
import org.junit.jupiter.api.Test;

/** Backfill progress in words: rows per second, how far behind, and when it will have caught up. */
class BackfillLogTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T12:00:00Z"));
  private final BackfillLog log = new BackfillLog(TimeSource.of(clock, 1.0), Duration.ofMinutes(5),
      Duration.ofHours(2));

  @Test
  void saysRowsPerSecondHowFarBehindAndWhenATableCatchesUp() {
    // GIVEN a table 10 days behind that committed a day of data (12,000 rows) in the last 30 seconds
    Instant w = clock.instant().minus(Duration.ofDays(11));
    log.audited(List.of(window("DeviceNetworkEvents", w, w.plus(Duration.ofHours(12)), 6_000),
        window("DeviceNetworkEvents", w.plus(Duration.ofHours(12)), w.plus(Duration.ofDays(1)), 6_000)));
    clock.advance(Duration.ofSeconds(30));

    // WHEN the periodic report runs THEN one line in words
    assertThat(log.report()).containsExactly("DeviceNetworkEvents: backfilling at 400 rows/s, exported up to "
        + "2026-11-10 12:00 UTC (9 d 23 h behind); about 5 min to catch up");

    // and nothing moved: nothing said
    clock.advance(Duration.ofSeconds(30));
    assertThat(log.report()).isEmpty();

    // WHEN it reaches the present THEN it says so, once
    Instant lo = w.plus(Duration.ofDays(1));
    log.audited(List.of(window("DeviceNetworkEvents", lo, clock.instant().minus(Duration.ofMinutes(10)), 50)));
    clock.advance(Duration.ofSeconds(30));
    assertThat(log.report()).singleElement().asString().startsWith("DeviceNetworkEvents: backfill done, caught up");
    log.audited(List.of(window("DeviceNetworkEvents", clock.instant().minus(Duration.ofMinutes(10)),
        clock.instant().minus(Duration.ofMinutes(6)), 5)));
    clock.advance(Duration.ofSeconds(30));
    assertThat(log.report()).isEmpty();
  }

  @Test
  void withRecordedUnitsTheTimeLeftIsTheCallsLeftAtTheCallsMade() {
    // GIVEN ten units recorded ahead (the census counted 20,000 more rows past them), two of them fetched in the last
    // 30 seconds, one call and 5,000 rows each
    Instant w = clock.instant().minus(Duration.ofDays(20));
    List<AuditRecord> planned = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      planned.add(new AuditRecord("DeviceProcessEventsRaw", w, "Planned", "", 5_000, "", "DeviceProcessEvents", "run",
          "u-" + i, w.plus(Duration.ofHours(i)), w.plus(Duration.ofHours(i + 1)), i == 0 ? 1 : 0, 0, 0,
          Duration.ZERO, "node", i == 0 ? Map.of("rowsCountedAfter", 20_000L) : Map.of()));
    }
    log.audited(planned);
    log.audited(List.of(window("DeviceProcessEvents", w, w.plus(Duration.ofHours(1)), 5_000),
        window("DeviceProcessEvents", w.plus(Duration.ofHours(1)), w.plus(Duration.ofHours(2)), 5_000)));
    clock.advance(Duration.ofSeconds(30));

    // WHEN the report runs THEN the time left is 12 calls (8 units, and 20,000 rows at 5,000 a call) at the 3 calls
    // (the census and two windows) of the last 30 seconds: 6 a minute, 2 minutes
    assertThat(log.report()).singleElement().asString()
        .endsWith("about 2 min to catch up (12 call(s) left at 6.0 a minute)");
  }

  @Test
  void saysWhenATableIsNotCatchingUp() {
    Instant w = clock.instant().minus(Duration.ofDays(20));
    log.audited(List.of(window("DeviceInfo", w, w.plusSeconds(10), 100)));
    clock.advance(Duration.ofSeconds(30));
    assertThat(log.report()).singleElement().asString().contains("3 rows/s")
        .endsWith("not catching up at this pace (the source adds data faster than it is exported)");
  }

  private static AuditRecord window(String table, Instant lo, Instant hi, long rows) {
    return new AuditRecord(table + "Raw", hi, "Succeeded", "", rows, "", table, "run", "w-" + lo, lo, hi, 1, 0, 0,
        Duration.ofSeconds(1), "node", Map.of());
  }
}
