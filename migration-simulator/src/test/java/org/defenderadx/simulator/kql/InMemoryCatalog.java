package org.defenderadx.simulator.kql;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** Tables held in lists, for engine tests; records the last scan hint so pushdown can be asserted. */
final class InMemoryCatalog implements Catalog {
  private final Map<String, Table> tables = new HashMap<>();
  private final Map<String, StoredFunction> functions = new HashMap<>();

  static final class Table implements TableSource {
    private final String name;
    private final List<Column> columns;
    final List<StoredRow> rows = new ArrayList<>();
    final AtomicReference<IngestionTimeRange> lastHint = new AtomicReference<>();
    int scans;

    Table(String name, List<Column> columns) {
      this.name = name;
      this.columns = columns;
    }

    Table add(Instant ingested, Object... values) {
      rows.add(new StoredRow(values, ingested));
      return this;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public List<Column> columns() {
      return columns;
    }

    @Override
    public Iterator<StoredRow> scan(IngestionTimeRange hint) {
      lastHint.set(hint);
      scans++;
      // Honour the hint as a real store would, so a wrong hint loses rows and fails tests.
      return rows.stream().filter(r -> hint.contains(r.ingestionTime()) || hint == IngestionTimeRange.ALL)
          .iterator();
    }
  }

  Table table(String name, Column... columns) {
    Table t = new Table(name, List.of(columns));
    tables.put(name, t);
    return t;
  }

  InMemoryCatalog function(String name, String body) {
    functions.put(name, new StoredFunction(name, body, true));
    return this;
  }

  @Override
  public Optional<TableSource> table(String name) {
    return Optional.ofNullable(tables.get(name));
  }

  @Override
  public Optional<StoredFunction> function(String name) {
    return Optional.ofNullable(functions.get(name));
  }

  static Column col(String name, KqlType type) {
    return new Column(name, type);
  }
}
