package org.defenderadx.migration.worker.ops;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.defenderadx.migration.api.bus.OpsReply;
import org.defenderadx.migration.api.bus.OpsRequest;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.typed.TypedColumns;
import org.defenderadx.migration.common.typed.TypedTable;
import org.defenderadx.migration.worker.export.SourceSchemas;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.typed.TypedTables;

/**
 * {@code migrationctl schema}: a table's schema at the source (read now, one {@code getschema} call) against its typed
 * table in ADX, column by column; with {@code --apply}, the typed table made or given the columns it lacks (what the
 * node does by itself before the first rows carrying them). A changed type is shown, never applied: the typed
 * column keeps its type and the raw table keeps every value.
 */
final class SchemaCommand {

  private final OpsLookup lookup;
  private final SourceSchemas schemas;
  private final TypedTables typed;
  private final String node;

  SchemaCommand(OpsLookup lookup, SourceSchemas schemas, TypedTables typed, String node) {
    this.lookup = lookup;
    this.schemas = schemas;
    this.typed = typed;
    this.node = node;
  }

  Future<OpsReply> run(OpsRequest req) {
    String table = req.table().orElseThrow(() -> new BadRequest("schema needs --table"));
    TenantContext tenant = lookup.requireTenant(req.tenantKey());
    if (typed == null || !typed.enabled()) {
      throw new BadRequest("typed tables are off on node " + node + " (adx.typedTables: false)");
    }
    return lookup.row(req.tenantKey(), table).compose(row -> {
      ResolvedTable resolved;
      try {
        resolved = row.resolve();
      } catch (ConfigRowException e) {
        return Future.failedFuture(new BadRequest(e.getMessage()));
      }
      schemas.forget(tenant.key(), table);
      return schemas.of(tenant, resolved).compose(source -> typed.describe(resolved).compose(inAdx -> {
        JsonObject data = compare(resolved, source, inAdx);
        if (!req.force()) {
          return Future.succeededFuture(OpsReply.ok(node, summary(data, false), data));
        }
        typed.forget(resolved); // what ADX holds now, not what this node saw last
        return typed.prepare(tenant.key(), resolved, source, () -> Future.succeededFuture(source))
            .compose(v -> typed.describe(resolved))
            .map(after -> {
              JsonObject applied = compare(resolved, source, after);
              return OpsReply.ok(node, summary(applied, true), applied);
            });
      }));
    });
  }

  static JsonObject compare(ResolvedTable table, Map<String, String> source, Optional<TypedTable> inAdx) {
    TypedColumns.Observed observed = TypedColumns.observe(table.sourceTable(), source);
    Map<String, String> adx = inAdx.map(TypedTable::defenderColumns).orElse(Map.of());
    Set<String> names = new LinkedHashSet<>(observed.columns().keySet());
    names.addAll(adx.keySet());
    JsonArray columns = new JsonArray();
    int missing = 0;
    int changed = 0;
    for (String name : names) {
      String s = observed.columns().get(name);
      String a = adx.get(name);
      String note = s == null ? "not at the source any more (kept in ADX)" : a == null ? "missing in ADX"
          : s.equals(a) ? "" : "type changed at the source (ADX keeps " + a + ")";
      missing += s != null && a == null ? 1 : 0;
      changed += s != null && a != null && !s.equals(a) ? 1 : 0;
      columns.add(new JsonObject().put("column", name).put("source", s).put("adx", a).put("note", note));
    }
    String typedName = inAdx.map(TypedTable::typedTable).orElse(null);
    return new JsonObject().put("sourceTable", table.sourceTable()).put("typedTable", typedName)
        .put("exists", inAdx.isPresent()).put("missing", missing).put("changed", changed).put("columns", columns)
        .put("problems", new JsonArray(observed.problems()));
  }

  private static String summary(JsonObject d, boolean applied) {
    String t = d.getString("sourceTable");
    if (!d.getBoolean("exists")) {
      return t + ": no typed table in ADX" + (applied ? " (could not be made)" : "; --apply makes it");
    }
    return t + ": typed table " + d.getString("typedTable") + ", " + d.getInteger("missing") + " column(s) missing, "
        + d.getInteger("changed") + " with a changed type" + (applied ? " after --apply"
        : d.getInteger("missing") > 0 ? "; --apply adds the missing ones" : "");
  }
}
