package org.defenderadx.simulator.adx.ingest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.defenderadx.simulator.adx.store.Database;
import org.defenderadx.simulator.adx.store.KustoValues;
import org.defenderadx.simulator.adx.store.Table;
import org.defenderadx.simulator.kql.Catalog;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.defenderadx.simulator.kql.KqlEngine;
import org.defenderadx.simulator.kql.QueryContext;
import org.defenderadx.simulator.kql.QueryResult;
import org.defenderadx.simulator.kql.StoredFunction;
import org.defenderadx.simulator.kql.StoredRow;
import org.defenderadx.simulator.kql.TableSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs update policies ({@code .alter table Target policy update @'[{"Source":"Raw","Query":"Fn()",
 * "IsTransactional":true}]'}) when rows are appended to a source table: the query sees only the newly ingested
 * rows under the source table's name, and its result is appended to the target. A failing transactional policy
 * fails the whole ingestion; a failing non-transactional one is logged and skipped. Cascades up to a few levels.
 */
final class UpdatePolicies {
  private static final Logger LOG = LoggerFactory.getLogger(UpdatePolicies.class);
  private static final int MAX_DEPTH = 4;

  /** Rows to append to one target table, computed before anything is committed. */
  record TargetRows(String table, QueryRows rows, List<String> tags) {
  }

  private record Policy(String target, String source, String query, boolean transactional, boolean propagate) {
  }

  private final KqlEngine engine;

  UpdatePolicies(KqlEngine engine) {
    this.engine = engine;
  }

  /**
   * Computes what the update policies of tables sourcing from {@code sourceTable} append for the new rows,
   * cascading.
   *
   * @throws IngestionFailure when a transactional policy's query fails
   */
  List<TargetRows> plan(Database db, String sourceTable, List<StoredRow> newRows, List<String> tags, Instant now) {
    List<TargetRows> out = new ArrayList<>();
    plan(db, sourceTable, newRows, tags, now, 0, out);
    return out;
  }

  private void plan(Database db, String sourceTable, List<StoredRow> newRows, List<String> tags, Instant now,
                    int depth, List<TargetRows> out) {
    if (depth >= MAX_DEPTH || newRows.isEmpty()) {
      return;
    }
    Table source = db.tableNamed(sourceTable);
    for (Policy p : policiesSourcing(db, sourceTable)) {
      try {
        QueryResult r = engine.execute(p.query(), new QueryContext(onlyNewRows(db, source, newRows), now));
        List<Object[]> result = r.toList();
        Table target = db.tableNamed(p.target());
        QueryRows rows = QueryRows.toTable(r.columns(), result, target.columns(), target.name());
        List<String> targetTags = p.propagate() ? tags : List.of();
        out.add(new TargetRows(p.target(), rows, targetTags));
        List<StoredRow> asStored = new ArrayList<>();
        for (Object[] row : rows.rows()) {
          asStored.add(new StoredRow(row, now, targetTags));
        }
        plan(db, p.target(), asStored, targetTags, now, depth + 1, out);
      } catch (RuntimeException e) {
        if (p.transactional()) {
          throw new IngestionFailure("UpdatePolicy_QueryFailed", "Transactional update policy of table '"
              + p.target() + "' (query: " + p.query() + ") failed: " + e.getMessage(), true);
        }
        LOG.warn("Non-transactional update policy of table '{}' failed and was skipped: {}", p.target(),
            e.getMessage());
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Policy> policiesSourcing(Database db, String sourceTable) {
    List<Policy> out = new ArrayList<>();
    for (Table t : db.tables()) {
      Optional<String> json = t.policy("update");
      if (json.isEmpty()) {
        continue;
      }
      Object tree;
      try {
        tree = KustoValues.parseJson(json.get());
      } catch (IllegalArgumentException e) {
        continue;
      }
      if (!(tree instanceof List<?> list)) {
        continue;
      }
      for (Object o : list) {
        if (!(o instanceof Map)) {
          continue;
        }
        Map<String, Object> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        m.putAll((Map<String, Object>) o);
        boolean enabled = !Boolean.FALSE.equals(m.get("IsEnabled"));
        if (enabled && sourceTable.equals(m.get("Source")) && m.get("Query") != null) {
          out.add(new Policy(t.name(), sourceTable, m.get("Query").toString(),
              Boolean.TRUE.equals(m.get("IsTransactional")), Boolean.TRUE.equals(m.get("PropagateIngestionProperties"))));
        }
      }
    }
    return out;
  }

  /** The database, except that the source table's name reads only the rows being ingested. */
  private static Catalog onlyNewRows(Database db, Table source, List<StoredRow> newRows) {
    TableSource slice = new TableSource() {
      @Override
      public String name() {
        return source.name();
      }

      @Override
      public List<Column> columns() {
        return source.columns();
      }

      @Override
      public Iterator<StoredRow> scan(IngestionTimeRange hint) {
        return Table.materialised(newRows.iterator());
      }
    };
    return new Catalog() {
      @Override
      public Optional<TableSource> table(String name) {
        return name.equals(source.name()) ? Optional.of(slice) : db.table(name);
      }

      @Override
      public Optional<StoredFunction> function(String name) {
        return db.function(name);
      }
    };
  }
}
