package org.defenderadx.simulator.kql.engine;

import java.util.List;
import org.defenderadx.simulator.kql.Column;

/** What a scalar expression can name while it is compiled: the input columns, the lets, and the operator. */
record Scope(List<Column> columns, Env env, String operator) {

  int indexOf(String name) {
    for (int k = 0; k < columns.size(); k++) {
      if (columns.get(k).name().equals(name)) {
        return k;
      }
    }
    return -1;
  }

  Scope withColumns(List<Column> newColumns) {
    return new Scope(newColumns, env, operator);
  }
}
