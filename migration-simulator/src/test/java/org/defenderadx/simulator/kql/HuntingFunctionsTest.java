package org.defenderadx.simulator.kql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Scalar functions that the hunting query corpus needs beyond the export queries' surface. */
class HuntingFunctionsTest {
  private final KqlEngine engine = new KqlEngine();

  private QueryResult run(String kql) {
    return engine.execute(kql, new QueryContext(new InMemoryCatalog(), Instant.parse("2026-11-01T00:00:00Z")));
  }

  private List<Object> row(String kql) {
    List<Object[]> rows = run(kql).toList();
    assertThat(rows).hasSize(1);
    return Arrays.asList(rows.get(0));
  }

  @Test
  void arraySortOrdersNumbersBeforeStringsAndNullsLastByDefault() {
    assertThat(row("print a = array_sort_asc(dynamic([3, 'b', 1, null, 'a', 2.5])),"
        + " d = array_sort_desc(dynamic([3, 'b', 1, null, 'a'])),"
        + " f = array_sort_asc(dynamic([3, null, 1]), false), n = array_sort_asc('not an array')"))
        .containsExactly(Arrays.asList(1L, 2.5, 3L, "a", "b", null), Arrays.asList("b", "a", 3L, 1L, null),
            Arrays.asList(null, 1L, 3L), null);
  }

  @Test
  void arraySortOfMakeSetGivesAnOrderFreeSummary() {
    List<List<Object>> rows = run("datatable(G:string, V:string)['x', 'c', 'x', 'a', 'y', 'b', 'x', 'b', 'x', 'a']"
        + " | summarize S = array_sort_asc(make_set(V)) by G | order by G asc").toList().stream()
        .map(Arrays::asList).collect(Collectors.toList());
    assertThat(rows).containsExactly(List.of("x", List.of("a", "b", "c")), List.of("y", List.of("b")));
  }

  @Test
  void arraySortRejectsFurtherArraysItCannotReturn() {
    assertThatThrownBy(() -> run("print array_sort_asc(dynamic([2, 1]), dynamic(['b', 'a']))"))
        .isInstanceOf(KqlException.class).hasMessageContaining("only one array");
  }

  @Test
  void hourOfDayAndDayOfMonthAreInts() {
    QueryResult r = run("print h = hourofday(datetime(2026-11-03T23:59:59.9999999Z)),"
        + " d = dayofmonth(datetime(2026-11-03T10:00:00Z)), n = hourofday(datetime(null))");
    assertThat(r.columns().stream().map(Column::type).collect(Collectors.toList()))
        .containsExactly(KqlType.INT, KqlType.INT, KqlType.INT);
    assertThat(Arrays.asList(r.toList().get(0))).containsExactly(23, 3, null);
  }

  @Test
  void stringSizeCountsUtf8Bytes() {
    assertThat(row("print a = string_size('abc'), b = string_size('é'), c = string_size('')"))
        .containsExactly(3L, 2L, 0L);
  }

  @Test
  void binAtAlignsBinsOnTheFixedPoint() {
    assertThat(row("print t = bin_at(datetime(2026-11-01T10:14:00Z), 1h, datetime(2026-11-01T00:30:00Z)),"
        + " e = bin_at(datetime(2026-11-01T00:10:00Z), 1h, datetime(2026-11-01T00:30:00Z)),"
        + " n = bin_at(7, 5, 1), r = bin_at(6.5, 2.0, 0.5), s = bin_at(1h, 1d, 12h)"))
        .containsExactly(Instant.parse("2026-11-01T09:30:00Z"), Instant.parse("2026-10-31T23:30:00Z"), 6L, 6.5,
            java.time.Duration.ofHours(-12));
  }

  @Test
  void ipv4IsPrivateCoversTheThreePrivateRangesAndRejectsNonAddresses() {
    assertThat(row("print a = ipv4_is_private('10.1.2.3'), b = ipv4_is_private('172.31.255.255'),"
        + " c = ipv4_is_private('172.32.0.1'), d = ipv4_is_private('192.168.1.1/24'), e = ipv4_is_private('8.8.8.8'),"
        + " f = ipv4_is_private('127.0.0.1'), g = ipv4_is_private('fe80::1'), h = ipv4_is_private('10.1.2.300')"))
        .containsExactly(true, true, false, true, false, false, null, null);
  }
}
