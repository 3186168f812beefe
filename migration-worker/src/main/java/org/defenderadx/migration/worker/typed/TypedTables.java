package org.defenderadx.migration.worker.typed;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.defenderadx.migration.common.config.TablePolicies;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.common.kql.KustoTypes;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.typed.TypedColumns;
import org.defenderadx.migration.common.typed.TypedTable;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each exported table's typed copy in step with the source. On first sight in this process: the typed table,
 * its update policy's function and the policy are made from the source's schema (one {@code getschema} call, only
 * when the table does not exist yet) or re-applied to the existing table, and rows already in the raw table are
 * brought in ({@link TypedBackfill}). Before every delivery: a column the result carries that the typed table lacks
 * is added, and the function regenerated, before the rows are ingested, so no value is lost; a column whose type
 * changed is reported once (log, audit, status) and keeps its type.
 */
public final class TypedTables {
  private static final Logger LOG = LoggerFactory.getLogger(TypedTables.class);

  /** One typed table as this process knows it; {@code refused} says why no typed rows are made for it. */
  private record Kept(TypedTable table, Optional<String> refused) {
  }

  private final AdxClient adx;
  private final MigrationStateStore state;
  private final TablePolicies policies;
  private final TimeSource time;
  private final String node;
  private final TypedBackfill backfill;
  private final Map<String, Future<Kept>> kept = new ConcurrentHashMap<>();
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  private final Map<String, String> problems = new ConcurrentHashMap<>();

  public TypedTables(AdxClient adx, MigrationStateStore state, TablePolicies policies, TimeSource time, String node) {
    this.adx = adx;
    this.state = state;
    this.policies = policies;
    this.time = time;
    this.node = node;
    this.backfill = new TypedBackfill(adx);
  }

  public boolean enabled() {
    return policies.typedTables();
  }

  /** Typed-table problems by source table (a refused table, a column whose type changed), for status. */
  public Map<String, String> problems() {
    return Map.copyOf(problems);
  }

  /**
   * Before rows of {@code table} are delivered: its typed table exists and has every column of the result's
   * schema. Fails only when ADX refused a command (the window is then not delivered, and is tried again).
   *
   * @param resultSchema the result's columns (name to type as the API named it); empty when it carried none
   * @param sourceSchema the source's schema, read only when the typed table does not exist yet
   */
  public Future<Void> prepare(String tenantKey, ResolvedTable table, Map<String, String> resultSchema,
                              Supplier<Future<Map<String, String>>> sourceSchema) {
    if (!enabled()) {
      return Future.succeededFuture();
    }
    TypedColumns.Observed observed = TypedColumns.observe(table.sourceTable(), resultSchema);
    String key = typedName(table);
    Future<Kept> next;
    synchronized (kept) {
      Future<Kept> prev = kept.get(key);
      if (prev != null && prev.succeeded() && upToDate(prev.result(), observed)) {
        return Future.succeededFuture();
      }
      Future<Kept> base = prev == null ? firstSight(tenantKey, table, sourceSchema)
          : prev.transform(ar -> ar.succeeded() ? Future.succeededFuture(ar.result())
              : firstSight(tenantKey, table, sourceSchema));
      next = base.compose(k -> keepInStep(tenantKey, table, k, observed));
      kept.put(key, next);
    }
    return next.mapEmpty();
  }

  /**
   * Forgets what this process knows of the table's typed copy: the next {@link #prepare} reads it from ADX again
   * (and makes it, and brings the raw rows in, when it is gone).
   */
  public void forget(ResolvedTable table) {
    synchronized (kept) {
      kept.remove(typedName(table));
    }
  }

  private static boolean upToDate(Kept k, TypedColumns.Observed observed) {
    return k.refused().isPresent() || k.table().defenderColumns().keySet().containsAll(observed.columns().keySet());
  }

  private static String typedName(ResolvedTable table) {
    return table.kind() == TableKind.SNAPSHOT ? table.sourceTable() + "_History" : table.sourceTable();
  }

  private Future<Kept> firstSight(String tenantKey, ResolvedTable table, Supplier<Future<Map<String, String>>> source) {
    String name = typedName(table);
    boolean snapshot = table.kind() == TableKind.SNAPSHOT;
    return exists(name).compose(exists -> {
      if (exists) {
        return adxColumns(name).compose(columns -> {
          TypedTable t = new TypedTable(table.sourceTable(), table.destinationTable(), snapshot, columns);
          if (!t.hasProvenance()) {
            return refuse(tenantKey, table, "a table named " + name + " exists in ADX without the provenance columns "
                + "of a typed table made by this tool; it is left as it is and no typed rows are made for "
                + table.sourceTable() + " (rename or drop it to have one made)");
          }
          return apply(t, false).compose(v -> startBackfill(tenantKey, table, t)).map(v -> new Kept(t, Optional.empty()));
        });
      }
      return source.get().compose(schema -> {
        TypedColumns.Observed observed = TypedColumns.observe(table.sourceTable(), schema);
        observed.problems().forEach(p -> report(tenantKey, table, "TypedColumnLeftOut", p));
        TypedTable t = TypedTable.create(table.sourceTable(), table.destinationTable(), snapshot, observed.columns());
        return apply(t, true).compose(v -> {
          LOG.info("{}: typed table {} made with {} columns from the source's schema", table.sourceTable(),
              t.typedTable(), t.columns().size());
          return state.audit(List.of(audit(tenantKey, table, "TypedTableCreated", "", Map.of("typedTable",
              t.typedTable(), "columns", t.columns().size()))));
        }).compose(v -> startBackfill(tenantKey, table, t)).map(v -> new Kept(t, Optional.empty()));
      });
    });
  }

  private Future<Kept> refuse(String tenantKey, ResolvedTable table, String why) {
    LOG.error("{} (tenant '{}'): {}", table.sourceTable(), tenantKey, why);
    problems.put(table.sourceTable(), why);
    return state.audit(List.of(audit(tenantKey, table, "TypedRefused", why, Map.of())))
        .map(v -> new Kept(null, Optional.of(why)));
  }

  /** The table, its function, its policy (and a snapshot table's latest-snapshot function), then its policies. */
  private Future<Void> apply(TypedTable t, boolean create) {
    List<String> commands = new ArrayList<>();
    if (create) {
      commands.add(t.createTableCommand());
    }
    commands.add(t.policyFunctionCommand());
    commands.add(t.updatePolicyCommand());
    if (t.snapshot()) {
      commands.add(t.latestSnapshotFunctionCommand());
    }
    TablePolicies.Policies p = policies.of(t.sourceTable());
    p.typedRetention().ifPresent(d -> commands.add(retention(t.typedTable(), d)));
    p.typedHotCache().ifPresent(d -> commands.add(caching(t.typedTable(), d)));
    p.rawRetention().ifPresent(d -> commands.add(retention(t.rawTable(), d)));
    p.rawHotCache().ifPresent(d -> commands.add(caching(t.rawTable(), d)));
    Future<Void> f = Future.succeededFuture();
    for (String c : commands) {
      f = f.compose(v -> adx.mgmt(c).<Void>mapEmpty()
          .recover(e -> Future.failedFuture(new IllegalStateException("typed table " + t.typedTable() + ": ADX "
              + "refused " + c.substring(0, Math.min(60, c.length())).replace('\n', ' ') + "...: " + e.getMessage()
              + " (the runtime principal needs Database User for typed tables, kql/roles.kql; or set "
              + "adx.typedTables: false)", e))));
    }
    return f;
  }

  static String retention(String table, Duration d) {
    return ".alter-merge table " + table + " policy retention softdelete = " + d.toDays() + "d recoverability = enabled";
  }

  static String caching(String table, Duration d) {
    return ".alter table " + table + " policy caching hot = " + d.toDays() + "d";
  }

  private Future<Kept> keepInStep(String tenantKey, ResolvedTable table, Kept k, TypedColumns.Observed observed) {
    if (k.refused().isPresent()) {
      return Future.succeededFuture(k);
    }
    TypedColumns.Difference diff = TypedColumns.difference(k.table().defenderColumns(), observed.columns());
    for (TypedColumns.TypeChange c : diff.changed()) {
      String why = c.describe(table.sourceTable());
      if (reported.add(table.sourceTable() + "\u0000" + c.column() + "\u0000" + c.sourceSays())) {
        problems.put(table.sourceTable(), why);
        report(tenantKey, table, "SchemaDrift", why);
      }
    }
    observed.problems().forEach(p -> {
      if (reported.add(table.sourceTable() + "\u0000" + p)) {
        report(tenantKey, table, "TypedColumnLeftOut", p);
      }
    });
    if (diff.added().isEmpty()) {
      return Future.succeededFuture(k);
    }
    TypedTable wider = k.table().withColumns(diff.added());
    // The column first, then the function that fills it: the policy reads the function at each ingestion.
    return adx.mgmt(k.table().addColumnsCommand(diff.added()))
        .compose(v -> adx.mgmt(wider.policyFunctionCommand()))
        .compose(v -> {
          LOG.info("{}: the source added column(s) {}; added to typed table {} before the first rows carrying them",
              table.sourceTable(), diff.added().keySet(), wider.typedTable());
          return state.audit(List.of(audit(tenantKey, table, "TypedColumnsAdded", "", Map.of("columns",
              String.join(",", diff.added().keySet())))));
        })
        .map(v -> new Kept(wider, Optional.empty()));
  }

  private void report(String tenantKey, ResolvedTable table, String status, String why) {
    LOG.warn("{} (tenant '{}'): {}", table.sourceTable(), tenantKey, why);
    state.audit(List.of(audit(tenantKey, table, status, why, Map.of())));
  }

  private Future<Void> startBackfill(String tenantKey, ResolvedTable table, TypedTable t) {
    // Runs beside the export: rows ingested from now on go through the policy, the backfill takes those before.
    backfill.run(t).onComplete(ar -> {
      if (ar.succeeded()) {
        TypedBackfill.Outcome o = ar.result();
        if (o.rows() > 0 || !o.mismatched().isEmpty()) {
          state.audit(List.of(audit(tenantKey, table, "TypedBackfilled", o.mismatched().isEmpty() ? ""
              : "windows whose typed rows do not match their raw rows: " + o.mismatched(),
              Map.of("rows", o.rows(), "batches", o.batches()))));
        }
      } else {
        LOG.warn("{}: bringing raw rows into typed table {} failed (tried again at the next start): {}",
            table.sourceTable(), t.typedTable(), ar.cause().getMessage());
      }
    });
    return Future.succeededFuture();
  }

  /** The table's typed copy as ADX holds it, when there is one made by this tool (empty otherwise). */
  public Future<Optional<TypedTable>> describe(ResolvedTable table) {
    String name = typedName(table);
    boolean snapshot = table.kind() == TableKind.SNAPSHOT;
    return exists(name).compose(exists -> !exists ? Future.succeededFuture(Optional.<TypedTable>empty())
        : adxColumns(name).map(columns -> {
          TypedTable t = new TypedTable(table.sourceTable(), table.destinationTable(), snapshot, columns);
          return t.hasProvenance() ? Optional.of(t) : Optional.<TypedTable>empty();
        }));
  }

  private Future<Boolean> exists(String table) {
    return adx.mgmt(".show tables | where TableName == " + KqlLiterals.string(table) + " | project TableName")
        .map(rows -> !rows.isEmpty());
  }

  private Future<Map<String, String>> adxColumns(String table) {
    return adx.query(table + " | getschema | project ColumnName, ColumnType").map(rows -> {
      Map<String, String> columns = new LinkedHashMap<>();
      for (Map<String, Object> r : rows) {
        String type = String.valueOf(r.get("ColumnType"));
        columns.put(String.valueOf(r.get("ColumnName")), KustoTypes.scalar(type).orElse(type));
      }
      return columns;
    });
  }

  private AuditRecord audit(String tenantKey, ResolvedTable table, String status, String reason,
                            Map<String, Object> details) {
    return new AuditRecord(table.destinationTable(), time.now(), status, reason, 0, tenantKey, table.sourceTable(),
        "", "", null, null, 0, 0, 0, Duration.ZERO, node, details);
  }
}
