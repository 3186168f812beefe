package org.defenderadx.simulator.kql.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code array_sort_asc} and {@code array_sort_desc} over one array. Mixed element kinds sort as Kusto
 * documents: numbers (datetimes and timespans are numbers or strings once inside a dynamic array) before
 * strings before everything else; nulls go last unless {@code nulls_last} is false.
 */
final class ArraySort {
  private ArraySort() {
  }

  /** A sorted copy of {@code arr}, or null when {@code arr} is not an array (as Kusto returns). */
  static List<Object> sort(Object arr, boolean ascending, boolean nullsLast) {
    if (!(arr instanceof List<?> list)) {
      return null;
    }
    Comparator<Object> byValue = Comparator.comparingInt(ArraySort::kind).thenComparing(Values::compare);
    Comparator<Object> order = ascending ? byValue : byValue.reversed();
    List<Object> out = new ArrayList<>(list);
    out.sort(nullsLast ? Comparator.nullsLast(order) : Comparator.nullsFirst(order));
    return out;
  }

  private static int kind(Object v) {
    if (v instanceof Number) {
      return 0;
    }
    return v instanceof String ? 1 : 2;
  }
}
