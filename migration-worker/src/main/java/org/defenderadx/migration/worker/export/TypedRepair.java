package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.typed.TypedTable;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.typed.TypedTables;

/**
 * A repaired window's typed rows, brought in step with its raw rows once those are swapped in: an update policy does
 * not run for extents moved by {@code .replace extents}, so the typed rows of the window's new raw rows are made in a
 * staging table of the job's own, under the window's tags, and swapped in for the old typed extents (carrying the
 * window's old tags, which the policy propagated) with one {@code .replace extents}, as the raw rows were.
 */
final class TypedRepair {

  private final AdxClient adx;
  private final TypedTables typed;
  private final ExtentSwap swap;

  TypedRepair(AdxClient adx, TypedTables typed) {
    this.adx = adx;
    this.typed = typed;
    this.swap = new ExtentSwap(adx);
  }

  /**
   * @param oldTags  the window's tags before the repair (its old raw and typed extents carry them)
   * @param unitIds  the ids of the window's new raw rows (its leaves)
   * @param newTags  the tags of the leaves that have rows
   */
  Future<Void> replace(ResolvedTable table, Set<String> oldTags, List<String> unitIds, Set<String> newTags) {
    if (typed == null || !typed.enabled()) {
      return Future.succeededFuture();
    }
    return typed.describe(table).compose(found -> found.isEmpty() ? Future.succeededFuture()
        : replace(found.get(), oldTags, unitIds, newTags));
  }

  private Future<Void> replace(TypedTable t, Set<String> oldTags, List<String> unitIds, Set<String> newTags) {
    String staging = KqlIdentifiers.requireTable(t.typedTable() + RepairStaging.SUFFIX
        + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
    String filter = unitIds.isEmpty() ? "false" : TypedTable.RAW_UNIT_ID + " in ("
        + String.join(", ", unitIds.stream().map(KqlLiterals::string).toList()) + ")";
    Future<Void> swapped = adx.mgmt(".set-or-append " + staging + " with (folder=" + KqlLiterals.string("RepairStaging")
            + ", " + TypedTable.ingestByTagsProperty(newTags) + ") <|\n" + t.projection(filter))
        .compose(v -> adx.mgmt(".show table " + staging + " extents"))
        .compose(extents -> {
          List<String> moveIds = extents.stream().map(e -> String.valueOf(e.get("ExtentId"))).toList();
          return swap.swap(t.typedTable(), staging, oldTags, moveIds, Set.of());
        })
        .mapEmpty();
    return swapped.transform(ar -> adx.mgmt(".drop table " + staging + " ifexists").otherwiseEmpty()
        .compose(v -> ar.succeeded() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(new
            IllegalStateException("its raw rows were replaced, its typed rows in " + t.typedTable() + " were not ("
            + ar.cause().getMessage() + "); run the repair again", ar.cause()))));
  }
}
