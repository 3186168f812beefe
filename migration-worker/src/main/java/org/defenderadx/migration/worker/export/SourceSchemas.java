package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.kql.KustoTypes;
import org.defenderadx.migration.common.model.ConfigRowLimits;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.query.HuntingQueries;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.worker.defender.HuntingResultStreamParser.SchemaColumn;
import org.defenderadx.migration.worker.defender.Provenance;

/**
 * The source tables' schemas (column to Kusto type), read with {@code getschema} through the fetcher (one call, the
 * same budget, breaker and retries as a window) and kept for {@link #TTL}. A table windowed on a column is checked
 * against it before its first window; every window's result carries its schema too, and a result whose watermark
 * column went missing or changed type ({@link #drift}) forgets the cached schema, so the next run reads it again.
 */
public final class SourceSchemas {

  /** How long a schema read from the source is used before it is read again. */
  public static final Duration TTL = Duration.ofHours(6);

  /** A schema of more columns is not one of Advanced Hunting's (they have a few dozen). */
  static final int MAX_COLUMNS = 4_096;

  private record Cached(Map<String, String> columns, Instant readAt) {
  }

  private final WindowFetcher fetcher;
  private final TimeSource time;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public SourceSchemas(WindowFetcher fetcher, TimeSource time) {
    this.fetcher = fetcher;
    this.time = time;
  }

  /** The table's columns and their Kusto types at the source, from the cache or one {@code getschema} call. */
  public Future<Map<String, String>> of(TenantContext tenant, ResolvedTable table) {
    String key = key(tenant.key(), table.sourceTable());
    Cached cached = cache.get(key);
    Instant now = time.now().truncatedTo(ChronoUnit.SECONDS);
    if (cached != null && now.isBefore(cached.readAt().plus(TTL))) {
      return Future.succeededFuture(cached.columns());
    }
    Provenance provenance = new Provenance(tenant.key(), table.sourceTable(), "schema", null);
    // The query rides in a one-tick window (windows are whole ticks): the fetcher wants one, the query ignores it.
    return fetcher.fetch(tenant, table, Window.of(now, now.plus(KustoTime.TICK)), query(table.sourceTable()),
        provenance).compose(f -> {
          if (f instanceof Fetched.Complete c) {
            Map<String, String> columns;
            try {
              columns = parse(c.blob());
            } catch (RuntimeException e) {
              return Future.failedFuture(new IllegalStateException("the schema of " + table.sourceTable()
                  + " at the source could not be read: " + e.getMessage()));
            }
            if (columns.isEmpty()) {
              return Future.failedFuture(new IllegalStateException("the source returned no schema for "
                  + table.sourceTable()));
            }
            cache.put(key, new Cached(columns, now));
            return Future.succeededFuture(columns);
          }
          String why = f instanceof Fetched.Failed failed ? failed.reason()
              : f instanceof Fetched.Paused p ? "the tenant is paused until " + KustoTime.format(p.until())
                  + ": " + p.reason()
              : "the result was cut (" + ((Fetched.Split) f).reason() + ")";
          return Future.failedFuture(new IllegalStateException("reading the schema of " + table.sourceTable()
              + " at the source failed: " + why));
        });
  }

  /** Drops the table's cached schema: the next {@link #of} reads it from the source again. */
  public void forget(String tenantKey, String sourceTable) {
    cache.remove(key(tenantKey, sourceTable));
  }

  /**
   * What is wrong with a window result's schema for a table windowed on {@code column}: empty when the result has
   * no schema (the legacy API leaves it out of some answers) or holds the column as a datetime.
   */
  public static Optional<String> drift(String sourceTable, String column, List<SchemaColumn> resultSchema) {
    if (resultSchema.isEmpty()) {
      return Optional.empty();
    }
    for (SchemaColumn c : resultSchema) {
      if (c.name().equals(column)) {
        return KustoTypes.isDatetime(c.type()) ? Optional.empty()
            : Optional.of("schema drift: the watermark column " + column + " of " + sourceTable + " is now of type "
                + ConfigRowLimits.printable(String.valueOf(c.type()))
                + " at the source, not datetime; the window is not committed");
      }
    }
    return Optional.of("schema drift: the watermark column " + column + " is no longer in " + sourceTable
        + "'s results at the source; the window is not committed");
  }

  static String query(String sourceTable) {
    KqlIdentifiers.requireTable(sourceTable);
    return "let __schema = " + sourceTable + " | getschema | project ColumnName, ColumnType;\n"
        + "__schema\n| extend " + HuntingQueries.WINDOW_TOTAL + " = toscalar(__schema | count)";
  }

  static Map<String, String> parse(byte[] gzip) {
    Map<String, String> columns = new LinkedHashMap<>();
    for (JsonObject row : BlobRows.of(gzip)) {
      Object name = row.getValue("ColumnName");
      Object type = row.getValue("ColumnType");
      if (!(name instanceof String n) || !(type instanceof String t)) {
        throw new IllegalStateException("a schema row without a ColumnName and ColumnType string");
      }
      columns.put(n, t);
      if (columns.size() > MAX_COLUMNS) {
        throw new IllegalStateException("more than " + MAX_COLUMNS + " columns");
      }
    }
    return columns;
  }

  private static String key(String tenantKey, String sourceTable) {
    return tenantKey + "\u0000" + sourceTable;
  }
}
