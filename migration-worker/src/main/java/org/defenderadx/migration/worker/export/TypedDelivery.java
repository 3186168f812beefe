package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import java.util.LinkedHashMap;
import java.util.Map;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.worker.defender.HuntingResultStreamParser.SchemaColumn;
import org.defenderadx.migration.worker.typed.TypedTables;

/**
 * The step before a result's rows are delivered: the table's typed copy has every column the result carries
 * ({@link TypedTables#prepare}); a typed table is made from the result's own schema, or, when the result carries
 * none, from the schema read at the source.
 */
final class TypedDelivery {
  /** No typed tables: every result is delivered as it is. */
  static final TypedDelivery NONE = new TypedDelivery(null, null);

  private final TypedTables typed;
  private final SourceSchemas schemas;

  TypedDelivery(TypedTables typed, SourceSchemas schemas) {
    this.typed = typed;
    this.schemas = schemas;
  }

  Future<Void> ready(TenantContext tenant, ResolvedTable table, Fetched.Complete result) {
    if (typed == null || !typed.enabled()) {
      return Future.succeededFuture();
    }
    Map<String, String> columns = new LinkedHashMap<>();
    for (SchemaColumn c : result.schema()) {
      columns.put(c.name(), c.type());
    }
    // A result that names its columns (Graph's always do) is the table's schema: making the typed table from it
    // spares a getschema call; one without (some legacy answers) has the schema read from the source.
    return typed.prepare(tenant.key(), table, columns, () -> columns.isEmpty() ? schemas.of(tenant, table)
            : Future.succeededFuture(columns))
        .recover(e -> Future.failedFuture(new IllegalStateException("the typed table of " + table.sourceTable()
            + " could not be brought in step, so the rows were not delivered (tried again next run): "
            + e.getMessage(), e)));
  }
}
