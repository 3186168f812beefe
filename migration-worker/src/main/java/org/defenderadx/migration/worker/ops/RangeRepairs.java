package org.defenderadx.migration.worker.ops;

import static org.defenderadx.migration.worker.ops.OpsLookup.kind;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.defenderadx.migration.api.bus.OpsReply;
import org.defenderadx.migration.api.bus.OpsRequest;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.query.HourlyCountCheck;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowProgress;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.HourlyCounts;
import org.defenderadx.migration.worker.export.Repairer;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.export.Verifier;

/**
 * The ops commands that check and mend ranges of a table already exported: verify (hourly counts, source against
 * ADX), repair (replace ADX's copy of a range) and backfill (a repair of a range before the first export).
 */
final class RangeRepairs {

  private final MigrationStateStore state;
  private final OpsLookup lookup;
  private final Verifier verifier;
  private final Repairer repairer;
  private final WindowPlanner planner;
  private final TimeSource time;
  private final String node;
  /** Where the source's retention starts (repairs and backfills go no further back). */
  private final WindowSchedule sourceHorizon;

  RangeRepairs(MigrationStateStore state, OpsLookup lookup, Verifier verifier, Repairer repairer,
               WindowPlanner planner, TimeSource time, String node, WindowSchedule sourceHorizon) {
    this.state = state;
    this.lookup = lookup;
    this.verifier = verifier;
    this.repairer = repairer;
    this.planner = planner;
    this.time = time;
    this.node = node;
    this.sourceHorizon = sourceHorizon;
  }

  Future<OpsReply> verify(OpsRequest req) {
    Instant from = req.fromAt(time.now()).orElseThrow(() -> new BadRequest("verify needs --from"));
    String tenantKey = req.tenantKey();
    TenantContext tenant = lookup.requireTenant(tenantKey);
    return state.latest().compose(rows -> {
      List<MigrationConfigRow> chosen = new ArrayList<>();
      for (MigrationConfigRow r : rows.rows()) {
        boolean named = req.table().map(t -> t.equals(r.sourceTable())).orElse(r.active());
        if (named && r.tenantId().equals(tenantKey) && !kind(r).equals("snapshot") && r.progress().isPresent()) {
          chosen.add(r);
        }
      }
      if (chosen.isEmpty()) {
        throw new BadRequest(req.table().map(t -> "no exported incremental table " + t + " for tenant '"
            + tenantKey + "'").orElse("no exported incremental table for tenant '" + tenantKey + "'"));
      }
      JsonArray reports = new JsonArray();
      Future<Void> chain = Future.succeededFuture();
      for (MigrationConfigRow r : chosen) {
        chain = chain.compose(v -> {
          ResolvedTable table = r.resolve();
          Instant watermark = r.progress().get().watermark();
          // Whole hours up to the watermark: hours past it are not all exported yet.
          Instant to = min(req.toAt(time.now()).orElse(watermark), HourlyCounts.hourOf(watermark));
          if (!from.isBefore(to)) {
            reports.add(new JsonObject().put("sourceTable", r.sourceTable()).put("exact", false)
                .put("error", "the range ends at or before its start once limited to the watermark "
                    + KustoTime.format(watermark)));
            return Future.succeededFuture();
          }
          return verifier.verify(tenant, table, from, to).transform(ar -> {
            reports.add(ar.succeeded() ? report(ar.result()) : new JsonObject().put("sourceTable", r.sourceTable())
                .put("exact", false).put("error", String.valueOf(ar.cause().getMessage())));
            return Future.succeededFuture();
          });
        });
      }
      return chain.map(v -> {
        long differing = reports.stream().map(JsonObject.class::cast).filter(j -> !j.getBoolean("exact")).count();
        String message = differing == 0 ? reports.size() + " table(s) exact"
            : differing + " of " + reports.size() + " table(s) differ";
        JsonObject data = new JsonObject().put("reports", reports);
        return differing == 0 ? OpsReply.ok(node, message, data) : OpsReply.failed(node, message, data);
      });
    });
  }

  private static JsonObject report(Verifier.Report r) {
    JsonArray mismatches = new JsonArray();
    for (HourlyCountCheck.Mismatch m : r.mismatches()) {
      mismatches.add(new JsonObject().put("hour", m.hour().toString()).put("source", m.sourceCount())
          .put("adx", m.destinationCount()));
    }
    return new JsonObject().put("sourceTable", r.sourceTable()).put("from", r.from().toString())
        .put("to", r.to().toString()).put("exact", r.exact()).put("mismatches", mismatches);
  }

  Future<OpsReply> repair(OpsRequest req) {
    String table = req.table().orElseThrow(() -> new BadRequest("repair needs --table"));
    Instant from = req.fromAt(time.now()).orElseThrow(() -> new BadRequest("repair needs --from"));
    Instant to = req.toAt(time.now()).orElseThrow(() -> new BadRequest("repair needs --to"));
    TenantContext tenant = lookup.requireTenant(req.tenantKey());
    return lookup.row(req.tenantKey(), table).compose(row -> repairer.repair(tenant, row, from, to,
            sourceHorizon.horizonStart(time.now()), "ops-repair-" + UUID.randomUUID()))
        .map(result -> rangesReply(table, "repaired", List.of(result)));
  }

  /**
   * Exports a range even where it lies before the table's first export (an initial lookback shorter than wanted):
   * a repair, grid cell by grid cell (at least an hour each), so ADX's copy of any part it already holds is replaced,
   * never added to, and the watermark does not move. Each cell is fetched under the window identity the exporter
   * gives it, so a later export or repair of the same cell recognises its extents. Grids finer than an hour are
   * repaired hour by hour instead (those hours carry hour-window identities).
   */
  Future<OpsReply> backfill(OpsRequest req) {
    String table = req.table().orElseThrow(() -> new BadRequest("backfill needs --table"));
    Instant requestedFrom = req.fromAt(time.now()).orElseThrow(() -> new BadRequest("backfill needs --from"));
    TenantContext tenant = lookup.requireTenant(req.tenantKey());
    return lookup.row(req.tenantKey(), table).compose(row -> {
      if (kind(row).equals("snapshot")) {
        throw new BadRequest(table + " is a snapshot table: every snapshot is whole; there is no range to backfill");
      }
      Instant watermark = row.progress().map(WindowProgress::watermark).orElseThrow(() -> new BadRequest(table
          + " was never exported: there is nothing to backfill before; its first export starts at "
          + "migration.initialLookback"));
      Instant horizon = sourceHorizon.horizonStart(time.now());
      Duration step = planner.grid().cellWidth().compareTo(Duration.ofHours(1)) >= 0 ? planner.grid().cellWidth()
          : Duration.ofHours(1);
      Instant from = cellStart(requestedFrom, step);
      if (from.isBefore(horizon)) {
        throw new BadRequest(table + ": " + KustoTime.format(from) + " is older than the source keeps rows (from "
            + KustoTime.format(horizon) + " on); start the backfill there or later");
      }
      Instant to = min(req.toAt(time.now()).orElse(watermark), HourlyCounts.hourOf(watermark));
      if (!from.isBefore(to)) {
        throw new BadRequest(table + ": the range ends at or before its start once limited to the watermark "
            + KustoTime.format(watermark) + " (ranges past it are the exporter's)");
      }
      String runId = "ops-backfill-" + UUID.randomUUID();
      List<Repairer.Result> results = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      for (Instant lo = from; lo.isBefore(to); lo = lo.plus(step)) {
        Instant cellLo = lo;
        Instant cellHi = min(lo.plus(step), to);
        chain = chain.compose(v -> results.stream().anyMatch(r -> r.failure().isPresent()) ? Future.succeededFuture()
            : repairer.repair(tenant, row, cellLo, cellHi, horizon, runId).map(r -> {
              results.add(r);
              return (Void) null;
            }));
      }
      return chain.map(v -> rangesReply(table, "backfilled", results));
    });
  }

  private OpsReply rangesReply(String table, String verb, List<Repairer.Result> results) {
    JsonArray ranges = new JsonArray();
    long rows = 0;
    int windows = 0;
    Optional<String> failure = Optional.empty();
    for (Repairer.Result r : results) {
      rows += r.rowsIngested();
      windows += r.windowsReplaced();
      if (failure.isEmpty()) {
        failure = r.failure();
      }
      ranges.add(new JsonObject().put("from", r.from().toString()).put("to", r.to().toString())
          .put("windowsReplaced", r.windowsReplaced()).put("rowsIngested", r.rowsIngested())
          .put("extentsDropped", r.extentsDropped()).put("exact", r.after().map(Verifier.Report::exact).orElse(false))
          .put("failure", r.failure().orElse(null)));
    }
    JsonObject data = new JsonObject().put("table", table).put("ranges", ranges);
    if (failure.isPresent()) {
      return OpsReply.failed(node, table + ": " + failure.get(), data);
    }
    return OpsReply.ok(node, table + ": " + verb + " " + windows + " window(s), " + rows + " row(s); exact",
        data);
  }

  private static Instant cellStart(Instant t, Duration width) {
    long w = width.toMillis();
    return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), w) * w);
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
