package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.window.PlannedUnits;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.MigrationStateStore;

/**
 * Where a table's planned units live: one {@code Planned} row per unit in {@code MigrationAuditLog}, appended (and
 * so durable) before the unit's first fetch, with the unit's bounds in {@code WindowStart}/{@code WindowEnd} and the
 * rows the census counted in {@code RecordCount}. A run reads them back with the point where fresh ground begins: the
 * end of the last window ADX holds for the table, rounded up to the grid.
 */
public final class PlannedUnitStore {
  public static final String PLANNED = "Planned";

  private final AdxClient adx;
  private final MigrationStateStore state;

  public PlannedUnitStore(AdxClient adx, MigrationStateStore state) {
    this.adx = adx;
    this.state = state;
  }

  /** The units recorded for the table that end after {@code from}, and where fresh ground begins. */
  public Future<PlannedUnits> load(String tenantKey, String sourceTable, Instant from) {
    String scope = MigrationStateStore.AUDIT_TABLE + "\n"
        + "| where TenantId == " + KqlLiterals.string(tenantKey) + " and SourceTable == "
        + KqlLiterals.string(sourceTable) + "\n";
    Future<List<Map<String, Object>>> planned = adx.query(scope
        + "| where Status == " + KqlLiterals.string(PLANNED) + " and WindowEnd > " + KustoTime.literal(from) + "\n"
        + "| project WindowStart, WindowEnd, Timestamp");
    Future<List<Map<String, Object>>> held = adx.query(scope
        + "| where Status in (" + String.join(", ", CommittedWindows.HOLDING.stream().map(KqlLiterals::string)
        .toList()) + ")\n"
        + "| summarize Until = max(WindowEnd)");
    return Future.all(planned, held).map(x -> {
      List<PlannedUnits.Recorded> records = new ArrayList<>();
      for (Map<String, Object> r : planned.result()) {
        records.add(new PlannedUnits.Recorded(Window.of(HourlyCounts.instant(r.get("WindowStart")),
            HourlyCounts.instant(r.get("WindowEnd"))), HourlyCounts.instant(r.get("Timestamp"))));
      }
      Optional<Instant> heldUntil = held.result().stream().map(r -> r.get("Until"))
          .map(v -> Optional.ofNullable(KustoTime.fromValue(v))).flatMap(Optional::stream).findFirst();
      Instant fresh = heldUntil.orElse(Instant.EPOCH);
      return PlannedUnits.resolve(records, Optional.of(fresh));
    });
  }

  /** The first unit's detail: rows the census counted past the units recorded with it (for the backfill's ETA). */
  public static final String ROWS_COUNTED_AFTER = "rowsCountedAfter";

  /** Records units before their first fetch; {@code rows} holds the census count of each (0 when not counted). */
  public Future<Void> record(String destinationTable, String tenantKey, String sourceTable, String runId, String node,
                             Instant now, List<Window> units, List<Long> rows, FetchStats censusCost) {
    return record(destinationTable, tenantKey, sourceTable, runId, node, now, units, rows, censusCost, -1);
  }

  /** As above; {@code rowsCountedAfter} (-1: not known) goes with the first unit. */
  public Future<Void> record(String destinationTable, String tenantKey, String sourceTable, String runId, String node,
                             Instant now, List<Window> units, List<Long> rows, FetchStats censusCost,
                             long rowsCountedAfter) {
    List<AuditRecord> records = new ArrayList<>();
    for (int i = 0; i < units.size(); i++) {
      Window u = units.get(i);
      // The census call is booked on the first unit, so the audit's ApiCalls add up to the calls made.
      FetchStats s = i == 0 ? censusCost : FetchStats.none();
      records.add(new AuditRecord(destinationTable, now, PLANNED, "", rows.get(i), tenantKey, sourceTable, runId,
          WindowId.of(tenantKey, sourceTable, u).text(), u.lo(), u.hi(), s.calls(), s.callQuota429(),
          s.cpuQuota429(), i == 0 ? s.elapsed() : Duration.ZERO, node,
          i == 0 && rowsCountedAfter >= 0 ? Map.of(ROWS_COUNTED_AFTER, rowsCountedAfter) : Map.of()));
    }
    return state.audit(records);
  }
}
