package org.defenderadx.simulator.kql;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The primary result of a query: its columns and a single-pass iterator over its rows (values in column order,
 * typed as in {@link KqlType}). Rows are produced lazily where the plan allows, so a front-end that stops at a
 * row or byte cap does not pay for the rest.
 */
public record QueryResult(List<Column> columns, Iterator<Object[]> rows, QueryStats stats) {

  /** Reads all remaining rows into a list. */
  public List<Object[]> toList() {
    List<Object[]> all = new ArrayList<>();
    rows.forEachRemaining(all::add);
    return all;
  }
}
