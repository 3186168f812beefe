package org.defenderadx.simulator.adx.command;

import java.util.ArrayList;
import java.util.List;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.KqlType;

/** One result table of a management command, with typed cells as in {@link KqlType}. */
public record TabularResult(List<Column> columns, List<Object[]> rows) {

  /** A result with string columns named as given. */
  public static Builder of(Object... namesAndTypes) {
    List<Column> cols = new ArrayList<>();
    for (int i = 0; i < namesAndTypes.length; i += 2) {
      cols.add(new Column((String) namesAndTypes[i], (KqlType) namesAndTypes[i + 1]));
    }
    return new Builder(cols);
  }

  /** Collects rows for a fixed set of columns. */
  public static final class Builder {
    private final List<Column> columns;
    private final List<Object[]> rows = new ArrayList<>();

    private Builder(List<Column> columns) {
      this.columns = columns;
    }

    public Builder row(Object... values) {
      rows.add(values);
      return this;
    }

    public TabularResult build() {
      return new TabularResult(List.copyOf(columns), rows);
    }
  }
}
