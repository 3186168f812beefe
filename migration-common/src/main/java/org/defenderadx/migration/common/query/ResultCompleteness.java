package org.defenderadx.migration.common.query;

import java.util.OptionalLong;

/**
 * Whether a window result holds every row of the window. The API truncates silently at its row cap (and Graph
 * possibly below it at the byte cap), so each window query counts its rows in the same call
 * ({@code __WindowTotal}); fewer rows returned than counted means the result was cut.
 */
public enum ResultCompleteness {
  /** Every row arrived. */
  COMPLETE,
  /** Fewer rows than the window holds: split the window and try again. */
  TRUNCATED,
  /** More rows than counted, or rows disagreeing on the total: the result cannot be trusted; retry the window. */
  INCONSISTENT;

  /**
   * @param rowsReturned rows in the result
   * @param windowTotal the {@code __WindowTotal} value, empty when no row carried one (an empty result)
   */
  public static ResultCompleteness of(long rowsReturned, OptionalLong windowTotal) {
    if (rowsReturned < 0) {
      throw new IllegalArgumentException("negative row count " + rowsReturned);
    }
    if (windowTotal.isEmpty()) {
      // An empty result has no row to carry the total; a non-empty one must.
      return rowsReturned == 0 ? COMPLETE : INCONSISTENT;
    }
    long total = windowTotal.getAsLong();
    if (rowsReturned < total) {
      return TRUNCATED;
    }
    return rowsReturned == total ? COMPLETE : INCONSISTENT;
  }

  /**
   * The window total carried by the rows: every row holds the same scalar, so disagreeing values mean the
   * result is not what was asked for. {@code null}s (a missing column) are ignored.
   */
  public static OptionalLong totalOf(Iterable<? extends Number> perRowTotals) {
    Long seen = null;
    for (Number n : perRowTotals) {
      if (n == null) {
        continue;
      }
      long v = n.longValue();
      if (seen != null && seen != v) {
        throw new IllegalArgumentException("rows disagree on " + HuntingQueries.WINDOW_TOTAL + ": " + seen
            + " and " + v);
      }
      seen = v;
    }
    return seen == null ? OptionalLong.empty() : OptionalLong.of(seen);
  }
}
