package org.defenderadx.simulator.kql;

/**
 * What a query cost, for the Defender simulator's CPU-quota model. Counters grow while the result's rows are
 * read (evaluation is lazy where the plan allows) and are final once the rows are exhausted.
 */
public final class QueryStats {
  private long rowsScanned;
  private long rowsSorted;

  /** Rows read from table sources. */
  public synchronized long rowsScanned() {
    return rowsScanned;
  }

  /** Rows that went through a sort (order by, top, sort before row_number()). */
  public synchronized long rowsSorted() {
    return rowsSorted;
  }

  public synchronized void addScanned(long n) {
    rowsScanned += n;
  }

  public synchronized void addSorted(long n) {
    rowsSorted += n;
  }
}
