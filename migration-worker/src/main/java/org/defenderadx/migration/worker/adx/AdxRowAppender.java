package org.defenderadx.migration.worker.adx;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.kql.KqlTypedLiterals;

/**
 * Appends rows given by column name to a table, whatever the table's column order: the table's schema is read once
 * and each row is rendered as a {@code datatable} in that order, with typed nulls for columns the row does not
 * name. Fresh databases and databases upgraded from the original script order their columns differently, and the
 * original script's own rows lack our columns entirely; this is what keeps both working.
 */
public final class AdxRowAppender {

  private final AdxClient adx;
  private final Map<String, Future<List<Map.Entry<String, String>>>> schemas = new ConcurrentHashMap<>();

  public AdxRowAppender(AdxClient adx) {
    this.adx = adx;
  }

  public Future<Void> append(String table, List<Map<String, Object>> rows) {
    KqlIdentifiers.requireTable(table);
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    return schema(table).compose(columns -> {
      for (Map<String, Object> row : rows) {
        for (String name : row.keySet()) {
          if (columns.stream().noneMatch(c -> c.getKey().equals(name))) {
            // The table was changed under us or setup.kql was not run: say which column and what to do.
            schemas.remove(table);
            return Future.failedFuture(new IllegalStateException("table " + table + " has no column '" + name
                + "'; run kql/setup.kql (it adds missing columns) and restart"));
          }
        }
      }
      return adx.mgmt(command(table, columns, rows)).<Void>mapEmpty();
    });
  }

  /** The table's columns in order, name to Kusto type. */
  public Future<List<Map.Entry<String, String>>> schema(String table) {
    return schemas.computeIfAbsent(table, t -> adx.query(t + " | getschema | project ColumnName, ColumnType")
        .map(rows -> {
          List<Map.Entry<String, String>> columns = new ArrayList<>();
          for (Map<String, Object> r : rows) {
            columns.add(Map.entry(String.valueOf(r.get("ColumnName")), String.valueOf(r.get("ColumnType"))));
          }
          return columns;
        })
        .onFailure(e -> schemas.remove(t)));
  }

  static String command(String table, List<Map.Entry<String, String>> columns, List<Map<String, Object>> rows) {
    StringBuilder sb = new StringBuilder(".set-or-append ").append(table).append(" <|\ndatatable(");
    for (int i = 0; i < columns.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(columns.get(i).getKey()).append(':').append(columns.get(i).getValue());
    }
    sb.append(")\n[");
    boolean first = true;
    for (Map<String, Object> row : rows) {
      for (Map.Entry<String, String> c : columns) {
        sb.append(first ? "\n  " : ", ");
        first = false;
        sb.append(KqlTypedLiterals.of(c.getValue(), row.get(c.getKey())));
      }
    }
    return sb.append("\n]").toString();
  }

  /** A row map with insertion order, for callers building rows. */
  public static Map<String, Object> row() {
    return new LinkedHashMap<>();
  }
}
