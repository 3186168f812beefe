package org.defenderadx.simulator.kql.engine;

/** What a scalar expression sees while one row is evaluated; reused across the rows of one operator. */
public final class RowCtx {
  final Exec exec;
  Row row;
  /** 1-based position of the row in its operator's input, for {@code row_number()}. */
  long rowNumber;

  RowCtx(Exec exec) {
    this.exec = exec;
  }

  public Exec exec() {
    return exec;
  }

  public Row row() {
    return row;
  }

  Object value(int index) {
    Object[] v = row.values();
    return index < v.length ? v[index] : null;
  }
}
