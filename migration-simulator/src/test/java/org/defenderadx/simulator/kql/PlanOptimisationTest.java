package org.defenderadx.simulator.kql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.simulator.kql.InMemoryCatalog.col;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Scan hints and sort/limit fusion must change cost only, never results. */
class PlanOptimisationTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  private final KqlEngine engine = new KqlEngine();
  private final InMemoryCatalog catalog = new InMemoryCatalog();
  private InMemoryCatalog.Table table;

  @BeforeEach
  void fill() {
    table = catalog.table("T", col("Id", KqlType.LONG), col("Key", KqlType.LONG));
    Random rnd = new Random(7);
    for (long i = 0; i < 500; i++) {
      table.add(T0.plusSeconds(60L * rnd.nextInt(300)), i, (long) rnd.nextInt(40));
    }
  }

  private List<List<Object>> rows(String kql) {
    return engine.execute(kql, new QueryContext(catalog, T0)).toList().stream().map(Arrays::asList)
        .collect(Collectors.toList());
  }

  @Test
  void pushesTheHintThroughExtendAsTheSeedQueryForNoneTablesNeedsIt() {
    List<List<Object>> got = rows("T | extend IngestionTime = ingestion_time()"
        + " | where ingestion_time() > datetime(2026-11-01T04:00:00.0000000Z) | count");
    assertThat(table.lastHint.get().from()).isEqualTo(T0.plus(Duration.ofHours(4)));
    long expected = table.rows.stream().filter(r -> r.ingestionTime().isAfter(T0.plus(Duration.ofHours(4)))).count();
    assertThat(got).containsExactly(List.of(expected));
  }

  @Test
  void doesNotPushTheHintPastRowNumbering() {
    List<List<Object>> got = rows("T | extend rn = row_number()"
        + " | where ingestion_time() >= datetime(2026-11-01T02:00:00.0000000Z) | summarize max(rn)");
    assertThat(table.lastHint.get()).isEqualTo(IngestionTimeRange.ALL);
    long lastIndex = 0;
    for (int i = 0; i < table.rows.size(); i++) {
      if (!table.rows.get(i).ingestionTime().isBefore(T0.plus(Duration.ofHours(2)))) {
        lastIndex = i + 1;
      }
    }
    assertThat(got).containsExactly(List.of(lastIndex));
  }

  @Test
  void fusedSortLimitsReturnWhatAFullSortReturns() {
    // "extend k = 1" between the sort and the take/window defeats the fusion, giving the unfused answer.
    for (String order : List.of("Key asc", "Key desc", "Key asc, Id desc", "ingestion_time() desc")) {
      for (int[] w : new int[][] {{1, 10}, {95, 130}, {480, 600}}) {
        String fused = "T | order by " + order + " | serialize rn = row_number() | where rn between (" + w[0]
            + " .. " + w[1] + ") | project Id";
        String unfused = "T | order by " + order + " | extend k = 1 | serialize rn = row_number() | where rn between ("
            + w[0] + " .. " + w[1] + ") | project Id";
        assertThat(rows(fused)).as(fused).isEqualTo(rows(unfused)).isNotEmpty();
      }
      assertThat(rows("T | order by " + order + " | take 17 | project Id"))
          .isEqualTo(rows("T | order by " + order + " | extend k = 1 | take 17 | project Id"));
      assertThat(rows("T | top 17 by Key | project Id")).isEqualTo(rows("T | order by Key | extend k = 1 | take 17"
          + " | project Id"));
    }
  }

  /** A table whose scan order flips on every scan: what a store with concurrent writes may do between scans. */
  private static TableSource flipping(List<StoredRow> rows, java.util.concurrent.atomic.AtomicInteger scans) {
    return new TableSource() {
      @Override
      public String name() {
        return "Big";
      }

      @Override
      public List<Column> columns() {
        return List.of(col("Id", KqlType.LONG), col("Key", KqlType.LONG), col("Pad", KqlType.STRING));
      }

      @Override
      public java.util.Iterator<StoredRow> scan(IngestionTimeRange hint) {
        List<StoredRow> copy = new java.util.ArrayList<>(rows);
        if (scans.getAndIncrement() % 2 == 1) {
          java.util.Collections.reverse(copy);
        }
        return copy.iterator();
      }
    };
  }

  @Test
  void deepRowNumberWindowsOverLargeInputsMatchAFullSortAndChargeTheInputOnce() {
    InMemoryCatalog.Table big = catalog.table("Big", col("Id", KqlType.LONG), col("Key", KqlType.LONG),
        col("Pad", KqlType.STRING));
    Random rnd = new Random(11);
    for (long i = 0; i < 60_000; i++) {
      big.add(T0.plusMillis(rnd.nextInt(1_000_000)), i, (long) rnd.nextInt(5_000), "p" + i);
    }
    String window = "Big | order by Key asc, ingestion_time() desc | serialize rn = row_number()"
        + " | where rn between (40001 .. 42000) | project-away rn";
    QueryResult fused = engine.execute(window, new QueryContext(catalog, T0));
    List<Object[]> got = fused.toList();
    assertThat(fused.stats().rowsScanned()).isEqualTo(60_000);
    assertThat(fused.stats().rowsSorted()).isEqualTo(60_000);
    List<List<Object>> expected = rows("Big | order by Key asc, ingestion_time() desc | extend k = 1"
        + " | serialize rn = row_number() | where rn between (40001 .. 42000) | project-away rn, k");
    assertThat(got.stream().map(Arrays::asList).collect(Collectors.toList())).hasSize(2000).isEqualTo(expected);
    assertThat(rows("Big | order by Id desc | extend n = row_number() | where n > 30000 and n <= 30003"
        + " | project Id, n")).containsExactly(List.of(29_999L, 30_001L), List.of(29_998L, 30_002L),
        List.of(29_997L, 30_003L));
  }

  @Test
  void twoPassWindowStaysCorrectWhenTheSourceReordersBetweenScans() {
    List<StoredRow> rows = new java.util.ArrayList<>();
    for (long i = 0; i < 30_000; i++) {
      rows.add(new StoredRow(new Object[] {i, i * 7 % 30_000, "x"}, T0));
    }
    java.util.concurrent.atomic.AtomicInteger scans = new java.util.concurrent.atomic.AtomicInteger();
    TableSource source = flipping(rows, scans);
    Catalog flippingCatalog = new Catalog() {
      @Override
      public java.util.Optional<TableSource> table(String name) {
        return name.equals("Big") ? java.util.Optional.of(source) : java.util.Optional.empty();
      }

      @Override
      public java.util.Optional<StoredFunction> function(String name) {
        return java.util.Optional.empty();
      }
    };
    List<Object[]> got = engine.execute("Big | order by Key asc | serialize rn = row_number()"
        + " | where rn between (20001 .. 20005) | project Key, rn", new QueryContext(flippingCatalog, T0)).toList();
    assertThat(got.stream().map(Arrays::asList).collect(Collectors.toList())).containsExactly(
        List.of(20_000L, 20_001L), List.of(20_001L, 20_002L), List.of(20_002L, 20_003L), List.of(20_003L, 20_004L),
        List.of(20_004L, 20_005L));
    assertThat(scans.get()).as("keys pass, rows pass, then a one-pass reread after the mismatch").isEqualTo(3);
  }

  @Test
  void setFunctionsOverExtentTags() {
    InMemoryCatalog.Table tagged = catalog.table("Tagged", col("x", KqlType.LONG));
    tagged.rows.add(new StoredRow(new Object[] {1L}, T0, List.of("ingest-by:a")));
    tagged.rows.add(new StoredRow(new Object[] {2L}, T0, List.of("ingest-by:b")));
    assertThat(rows("Tagged | where set_has_element(extent_tags(), 'ingest-by:b') | project x"))
        .containsExactly(List.of(2L));
    assertThat(rows("Tagged | project i = array_index_of(extent_tags(), 'ingest-by:a')"))
        .containsExactly(List.of(0L), List.of(-1L));
  }
}
