package org.defenderadx.simulator.defender;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.defenderadx.simulator.defender.data.EventTable;
import org.defenderadx.simulator.defender.data.Profile;
import org.defenderadx.simulator.defender.data.SimulatedTenant;
import org.defenderadx.simulator.defender.data.SimulatedTenant.TimestampFilter;
import org.defenderadx.simulator.defender.http.JsonSink;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.defenderadx.simulator.kql.StoredRow;
import org.defenderadx.simulator.kql.TableSource;
import org.junit.jupiter.api.Test;

class SimulatedTenantTest {
  static final Instant ANCHOR = Instant.parse("2026-11-15T00:00:00Z");
  static final SimulatedTenant TENANT = tenant(42);

  static SimulatedTenant tenant(long seed) {
    return new SimulatedTenant(seed, Profile.SMALL, ANCHOR, Duration.ofDays(30), Duration.ofHours(6));
  }

  static List<StoredRow> scan(SimulatedTenant t, String table, Instant at, IngestionTimeRange range) {
    List<StoredRow> out = new ArrayList<>();
    for (Iterator<StoredRow> it = t.at(at, TimestampFilter.NONE).table(table).orElseThrow().scan(range);
         it.hasNext(); ) {
      out.add(it.next());
    }
    return out;
  }

  static List<String> digests(SimulatedTenant t, String table, Instant at) {
    TableSource src = t.at(at, TimestampFilter.NONE).table(table).orElseThrow();
    List<String> d = new ArrayList<>();
    for (StoredRow r : scan(t, table, at, IngestionTimeRange.ALL)) {
      d.add(RowDigest.of(src.columns(), r.values()));
    }
    return d;
  }

  @Test
  void sameSeedGivesSameRowsAndOtherSeedGivesOthers() {
    SimulatedTenant again = tenant(42);
    SimulatedTenant other = tenant(43);
    for (String table : List.of("DeviceProcessEvents", "DeviceInfo", "DeviceTvmSoftwareInventory")) {
      List<String> a = digests(TENANT, table, ANCHOR);
      assertThat(a).isNotEmpty();
      assertThat(digests(again, table, ANCHOR)).isEqualTo(a);
      assertThat(digests(other, table, ANCHOR)).doesNotContainAnyElementsOf(a);
    }
  }

  @Test
  void smallProfileHoldsAboutTenThousandRowsInEightEventAndNineSnapshotTables() {
    long total = 0;
    for (String table : TENANT.tableNames()) {
      total += scan(TENANT, table, ANCHOR, IngestionTimeRange.ALL).size();
    }
    assertThat(TENANT.tableNames()).hasSize(17).contains("DeviceNetworkEvents", "DeviceProcessEvents",
        "DeviceFileEvents", "DeviceLogonEvents", "DeviceRegistryEvents", "DeviceEvents", "DeviceInfo", "AlertInfo",
        "DeviceTvmSoftwareVulnerabilities", "DeviceTvmCertificateInfo", "DeviceBaselineComplianceProfiles");
    assertThat(total).isBetween(7_000L, 15_000L);
  }

  @Test
  void oneIngestionInstantHoldsMoreRowsThanTheScaledDownCap() {
    Map<Instant, Integer> perInstant = new HashMap<>();
    for (StoredRow r : scan(TENANT, "DeviceProcessEvents", ANCHOR, IngestionTimeRange.ALL)) {
      perInstant.merge(r.ingestionTime(), 1, Integer::sum);
    }
    assertThat(perInstant.values().stream().mapToInt(i -> i).max().orElse(0)).isGreaterThanOrEqualTo(1_500);
    // Batches: ordinary instants are shared by several rows too.
    assertThat(perInstant.values().stream().filter(n -> n > 1 && n < 100).count()).isGreaterThan(10);
  }

  @Test
  void someEventsArriveHoursOrDaysAfterTheirTimestamp() {
    long hoursLate = 0;
    long daysLate = 0;
    for (StoredRow r : scan(TENANT, "DeviceNetworkEvents", ANCHOR, IngestionTimeRange.ALL)) {
      Duration late = Duration.between((Instant) r.values()[0], r.ingestionTime());
      assertThat(late.isNegative()).isFalse();
      if (late.compareTo(Duration.ofHours(1)) > 0) {
        hoursLate++;
      }
      if (late.compareTo(Duration.ofDays(1)) > 0) {
        daysLate++;
      }
    }
    assertThat(hoursLate).isPositive();
    assertThat(daysLate).isPositive();
  }

  @Test
  void rowsKeepArrivingAndAgeOutAsTheClockMoves() {
    IngestionTimeRange all = IngestionTimeRange.ALL;
    List<StoredRow> now = scan(TENANT, "DeviceFileEvents", ANCHOR, all);
    List<StoredRow> later = scan(TENANT, "DeviceFileEvents", ANCHOR.plus(Duration.ofHours(12)), all);
    assertThat(now).allMatch(r -> !r.ingestionTime().isAfter(ANCHOR)
        && !r.ingestionTime().isBefore(ANCHOR.minus(Duration.ofDays(30))));
    assertThat(later.get(later.size() - 1).ingestionTime()).isAfter(ANCHOR);
    assertThat(later.get(0).ingestionTime()).isAfter(now.get(0).ingestionTime());
  }

  @Test
  void columnAddedMidPeriodIsNullForOlderRowsAndAppearsInTheSchemaWhenTheClockPassesIt() {
    String table = "DeviceNetworkEvents";
    List<Column> before = TENANT.at(ANCHOR, TimestampFilter.NONE).table(table).orElseThrow().columns();
    List<Column> after = TENANT.at(ANCHOR.plus(Duration.ofHours(12)), TimestampFilter.NONE).table(table)
        .orElseThrow().columns();
    assertThat(before).extracting(Column::name).doesNotContain("LogonID");
    assertThat(after).extracting(Column::name).endsWith("LogonID");
    List<StoredRow> rows = scan(TENANT, table, ANCHOR.plus(Duration.ofHours(12)), IngestionTimeRange.ALL);
    assertThat(rows).anyMatch(r -> r.ingestionTime().isBefore(ANCHOR) && r.value(after.size() - 1) == null);
    assertThat(rows).anyMatch(r -> r.ingestionTime().isAfter(ANCHOR.plus(Duration.ofHours(2)))
        && r.value(after.size() - 1) != null);
  }

  @Test
  void snapshotTablesShareOneIngestionInstantPerRefreshAndChangeBetweenRefreshes() {
    String table = "DeviceTvmSoftwareInventory";
    List<StoredRow> first = scan(TENANT, table, ANCHOR.plus(Duration.ofHours(1)), IngestionTimeRange.ALL);
    List<StoredRow> second = scan(TENANT, table, ANCHOR.plus(Duration.ofHours(7)), IngestionTimeRange.ALL);
    assertThat(first).extracting(StoredRow::ingestionTime).containsOnly(ANCHOR);
    assertThat(second).extracting(StoredRow::ingestionTime).containsOnly(ANCHOR.plus(Duration.ofHours(6)));
    List<String> a = digests(TENANT, table, ANCHOR.plus(Duration.ofHours(1)));
    List<String> b = digests(TENANT, table, ANCHOR.plus(Duration.ofHours(7)));
    assertThat(b).containsAnyElementsOf(a);
    assertThat(b).isNotEqualTo(a);
    assertThat(TENANT.at(ANCHOR, TimestampFilter.NONE).table(table).orElseThrow().columns())
        .extracting(Column::name).doesNotContain("Timestamp");
  }

  @Test
  void scanJumpsToTheHintedRangeAndKeepsItsHalfOpenBounds() {
    EventTable t = TENANT.eventTable("DeviceProcessEvents").orElseThrow();
    long[] ticks = t.ingestTicks();
    Instant from = ANCHOR.minus(Duration.ofDays(3));
    Instant to = ANCHOR.minus(Duration.ofDays(2));
    List<StoredRow> rows = scan(TENANT, "DeviceProcessEvents", ANCHOR, new IngestionTimeRange(from, to));
    assertThat(rows).isNotEmpty().allMatch(r -> !r.ingestionTime().isBefore(from) && r.ingestionTime().isBefore(to));
    long expected = java.util.Arrays.stream(ticks)
        .filter(x -> x >= from.getEpochSecond() * 10_000_000L && x < to.getEpochSecond() * 10_000_000L).count();
    assertThat((long) rows.size()).isEqualTo(expected);
  }

  @Test
  void rowsCarryHostileStringsNullsAndNestedDynamicValues() {
    List<StoredRow> rows = scan(TENANT, "DeviceEvents", ANCHOR, IngestionTimeRange.ALL);
    List<Object> values = new ArrayList<>();
    rows.forEach(r -> values.addAll(java.util.Arrays.asList(r.values())));
    assertThat(values).anyMatch(v -> v instanceof String s && s.contains("\n"));
    assertThat(values).anyMatch(v -> v instanceof String s && s.contains("\"") && s.contains("\\"));
    assertThat(values).anyMatch(v -> v instanceof String s && s.codePoints().anyMatch(c -> c > 0xFFFF));
    assertThat(values).anyMatch(v -> v instanceof String s && s.chars().anyMatch(c -> c >= 0x4E00 && c < 0xA000));
    assertThat(values).contains((Object) null);
    assertThat(values).anyMatch(v -> v instanceof Map<?, ?> m && m.values().stream().anyMatch(x -> x instanceof Map));
  }

  @Test
  void eventRowsAreKilobytesOfJsonAndSnapshotRowsAFewHundredBytes() {
    assertThat(averageJsonWidth("DeviceProcessEvents")).isBetween(1_500, 3_500);
    assertThat(averageJsonWidth("DeviceLogonEvents")).isBetween(1_000, 3_000);
    assertThat(averageJsonWidth("DeviceTvmSoftwareInventory")).isBetween(200, 800);
  }

  private static int averageJsonWidth(String table) {
    TableSource src = TENANT.at(ANCHOR, TimestampFilter.NONE).table(table).orElseThrow();
    List<StoredRow> rows = scan(TENANT, table, ANCHOR, IngestionTimeRange.ALL);
    long bytes = 0;
    for (StoredRow r : rows) {
      JsonSink sink = new JsonSink(4096);
      sink.raw('{');
      for (int c = 0; c < src.columns().size(); c++) {
        sink.string(src.columns().get(c).name()).raw(':').value(r.value(c)).raw(',');
      }
      bytes += sink.length();
    }
    return (int) (bytes / rows.size());
  }
}
