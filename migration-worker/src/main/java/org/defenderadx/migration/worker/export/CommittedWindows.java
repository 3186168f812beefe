package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.MigrationStateStore;

/**
 * The windows ADX holds for a table, as the audit log records them: one {@code Succeeded} row per window the exporter
 * committed, one {@code Repaired} row per window a repair ingested again (the latest row per window id counts). This
 * is how a range is mapped to the {@code ingest-by:} tags of its extents: the tag is the short hash of the window id.
 */
public final class CommittedWindows {

  /** Audit statuses that say "ADX holds this window's rows". */
  public static final List<String> HOLDING = List.of("Succeeded", "Repaired");

  private final AdxClient adx;

  public CommittedWindows(AdxClient adx) {
    this.adx = adx;
  }

  /** One committed window, as its latest audit row ({@code auditedAt}) describes it. */
  public record Committed(WindowId id, Instant lo, Instant hi, long recordCount, String status, Instant auditedAt) {
    /** The {@code ingest-by:} tag its extents carry. */
    public String tag() {
      return id.shortHash();
    }
  }

  /** The committed windows of a tenant's table that overlap {@code [lo, hi)}, oldest first. */
  public Future<List<Committed>> overlapping(String tenantKey, String sourceTable, Instant lo, Instant hi) {
    String kql = MigrationStateStore.AUDIT_TABLE + "\n"
        + "| where TenantId == " + KqlLiterals.string(tenantKey) + " and SourceTable == "
        + KqlLiterals.string(sourceTable) + " and isnotempty(WindowId)\n"
        + "| where Status in (" + String.join(", ", HOLDING.stream().map(KqlLiterals::string).toList()) + ")\n"
        + "| where WindowStart < " + KustoTime.literal(hi) + " and WindowEnd > " + KustoTime.literal(lo) + "\n"
        + "| summarize arg_max(Timestamp, *) by WindowId\n"
        + "| project WindowId, WindowStart, WindowEnd, RecordCount, Status, Timestamp";
    return adx.query(kql).map(rows -> current(parse(rows)));
  }

  /**
   * Leaves out windows a later audit row superseded: a repair that fetched a range in a different layout (a window
   * split where it was not before) audits new windows over the old ones, whose extents it dropped. The newest row for
   * any point in time wins; windows with the same bounds (the buckets of one instant) do not supersede each other.
   */
  static List<Committed> current(List<Committed> windows) {
    List<Committed> newestFirst = new ArrayList<>(windows);
    newestFirst.sort(Comparator.comparing(Committed::auditedAt).reversed());
    List<Committed> kept = new ArrayList<>();
    for (Committed w : newestFirst) {
      boolean superseded = kept.stream().anyMatch(k -> k.lo().isBefore(w.hi()) && w.lo().isBefore(k.hi())
          && !(k.lo().equals(w.lo()) && k.hi().equals(w.hi())));
      if (!superseded) {
        kept.add(w);
      }
    }
    kept.sort(Comparator.comparing(Committed::lo).thenComparing(Committed::hi).thenComparing(c -> c.id().text()));
    return kept;
  }

  static List<Committed> parse(List<Map<String, Object>> rows) {
    List<Committed> windows = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      Object count = r.get("RecordCount");
      windows.add(new Committed(new WindowId(String.valueOf(r.get("WindowId"))), HourlyCounts.instant(r.get("WindowStart")),
          HourlyCounts.instant(r.get("WindowEnd")), count == null ? 0 : HourlyCounts.number(count),
          String.valueOf(r.get("Status")), HourlyCounts.instant(r.get("Timestamp"))));
    }
    windows.sort(Comparator.comparing(Committed::lo).thenComparing(Committed::hi));
    return windows;
  }

  /** The window a committed row describes (bucketed windows are one tick wide and keep their bucket in the id). */
  static Window window(Committed c) {
    return Window.of(c.lo(), c.hi());
  }
}
