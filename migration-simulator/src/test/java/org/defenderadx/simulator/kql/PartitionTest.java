package org.defenderadx.simulator.kql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.simulator.kql.InMemoryCatalog.col;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.defenderadx.simulator.kql.engine.Temporal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The migrator's exactly-once guarantee rests on these queries partitioning a table with no gaps or overlaps. */
class PartitionTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  private final KqlEngine engine = new KqlEngine();
  private final InMemoryCatalog catalog = new InMemoryCatalog();
  private static final int ROWS = 3000;

  @BeforeEach
  void fill() {
    Random rnd = new Random(42);
    InMemoryCatalog.Table events = catalog.table("DeviceProcessEvents", col("Id", KqlType.LONG),
        col("Timestamp", KqlType.DATETIME), col("DeviceId", KqlType.STRING), col("Records", KqlType.DYNAMIC));
    InMemoryCatalog.Table inventory = catalog.table("DeviceTvmSoftwareInventory", col("Id", KqlType.LONG),
        col("SoftwareName", KqlType.STRING));
    for (long i = 0; i < ROWS; i++) {
      // Ingestion times on a coarse grid so that many rows share an instant, some exactly on window edges,
      // plus a few at 100-ns offsets around the edges.
      long ticks = rnd.nextInt(5 * 3600) * 10_000_000L + (rnd.nextInt(10) == 0 ? rnd.nextInt(3) - 1 : 0);
      Instant ingested = T0.plusNanos(Math.max(0, ticks) * 100);
      Map<String, Object> rec = new HashMap<>();
      rec.put("n", i % 7);
      events.add(ingested, i, ingested.minusSeconds(rnd.nextInt(600)), "dev-" + rnd.nextInt(20), rec);
      inventory.add(ingested, i, "sw-" + (i % 50) + (rnd.nextBoolean() ? "é" : ""));
    }
  }

  private List<Object[]> run(String kql) {
    return engine.execute(kql, new QueryContext(catalog, T0.plus(Duration.ofDays(2)))).toList();
  }

  @Test
  void halfOpenWindowsCoverEveryRowExactlyOnce() {
    long[] seen = new long[ROWS];
    Duration step = Duration.ofMinutes(17);
    for (Instant lo = T0.minus(step); lo.isBefore(T0.plus(Duration.ofHours(6))); lo = lo.plus(step)) {
      String q = "let __lo = datetime(" + Temporal.format(lo) + ");\n"
          + "let __hi = datetime(" + Temporal.format(lo.plus(step)) + ");\n"
          + "let __w = DeviceProcessEvents\n"
          + "| where ingestion_time() >= __lo and ingestion_time() < __hi;\n"
          + "let __total = toscalar(__w | count);\n"
          + "__w\n"
          + "| extend __SourceIngestionTime = ingestion_time(), __WindowTotal = __total";
      List<Object[]> rows = run(q);
      for (Object[] r : rows) {
        seen[(int) (long) (Long) r[0]]++;
        assertThat((Long) r[5]).isEqualTo(rows.size());
        Instant t = (Instant) r[4];
        assertThat(t).isAfterOrEqualTo(lo).isBefore(lo.plus(step));
      }
    }
    for (int i = 0; i < ROWS; i++) {
      assertThat(seen[i]).as("row %d", i).isEqualTo(1);
    }
  }

  @Test
  void hashBucketsWithinAWindowPartitionIt() {
    String window = "DeviceProcessEvents | where ingestion_time() >= datetime(2026-11-01T01:00:00.0000000Z)"
        + " and ingestion_time() < datetime(2026-11-01T03:00:00.0000000Z)";
    long expected = (Long) run(window + " | count").get(0)[0];
    assertThat(expected).isGreaterThan(500);
    List<Long> ids = new ArrayList<>();
    int buckets = 16;
    for (int b = 0; b < buckets; b++) {
      List<Object[]> rows = run(window + "\n| where abs(hash_xxhash64(tostring(pack_all())) % " + buckets + ") == " + b);
      assertThat(rows.size()).as("bucket %d is neither empty nor everything", b).isBetween(1, (int) expected - 1);
      rows.forEach(r -> ids.add((Long) r[0]));
    }
    assertThat(ids).hasSize((int) expected).doesNotHaveDuplicates();
  }

  @Test
  void snapshotBucketsPartitionATableWithoutTimeColumn() {
    List<Long> ids = new ArrayList<>();
    int buckets = 8;
    for (int b = 0; b < buckets; b++) {
      String q = "let __s = DeviceTvmSoftwareInventory | where abs(hash_xxhash64(tostring(pack_all())) % "
          + buckets + ") == " + b + "; let __total = toscalar(__s | count); __s | extend __SourceIngestionTime ="
          + " ingestion_time(), __WindowTotal = __total";
      List<Object[]> rows = run(q);
      rows.forEach(r -> {
        ids.add((Long) r[0]);
        assertThat(r[3]).isEqualTo((long) rows.size());
      });
    }
    assertThat(ids).hasSize(ROWS).doesNotHaveDuplicates();
  }

  @Test
  void fingerprintCountsAndFindsLatestIngestion() {
    List<Object[]> rows = run("print Count = toscalar(DeviceTvmSoftwareInventory | count), MaxIngestion ="
        + " toscalar(DeviceTvmSoftwareInventory | summarize max(ingestion_time()))");
    assertThat(rows.get(0)[0]).isEqualTo((long) ROWS);
    Instant max = catalog.table("DeviceTvmSoftwareInventory").orElseThrow().scan(IngestionTimeRange.ALL)
        .next().ingestionTime();
    for (var it = catalog.table("DeviceTvmSoftwareInventory").orElseThrow().scan(IngestionTimeRange.ALL);
        it.hasNext(); ) {
      Instant t = it.next().ingestionTime();
      max = t.isAfter(max) ? t : max;
    }
    assertThat(rows.get(0)[1]).isEqualTo(max);
  }

  @Test
  void pagingWithRowNumberCoversTheTableOnce() {
    List<Long> ids = new ArrayList<>();
    int page = 700;
    for (int start = 1; ; start += page) {
      List<Object[]> rows = run("DeviceProcessEvents | order by ingestion_time() asc, Id asc"
          + " | serialize rn = row_number() | where rn between (" + start + " .. " + (start + page - 1) + ")"
          + " | project-away rn");
      if (rows.isEmpty()) {
        break;
      }
      rows.forEach(r -> ids.add((Long) r[0]));
    }
    assertThat(ids).hasSize(ROWS).doesNotHaveDuplicates();
  }
}
