package org.defenderadx.migration.worker.typed;

import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.defenderadx.migration.common.config.TablePolicies;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
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
  private record Kept(TypedTable table, Optional<String> refused, Instant retryAt) {
    Kept(TypedTable table) {
      this(table, Optional.empty(), null);
    }
  }

  /** A typed table that could not be made or found is tried again after this long (rows meanwhile go to raw only). */
  static final Duration RETRY_REFUSED = Duration.ofMinutes(10);

  private final AdxClient adx;
  private final MigrationStateStore state;
  private final TablePolicies policies;
  private final TimeSource time;
  private final String node;
  private final TypedBackfill backfill;
  private final Map<String, Future<Kept>> kept = new ConcurrentHashMap<>();
  private final Set<String> reported = ConcurrentHashMap.newKeySet();

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
    String key = keyOf(table);
    Future<Kept> next;
    synchronized (kept) {
      Future<Kept> prev = kept.get(key);
      if (prev != null && prev.succeeded() && upToDate(prev.result(), observed, time.now())) {
        return Future.succeededFuture();
      }
      boolean again = prev == null || prev.failed() || (prev.succeeded() && prev.result().refused().isPresent());
      // A typed table that cannot be made does not stop the export: its rows go to raw, and the backfill brings them
      // in once it is made. A column that cannot be added does (below): the rows carrying it would lose its values.
      Future<Kept> base = again
          ? firstSight(tenantKey, table, sourceSchema).recover(e -> notNow(tenantKey, table, e)) : prev;
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
      kept.remove(keyOf(table));
    }
  }

  /** A typed table fed from one raw table: each raw table has its own function and policy entry. */
  private static String keyOf(ResolvedTable table) {
    return typedName(table) + "\u0000" + table.destinationTable();
  }

  private static boolean upToDate(Kept k, TypedColumns.Observed observed, Instant now) {
    if (k.refused().isPresent()) {
      return k.retryAt() == null || now.isBefore(k.retryAt());
    }
    return k.table().defenderColumns().keySet().containsAll(observed.columns().keySet());
  }

  /** The typed table could not be made or read: reported (once per reason), tried again after a while. */
  private Future<Kept> notNow(String tenantKey, ResolvedTable table, Throwable e) {
    String why = "the typed table of " + table.sourceTable() + " could not be made or read; its rows go to "
        + table.destinationTable() + " only until it can (tried again every " + RETRY_REFUSED.toMinutes()
        + " minutes; the rows are brought in then): " + e.getMessage();
    if (reported.add("notNow\u0000" + table.sourceTable() + "\u0000" + e.getMessage())) {
      report(tenantKey, table, "TypedRefused", why);
    }
    return Future.succeededFuture(new Kept(null, Optional.of(why), time.now().plus(RETRY_REFUSED)));
  }

  private static String typedName(ResolvedTable table) {
    return TypedTable.typedTableOf(table.sourceTable(), table.kind() == TableKind.SNAPSHOT);
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
          return apply(t, false).compose(v -> startBackfill(tenantKey, table, t)).map(v -> new Kept(t));
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
        }).compose(v -> startBackfill(tenantKey, table, t)).map(v -> new Kept(t));
      });
    });
  }

  private Future<Kept> refuse(String tenantKey, ResolvedTable table, String why) {
    LOG.error("{} (tenant '{}'): {}", table.sourceTable(), tenantKey, why);
    Future<Void> audited = reported.add("refused\u0000" + table.sourceTable() + "\u0000" + why)
        ? state.audit(List.of(audit(tenantKey, table, "TypedRefused", why, Map.of()))) : Future.succeededFuture();
    return audited.map(v -> new Kept(null, Optional.of(why), time.now().plus(RETRY_REFUSED)));
  }

  /** The table, its function, its policy (and a snapshot table's latest-snapshot function), then its policies. */
  private Future<Void> apply(TypedTable t, boolean create) {
    List<String> before = new ArrayList<>();
    if (create) {
      before.add(t.createTableCommand());
    }
    before.add(t.policyFunctionCommand());
    List<String> after = new ArrayList<>();
    if (t.snapshot()) {
      after.add(t.latestSnapshotFunctionCommand());
    }
    TablePolicies.Policies p = policies.of(t.sourceTable());
    p.typedRetention().ifPresent(d -> after.add(retention(t.typedTable(), d)));
    p.typedHotCache().ifPresent(d -> after.add(caching(t.typedTable(), d)));
    List<String> raw = new ArrayList<>();
    p.rawRetention().ifPresent(d -> raw.add(retention(t.rawTable(), d)));
    p.rawHotCache().ifPresent(d -> raw.add(caching(t.rawTable(), d)));
    // The table and the function first, then the function's entry in the update policy, then the rest.
    return run(t, before).compose(v -> policyEntry(t)).compose(v -> run(t, after))
        .compose(v -> rawPolicies(t, raw));
  }

  /**
   * The raw table's retention and caching: the raw tables are the admin principal's (kql/setup.kql), so setting them
   * needs Table Admin on them, which the runtime principal may well not have. A refusal is reported once and changes
   * nothing else: the typed table does not depend on it.
   */
  private Future<Void> rawPolicies(TypedTable t, List<String> commands) {
    return run(t, commands).recover(e -> {
      String why = "the retention or caching policy of " + t.rawTable() + " (adx.retention) could not be set: "
          + e.getMessage() + "; grant the runtime principal Table Admin on it (kql/roles.kql) or set it yourself";
      if (reported.add("rawPolicies\u0000" + t.rawTable() + "\u0000" + e.getMessage())) {
        LOG.warn("{}: {}", t.sourceTable(), why);
        return state.audit(List.of(new AuditRecord(t.rawTable(), time.now(), "PolicyRefused", why, 0, "",
            t.sourceTable(), "", "", null, null, 0, 0, 0, Duration.ZERO, node, Map.of())));
      }
      return Future.succeededFuture();
    });
  }

  private Future<Void> run(TypedTable t, List<String> commands) {
    Future<Void> f = Future.succeededFuture();
    for (String c : commands) {
      f = f.compose(v -> mgmt(t, c));
    }
    return f;
  }

  private Future<Void> mgmt(TypedTable t, String command) {
    return adx.mgmt(command).<Void>mapEmpty()
        .recover(e -> Future.failedFuture(new IllegalStateException("typed table " + t.typedTable() + ": ADX "
            + "refused " + command.substring(0, Math.min(60, command.length())).replace('\n', ' ') + "...: "
            + e.getMessage() + " (the runtime principal needs Database User for typed tables, kql/roles.kql; or set "
            + "adx.typedTables: false)", e)));
  }

  /**
   * This raw table's entry in the typed table's update policy, exactly once: added when missing (ADX appends it to
   * the other raw tables' entries), and the policy rewritten when it holds this raw table's entry twice or an
   * outdated one (another query), keeping the other raw tables' entries as they are.
   */
  private Future<Void> policyEntry(TypedTable t) {
    return policy(t).compose(entries -> {
      List<String> others = new ArrayList<>();
      int ours = 0;
      int stale = 0;
      for (Object o : entries) {
        if (!(o instanceof JsonObject e)) {
          continue;
        }
        if (t.rawTable().equals(e.getString("Source"))) {
          boolean current = (t.policyFunction() + "()").equals(e.getString("Query"))
              && Boolean.TRUE.equals(e.getBoolean("IsTransactional")) && !Boolean.FALSE.equals(e.getBoolean("IsEnabled"));
          ours += current ? 1 : 0;
          stale += current ? 0 : 1;
        } else {
          others.add(e.encode());
        }
      }
      if (ours == 1 && stale == 0) {
        return Future.succeededFuture();
      }
      return mgmt(t, ours == 0 && stale == 0 ? t.addUpdatePolicyCommand() : t.setUpdatePolicyCommand(others));
    });
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
    // The column first, then the functions that fill it (every raw table's: an update policy's output must match its
    // target's columns), since the policy reads its function at each ingestion.
    return adx.mgmt(k.table().addColumnsCommand(diff.added()))
        .compose(v -> adxColumns(wider.typedTable()))
        .compose(columns -> {
          TypedTable now = new TypedTable(wider.sourceTable(), wider.rawTable(), wider.snapshot(), columns);
          return policySources(now).compose(sources -> {
            Future<Void> f = mgmt(now, now.policyFunctionCommand());
            for (String raw : sources) {
              if (!raw.equals(now.rawTable())) {
                TypedTable other = new TypedTable(now.sourceTable(), raw, now.snapshot(), columns);
                f = f.compose(v -> mgmt(other, other.policyFunctionCommand()));
              }
            }
            return f;
          }).map(now);
        })
        .compose(now -> {
          LOG.info("{}: the source added column(s) {}; added to typed table {} before the first rows carrying them",
              table.sourceTable(), diff.added().keySet(), now.typedTable());
          return state.audit(List.of(audit(tenantKey, table, "TypedColumnsAdded", "", Map.of("columns",
              String.join(",", diff.added().keySet()))))).map(now);
        })
        .map(now -> new Kept(now));
  }

  /** The raw tables the typed table's update policy reads (its entries' sources). */
  private Future<List<String>> policySources(TypedTable t) {
    return policy(t).map(entries -> {
      List<String> sources = new ArrayList<>();
      for (Object o : entries) {
        if (o instanceof JsonObject e && e.getString("Source") != null && KqlIdentifiers.isValid(e.getString("Source"))
            && !sources.contains(e.getString("Source"))) {
          sources.add(e.getString("Source"));
        }
      }
      return sources;
    });
  }

  private Future<JsonArray> policy(TypedTable t) {
    return adx.mgmt(".show table " + t.typedTable() + " policy update").map(rows -> {
      Object text = rows.isEmpty() ? null : rows.get(0).get("Policy");
      if (text != null && !"null".equals(String.valueOf(text)) && !String.valueOf(text).isBlank()) {
        Object parsed = Json.decodeValue(String.valueOf(text));
        if (parsed instanceof JsonArray a) {
          return a;
        }
      }
      return new JsonArray();
    });
  }

  private void report(String tenantKey, ResolvedTable table, String status, String why) {
    LOG.warn("{} (tenant '{}'): {}", table.sourceTable(), tenantKey, why);
    state.audit(List.of(audit(tenantKey, table, status, why, Map.of())));
  }

  /**
   * Brings the raw table's earlier rows in, beside the export (rows ingested from now on go through the policy, the
   * backfill takes those before), unless it was done for this raw table since the typed table was last made: its
   * {@code TypedBackfilled} audit row, written when a backfill completes, says so.
   */
  private Future<Void> startBackfill(String tenantKey, ResolvedTable table, TypedTable t) {
    String done = MigrationStateStore.AUDIT_TABLE + "\n| where SourceTable == " + KqlLiterals.string(t.sourceTable())
        + " and (Status == 'TypedTableCreated' or (Status == 'TypedBackfilled' and TableName == "
        + KqlLiterals.string(t.rawTable()) + "))\n| summarize arg_max(Timestamp, Status)";
    adx.query(done).compose(rows -> {
      if (!rows.isEmpty() && "TypedBackfilled".equals(String.valueOf(rows.get(0).get("Status")))) {
        return Future.succeededFuture();
      }
      return backfill.run(t).compose(o -> state.audit(List.of(audit(tenantKey, table, "TypedBackfilled",
          o.mismatched().isEmpty() ? "" : "windows whose typed rows do not match their raw rows: " + o.mismatched(),
          Map.of("rows", o.rows(), "batches", o.batches())))));
    }).onFailure(e -> LOG.warn("{}: bringing raw rows into typed table {} failed (tried again at the next start): {}",
        table.sourceTable(), t.typedTable(), e.getMessage()));
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
