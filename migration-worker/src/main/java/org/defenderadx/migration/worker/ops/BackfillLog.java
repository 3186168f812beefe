package org.defenderadx.migration.worker.ops;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.export.PlannedUnitStore;
import org.defenderadx.migration.worker.observe.EngineObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of the backfills this node runs, in words, one line per table per {@link #report()} (every 30 seconds
 * from the node), instead of a line per window: rows per second, how far behind the table is, and when it will have
 * caught up. Where the exporter merges cells into units, the time left is the calls left at the calls made since the
 * last report: the units recorded ahead ({@code Planned} audit rows), and the rows its census counted past them at
 * the rows the table's calls have carried so far; units vary in width, so their pace in data time says little.
 * Without units it is the data time left at the data time exported since the last report. Tables that are caught up
 * stay quiet; the line that says a table caught up is the last.
 */
public final class BackfillLog implements EngineObserver {

  private static final Logger LOG = LoggerFactory.getLogger("org.defenderadx.migration.progress");
  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
      .withZone(ZoneOffset.UTC);

  private final TimeSource time;
  private final Duration settleLag;
  private final Duration caughtUpWithin;
  private final Map<String, Progress> tables = new ConcurrentHashMap<>();

  /** One table's committed windows since the last report. */
  private static final class Progress {
    final String tenant;
    final String table;
    Instant since;
    Instant startEnd;
    Instant lastEnd;
    long rows;
    boolean backfilling;
    /** Ends of the units recorded ahead (Planned rows), and the rows the census counted past the furthest. */
    final TreeSet<Instant> plannedEnds = new TreeSet<>();
    long countedAfter;
    /** Calls since the last report, and over the table's whole backfill: calls and rows of its committed windows. */
    long calls;
    long allCalls;
    long allRows;

    Progress(String tenant, String table, Instant since) {
      this.tenant = tenant;
      this.table = table;
      this.since = since;
    }
  }

  /** @param caughtUpWithin a table whose windows end no further than this behind the close point is caught up */
  public BackfillLog(TimeSource time, Duration settleLag, Duration caughtUpWithin) {
    this.time = time;
    this.settleLag = settleLag;
    this.caughtUpWithin = caughtUpWithin;
  }

  @Override
  public void audited(List<AuditRecord> records) {
    for (AuditRecord r : records) {
      if (PlannedUnitStore.PLANNED.equals(r.status()) && r.windowEnd() != null) {
        Progress p = progress(r);
        synchronized (p) {
          p.plannedEnds.add(r.windowEnd());
          if (r.details().get(PlannedUnitStore.ROWS_COUNTED_AFTER) instanceof Number n) {
            p.countedAfter = n.longValue();
          }
          p.calls += r.apiCalls(); // the census
        }
        continue;
      }
      if (!"Succeeded".equals(r.status()) || r.windowEnd() == null || r.windowStart() == null
          || r.windowId() == null || r.windowId().isEmpty()) {
        continue;
      }
      Progress p = progress(r);
      synchronized (p) {
        if (p.startEnd == null) {
          p.startEnd = r.windowStart();
        }
        if (p.lastEnd == null || r.windowEnd().isAfter(p.lastEnd)) {
          p.lastEnd = r.windowEnd();
        }
        p.rows += r.recordCount();
        p.calls += r.apiCalls();
        p.allCalls += r.apiCalls();
        p.allRows += r.recordCount();
      }
    }
  }

  private Progress progress(AuditRecord r) {
    return tables.computeIfAbsent(r.tenantId() + "|" + r.sourceTable(),
        k -> new Progress(r.tenantId(), r.sourceTable(), time.now()));
  }

  /** Logs each table that moved since the last call; returns the lines, for tests. */
  public List<String> report() {
    Instant now = time.now();
    List<String> lines = new java.util.ArrayList<>();
    for (Progress p : tables.values()) {
      String line;
      synchronized (p) {
        line = line(p, now);
        if (p.lastEnd != null) {
          p.startEnd = p.lastEnd;
        }
        p.rows = 0;
        p.calls = 0;
        p.since = now;
      }
      if (line != null) {
        LOG.info(line);
        lines.add(line);
      }
    }
    return lines;
  }

  private String line(Progress p, Instant now) {
    if (p.lastEnd == null || p.startEnd == null || !p.lastEnd.isAfter(p.startEnd)) {
      return null;
    }
    double seconds = Math.max(0.001, Duration.between(p.since, now).toMillis() / 1000.0);
    Instant close = now.minus(settleLag);
    Duration behind = Duration.between(p.lastEnd, close);
    String name = p.table + (p.tenant.isEmpty() ? "" : " (tenant '" + p.tenant + "')");
    if (behind.compareTo(caughtUpWithin) <= 0) {
      if (!p.backfilling) {
        return null;
      }
      p.backfilling = false;
      return name + ": backfill done, caught up to " + WHEN.format(p.lastEnd);
    }
    p.backfilling = true;
    String eta;
    if (!p.plannedEnds.isEmpty()) {
      // Units ahead, and the rows counted past them at the rows a call has carried: the calls left.
      p.plannedEnds.headSet(p.lastEnd, true).clear();
      double rowsPerCall = p.allCalls == 0 ? 0 : (double) p.allRows / p.allCalls;
      long callsLeft = p.plannedEnds.size()
          + (rowsPerCall <= 0 ? 0 : (long) Math.ceil(p.countedAfter / rowsPerCall));
      double callsPerSecond = p.calls / seconds;
      eta = callsPerSecond <= 0 ? "no call since the last report (" + callsLeft + " call(s) left)"
          : String.format(Locale.ROOT, "about %s to catch up (%d call(s) left at %.1f a minute)",
              StatusReport.human(Duration.ofSeconds((long) Math.ceil(callsLeft / callsPerSecond))), callsLeft,
              callsPerSecond * 60);
    } else {
      double dataPerSecond = Duration.between(p.startEnd, p.lastEnd).toMillis() / 1000.0 / seconds;
      eta = dataPerSecond <= 1.0
          ? "not catching up at this pace (the source adds data faster than it is exported)"
          : "about " + StatusReport.human(Duration.ofSeconds((long) (behind.toSeconds() / (dataPerSecond - 1.0))))
              + " to catch up";
    }
    return String.format(Locale.ROOT, "%s: backfilling at %,.0f rows/s, exported up to %s (%s behind); %s", name,
        p.rows / seconds, WHEN.format(p.lastEnd), StatusReport.human(behind), eta);
  }
}
