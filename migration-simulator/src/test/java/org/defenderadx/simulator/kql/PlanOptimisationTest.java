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
