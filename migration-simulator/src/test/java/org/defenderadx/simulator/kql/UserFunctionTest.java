package org.defenderadx.simulator.kql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.defenderadx.simulator.kql.InMemoryCatalog.col;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class UserFunctionTest {
  private final KqlEngine engine = new KqlEngine();
  private final InMemoryCatalog catalog = new InMemoryCatalog();

  UserFunctionTest() {
    InMemoryCatalog.Table t = catalog.table("T", col("x", KqlType.LONG), col("s", KqlType.STRING));
    for (long i = 1; i <= 5; i++) {
      t.add(Instant.EPOCH, i, "s" + i);
    }
  }

  private List<List<Object>> rows(String kql) {
    return engine.execute(kql, new QueryContext(catalog, Instant.EPOCH)).toList().stream().map(Arrays::asList)
        .collect(Collectors.toList());
  }

  @Test
  void scalarFunctionsSeeRowValuedArguments() {
    assertThat(rows("let twice = (v:long) { v * 2 };\nlet label = (v:long, p:string = 'n') { let q = strcat(p, v); q };"
        + "\nT | where x <= 2 | project d = twice(x), l = label(x), m = label(x, 'm')"))
        .containsExactly(List.of(2L, "n1", "m1"), List.of(4L, "n2", "m2"));
  }

  @Test
  void tabularFunctionsTakeScalarAndTableArguments() {
    assertThat(rows("let firstN = (n:long) { T | order by x asc | take n }; firstN(2) | project x"))
        .containsExactly(List.of(1L), List.of(2L));
    assertThat(rows("let big = (src:(*), floor:long) { src | where x > floor };"
        + " big(T | where x != 5, 2) | count")).containsExactly(List.of(2L));
    assertThat(rows("let all = () { T }; all() | count")).containsExactly(List.of(5L));
  }

  @Test
  void invokePassesThePipeAsTheFirstArgument() {
    assertThat(rows("let above = (src:(*), floor:long) { src | where x > floor | project x };"
        + " T | where x != 4 | invoke above(2)")).containsExactly(List.of(3L), List.of(5L));
  }

  @Test
  void wrongArgumentCountIsASyntaxError() {
    assertThatThrownBy(() -> rows("let f = (a:long) { a }; print f(1, 2)"))
        .isInstanceOfSatisfying(KqlException.class, e -> assertThat(e.kind()).isEqualTo(KqlException.Kind.SYNTAX));
  }
}
