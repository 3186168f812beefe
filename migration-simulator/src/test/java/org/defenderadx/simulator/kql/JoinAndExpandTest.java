package org.defenderadx.simulator.kql;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class JoinAndExpandTest {
  private static final String L = "let L = datatable(Key:long, A:string)[1, 'a1', 1, 'a1bis', 2, 'a2', 3, 'a3', long(null), 'an'];";
  private static final String R = "let R = datatable(Key:long, B:string)[1, 'b1', 2, 'b2', 2, 'b2bis', 4, 'b4'];";
  private final KqlEngine engine = new KqlEngine();

  private QueryResult run(String kql) {
    return engine.execute(kql, new QueryContext(new InMemoryCatalog(), Instant.parse("2026-11-01T00:00:00Z")));
  }

  private List<List<Object>> rows(String kql) {
    return run(kql).toList().stream().map(Arrays::asList).collect(Collectors.toList());
  }

  @Test
  void innerJoinPairsEveryMatchAndSuffixesClashingColumns() {
    QueryResult r = run(L + R + "L | join kind=inner R on Key");
    assertThat(r.columns().stream().map(Column::name).collect(Collectors.toList()))
        .containsExactly("Key", "A", "Key1", "B");
    assertThat(r.toList().stream().map(Arrays::asList).collect(Collectors.toList())).containsExactly(
        List.of(1L, "a1", 1L, "b1"), List.of(1L, "a1bis", 1L, "b1"), List.of(2L, "a2", 2L, "b2"),
        List.of(2L, "a2", 2L, "b2bis"));
  }

  @Test
  void defaultJoinKeepsTheFirstLeftRowPerKey() {
    assertThat(rows(L + R + "L | join (R | where B != 'b2bis') on $left.Key == $right.Key | project A, B"))
        .containsExactly(List.of("a1", "b1"), List.of("a2", "b2"));
  }

  @Test
  void outerAntiAndSemiJoins() {
    assertThat(rows(L + R + "L | join kind=leftouter R on Key | where isnull(Key1) | project A"))
        .containsExactly(List.of("a3"), List.of("an"));
    assertThat(rows(L + R + "L | join kind=leftanti R on Key | project A"))
        .containsExactly(List.of("a3"), List.of("an"));
    assertThat(rows(L + R + "L | join kind=leftsemi R on Key | project A"))
        .containsExactly(List.of("a1"), List.of("a1bis"), List.of("a2"));
    assertThat(rows(L + R + "L | join kind=rightanti R on Key")).containsExactly(List.of(4L, "b4"));
    assertThat(rows(L + R + "L | join kind=fullouter R on Key | count")).containsExactly(List.of(7L));
  }

  @Test
  void mvExpandsArraysAndBags() {
    assertThat(rows("datatable(Id:long, Tags:dynamic)[1, dynamic(['x', 'y']), 2, dynamic([]), 3, dynamic({'k':1})]"
        + " | mv-expand Tag = Tags to typeof(string) | project Id, Tag")).containsExactly(List.of(1L, "x"),
        List.of(1L, "y"), List.of(3L, "{\"k\":1}"));
    assertThat(rows("print t = dynamic([1, 2]) | mv-expand t | extend u = tolong(t) * 10 | project u"))
        .containsExactly(List.of(10L), List.of(20L));
  }

  @Test
  void projectReorderMovesNamedColumnsFirst() {
    QueryResult r = run("print a = 1, b = 2, c = 3 | project-reorder c, b");
    assertThat(r.columns().stream().map(Column::name).collect(Collectors.toList())).containsExactly("c", "b", "a");
    assertThat(r.toList().get(0)).containsExactly(3L, 2L, 1L);
  }

  @Test
  void summarizeEvaluatesExpressionsOverAggregates() {
    QueryResult r = run("datatable(G:string, T:datetime, N:long)['a', datetime(2026-11-01), 1,"
        + " 'a', datetime(2026-11-01T02:00:00Z), 2, 'b', datetime(2026-11-02), 5]"
        + " | summarize Span = max(T) - min(T), Twice = count() * 2, Avg = round(sum(N) * 1.0 / count(), 2),"
        + " Names = tostring(make_set(N)) by G | order by G asc");
    assertThat(r.columns().stream().map(Column::type).collect(Collectors.toList())).containsExactly(KqlType.STRING,
        KqlType.TIMESPAN, KqlType.LONG, KqlType.REAL, KqlType.STRING);
    assertThat(r.toList().stream().map(Arrays::asList).collect(Collectors.toList())).containsExactly(
        List.of("a", Duration.ofHours(2), 4L, 1.5, "[1,2]"), List.of("b", Duration.ZERO, 2L, 5.0, "[5]"));
  }

  @Test
  void conditionalAndStatisticalAggregates() {
    QueryResult r = run("range x from 1 to 10 step 1 | extend g = x % 2"
        + " | summarize sumif(x, x > 5), maxif(x, x < 5), dcountif(g, x > 8), make_list_if(x, x <= 2),"
        + " p50 = percentile(x, 50), sd = round(stdev(x), 4), v = variance(x), b = make_bag(bag_pack(tostring(g), x))");
    assertThat(r.columns().stream().map(Column::name).collect(Collectors.toList())).containsExactly("sumif_x",
        "maxif_x", "dcountif_g", "list_x", "p50", "sd", "v", "b");
    assertThat(r.toList().get(0)).containsExactly(40L, 4L, 2L, List.of(1L, 2L), 5L, 3.0277,
        55.0 / 6.0, java.util.Map.of("1", 1L, "0", 2L));
  }

  @Test
  void summarizeByWithoutAggregatesIsDistinctKeys() {
    assertThat(rows(L + "L | summarize by Key | count")).containsExactly(List.of(4L));
  }
}
