package org.defenderadx.migration.demo;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.simulator.defender.SimStats;

/**
 * What the migration has done so far, read the way an operator would read it: committed windows from
 * {@code MigrationAuditLog} in ADX, and API calls from the simulator's own counters (what the API saw, every retry
 * and split included).
 */
final class Progress {

  /** One table's committed work. */
  record TableProgress(String table, long rows, long windows, long callQuota429, long cpuQuota429,
                       Instant watermark) {
  }

  /** A reading at one moment: per table, and the API calls the simulator counted. */
  record Reading(long realMillis, Instant clock, Map<String, TableProgress> tables, long apiCalls, long throttled,
                 long cutResults) {
    long rows() {
      return tables.values().stream().mapToLong(TableProgress::rows).sum();
    }

    long windows() {
      return tables.values().stream().mapToLong(TableProgress::windows).sum();
    }

    long callQuota429() {
      return tables.values().stream().mapToLong(TableProgress::callQuota429).sum();
    }

    long cpuQuota429() {
      return tables.values().stream().mapToLong(TableProgress::cpuQuota429).sum();
    }
  }

  private final AdxClient adx;
  private final SimStats stats;

  Progress(AdxClient adx, SimStats stats) {
    this.adx = adx;
    this.stats = stats;
  }

  Future<Reading> read(Instant clock) {
    long real = System.currentTimeMillis();
    return adx.query(MigrationStateStore.AUDIT_TABLE + "\n"
            + "| where Status == 'Succeeded' and TenantId == ''\n"
            + "| summarize Rows = sum(RecordCount), Windows = count(), CallQuota429 = sum(CallQuota429),"
            + " CpuQuota429 = sum(CpuQuota429), Watermark = max(WindowEnd) by SourceTable")
        .map(rows -> {
          Map<String, TableProgress> tables = new LinkedHashMap<>();
          for (Map<String, Object> r : rows) {
            String table = String.valueOf(r.get("SourceTable"));
            tables.put(table, new TableProgress(table, number(r.get("Rows")), number(r.get("Windows")),
                number(r.get("CallQuota429")), number(r.get("CpuQuota429")), KustoTime.fromValue(r.get("Watermark"))));
          }
          return new Reading(real, clock, tables, huntingCalls(stats, null), huntingCalls(stats, 429),
              stats.truncatedResults());
        });
  }

  /** Hunting API calls the simulator answered (token calls left out), all of them or those with one status. */
  static long huntingCalls(SimStats stats, Integer status) {
    JsonObject byKind = stats.toJson().getJsonObject("calls");
    long n = 0;
    for (String kind : List.of("graph", "xdr", "mde")) {
      JsonObject perStatus = byKind.getJsonObject(kind);
      if (perStatus != null) {
        for (String s : perStatus.fieldNames()) {
          if (status == null || s.equals(String.valueOf(status))) {
            n += perStatus.getLong(s);
          }
        }
      }
    }
    return n;
  }

  /**
   * One progress line: rows and windows committed, the rate since the previous reading, the calls the API saw and
   * how many fell in each simulated minute on average (against the per-minute budget), and an estimate of the time
   * left from how far the tables' watermarks have come.
   */
  static String line(Reading first, Reading previous, Reading now, int tablesDone, int tablesTotal,
                     double backfillFraction, int callsPerMinute) {
    double seconds = Math.max(0.001, (now.realMillis() - previous.realMillis()) / 1000.0);
    double simMinutes = Math.max(1e-9, Duration.between(previous.clock(), now.clock()).toMillis() / 60_000.0);
    double callsPerSimMinute = (now.apiCalls() - previous.apiCalls()) / simMinutes;
    double elapsed = (now.realMillis() - first.realMillis()) / 1000.0;
    String eta = backfillFraction <= 0.01 ? "?"
        : backfillFraction >= 1 ? "0s" : Math.round(elapsed * (1 - backfillFraction) / backfillFraction) + "s";
    return String.format(java.util.Locale.ROOT,
        "[%4.0fs] rows %,d (%,.0f/s)  windows %,d  calls %,d (%.1f per simulated minute, budget %d)  "
            + "tables caught up %d/%d  backfill %.0f%%  ETA %s",
        elapsed, now.rows(), (now.rows() - previous.rows()) / seconds, now.windows(), now.apiCalls(),
        callsPerSimMinute, callsPerMinute, tablesDone, tablesTotal, backfillFraction * 100, eta);
  }

  /** Per table: rows and windows committed and how far its watermark has come. */
  static String tableLine(TableProgress p, double fraction) {
    return String.format(java.util.Locale.ROOT, "         %-22s rows %,9d  windows %,5d  watermark %s (%3.0f%%)",
        p.table(), p.rows(), p.windows(), p.watermark() == null ? "-" : KustoTime.format(p.watermark()),
        fraction * 100);
  }

  private static long number(Object v) {
    if (v == null) {
      return 0;
    }
    return v instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(v).trim());
  }
}
