package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.WindowProgress;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each cycle, re-counts the recently exported hours of a table at the source (one {@code summarize} call, taking a
 * permit; only hours exported less than {@link Options#recheck()} after they ended, which a back-fill's are not) and
 * compares them with what was exported, as the audit log records it (RecordCount per committed window).
 * Rows the service commits later than the settle lag allowed for show up as a higher count at the source: each such
 * hour is audited once per count as {@code LateCommit} with both counts, and counted in {@link #lateCommits()}.
 * The rows themselves are not fetched here: the watermark is already past them, so {@link Repairer} brings them in.
 *
 * <p>Only spans fully covered by committed windows from one hour boundary to another are compared (with an hourly
 * grid, every hour; with a coarser grid, each committed cell), so a partly exported hour is never mistaken for a late
 * commit. The same check also warns when a table's watermark is about to fall off the source's 30-day horizon
 * ({@code AtRisk}).
 */
public final class LateCommitWatch {

  private static final Logger LOG = LoggerFactory.getLogger(LateCommitWatch.class);
  public static final String LATE_COMMIT = "LateCommit";
  public static final String AT_RISK = "AtRisk";

  /**
   * @param recheck          how far back from the watermark exported hours are re-counted
   * @param lookback         how far back the source keeps rows (30 days)
   * @param horizonMargin    the planner's margin from the horizon edge
   * @param atRiskAhead      warn this long before unexported rows pass the planner's horizon start
   */
  public record Options(String node, Duration recheck, Duration lookback, Duration horizonMargin,
                        Duration atRiskAhead) {
    public static Options defaults(String node) {
      return new Options(node, Duration.ofHours(6), Duration.ofDays(30), Duration.ofDays(2), Duration.ofDays(1));
    }
  }

  /** One span whose count at the source changed after it was exported. */
  public record Change(Instant from, Instant to, long exportedCount, long sourceCount) {
    public long appeared() {
      return sourceCount - exportedCount;
    }
  }

  /** What a check found: every differing span, and which of them were audited now for the first time. */
  public record Result(String sourceTable, List<Change> changes, List<Change> newlyAudited,
                       Optional<AuditRecord> atRisk, FetchStats stats) {
  }

  private final HourlyCounts counts;
  private final CommittedWindows committed;
  private final AdxClient adx;
  private final MigrationStateStore state;
  private final TimeSource time;
  private final Options options;
  private final AtomicLong lateCommits = new AtomicLong();
  private final Map<String, Instant> atRiskAudited = new ConcurrentHashMap<>();

  public LateCommitWatch(HourlyCounts counts, CommittedWindows committed, AdxClient adx, MigrationStateStore state,
                         TimeSource time, Options options) {
    this.counts = counts;
    this.committed = committed;
    this.adx = adx;
    this.state = state;
    this.time = time;
    this.options = options;
  }

  /**
   * How often a table is re-counted when {@link #checkIfDue} is used: each re-count costs a call from the same
   * budget as the export, so once every cycle (a minute) for every table would take half the quota.
   */
  public static final Duration RECHECK_EVERY = Duration.ofMinutes(15);

  /**
   * The age at which an hour exported young is first re-counted, once rows committed late have had time to show; it
   * is re-counted once more this much before it leaves the re-check span ({@link Options#recheck()}).
   */
  public static final Duration FIRST_RECOUNT_AGE = Duration.ofHours(1);

  /** Per table: when {@link #checkIfDue} last tried, and up to when its re-counts are done (a failed one is not). */
  private final Map<String, Instant> lastTried = new ConcurrentHashMap<>();
  private final Map<String, Instant> countedUpTo = new ConcurrentHashMap<>();

  /**
   * {@link #check}, at most every {@link #RECHECK_EVERY} per table (otherwise empty), re-counting only the hours that
   * reached one of their two re-count ages ({@link #FIRST_RECOUNT_AGE}, and as much before {@link Options#recheck()})
   * since the last check that succeeded: each hour is re-counted twice, several hours in one call, instead of at
   * every check.
   */
  public Future<Optional<Result>> checkIfDue(TenantContext tenant, MigrationConfigRow row, String runId) {
    String key = tenant.key() + "|" + row.sourceTable();
    Instant now = time.now();
    Instant last = lastTried.get(key);
    if (last != null && now.isBefore(last.plus(RECHECK_EVERY))) {
      return Future.succeededFuture(Optional.empty());
    }
    lastTried.put(key, now);
    Instant since = countedUpTo.get(key);
    return check(tenant, row, runId, span -> reachedRecountAge(span, since, now)).map(r -> {
      countedUpTo.put(key, now);
      return Optional.of(r);
    });
  }

  /** Whether one of the span's re-count ages lies in {@code (since, now]} (since null: any up to now). */
  private boolean reachedRecountAge(Span span, Instant since, Instant now) {
    Duration last = options.recheck().minus(FIRST_RECOUNT_AGE);
    for (Instant at : List.of(span.to().plus(FIRST_RECOUNT_AGE), span.to().plus(last))) {
      if (!at.isAfter(now) && (since == null || at.isAfter(since))) {
        return true;
      }
    }
    return false;
  }

  /** Late commits audited since start (for metrics). */
  public long lateCommits() {
    return lateCommits.get();
  }

  /** Re-counts every recently exported hour that was exported young, now. */
  public Future<Result> check(TenantContext tenant, MigrationConfigRow row, String runId) {
    return check(tenant, row, runId, span -> true);
  }

  private Future<Result> check(TenantContext tenant, MigrationConfigRow row, String runId, Predicate<Span> due) {
    ResolvedTable table;
    try {
      table = row.resolve();
    } catch (ConfigRowException e) {
      return Future.failedFuture(e);
    }
    Optional<Instant> watermark = row.progress().map(WindowProgress::watermark);
    if (table.kind() == TableKind.SNAPSHOT || watermark.isEmpty()) {
      return Future.succeededFuture(new Result(table.sourceTable(), List.of(), List.of(), Optional.empty(),
          FetchStats.none()));
    }
    Instant to = watermark.get();
    Instant from = HourlyCounts.hourOf(to.minus(options.recheck()));
    return atRisk(tenant, table, to, runId).compose(risk ->
        committed.overlapping(tenant.key(), table.sourceTable(), from, to).compose(windows -> {
          // Rows leaving the source's 30 days would look like a change: spans that old are not compared.
          Instant oldest = time.now().minus(options.lookback()).plus(options.horizonMargin());
          // A span exported when its end was already `recheck` old had settled: re-counting it costs a call for
          // nothing (a back-fill exports days-old hours only).
          List<Span> spans = comparableSpans(windows, to).stream()
              .filter(s -> !s.from().isBefore(oldest) && exportedYoung(s, windows) && due.test(s)).toList();
          if (spans.isEmpty()) {
            return Future.succeededFuture(new Result(table.sourceTable(), List.of(), List.of(), risk,
                FetchStats.none()));
          }
          Instant lo = spans.get(0).from;
          Instant hi = spans.get(spans.size() - 1).to;
          return counts.atSource(tenant, table, lo, hi).compose(source -> {
            List<Change> changes = new ArrayList<>();
            for (Span s : spans) {
              long now = source.perHour().entrySet().stream()
                  .filter(e -> !e.getKey().isBefore(s.from) && e.getKey().isBefore(s.to))
                  .mapToLong(Map.Entry::getValue).sum();
              if (now != s.exported) {
                changes.add(new Change(s.from, s.to, s.exported, now));
              }
            }
            if (changes.isEmpty()) {
              return Future.succeededFuture(new Result(table.sourceTable(), changes, List.of(), risk,
                  source.stats()));
            }
            return auditNew(tenant, table, changes, runId, source.stats(), lo, hi)
                .map(fresh -> new Result(table.sourceTable(), changes, fresh, risk, source.stats()));
          });
        }));
  }

  /** Whether a window of {@code span} was committed less than {@link Options#recheck()} after the span's end. */
  private boolean exportedYoung(Span span, List<CommittedWindows.Committed> windows) {
    Instant settled = span.to().plus(options.recheck());
    return windows.stream().anyMatch(w -> w.lo().isBefore(span.to()) && span.from().isBefore(w.hi())
        && w.auditedAt().isBefore(settled));
  }

  /** A run of committed windows from one hour boundary to another, with the rows they exported. */
  record Span(Instant from, Instant to, long exported) {
  }

  /**
   * Groups the windows into spans whose hour ranges touch, and keeps the spans the windows cover without a hole,
   * starting and ending on hour boundaries and ending by {@code to} (a window reaching back before the re-check's
   * start is compared whole).
   */
  static List<Span> comparableSpans(List<CommittedWindows.Committed> windows, Instant to) {
    List<Span> spans = new ArrayList<>();
    Instant spanLo = null;
    Instant spanHourEnd = null;
    Instant covered = null;
    long exported = 0;
    boolean holes = false;
    Set<String> seen = new HashSet<>();
    for (CommittedWindows.Committed w : windows) {
      if (!seen.add(w.id().text())) {
        continue;
      }
      Instant hourLo = HourlyCounts.hourOf(w.lo());
      if (spanLo != null && hourLo.isBefore(spanHourEnd)) {
        // Bucketed windows share one instant: they cover it together.
        holes |= w.lo().isAfter(covered);
        covered = w.hi().isAfter(covered) ? w.hi() : covered;
        spanHourEnd = max(spanHourEnd, HourlyCounts.hourCeiling(w.hi()));
        exported += w.recordCount();
        continue;
      }
      addIfComparable(spans, spanLo, spanHourEnd, covered, exported, holes, to);
      spanLo = w.lo();
      covered = w.hi();
      spanHourEnd = HourlyCounts.hourCeiling(w.hi());
      exported = w.recordCount();
      holes = false;
    }
    addIfComparable(spans, spanLo, spanHourEnd, covered, exported, holes, to);
    return spans;
  }

  private static void addIfComparable(List<Span> spans, Instant lo, Instant hourEnd, Instant covered, long exported,
                                      boolean holes, Instant to) {
    if (lo == null || holes || !HourlyCounts.hourOf(lo).equals(lo) || !covered.equals(hourEnd)
        || hourEnd.isAfter(to)) {
      return;
    }
    spans.add(new Span(lo, hourEnd, exported));
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  /** Audits the changes not audited before with the same source count; returns those. */
  private Future<List<Change>> auditNew(TenantContext tenant, ResolvedTable table, List<Change> changes, String runId,
                                        FetchStats stats, Instant lo, Instant hi) {
    String kql = MigrationStateStore.AUDIT_TABLE + "\n"
        + "| where TenantId == " + KqlLiterals.string(tenant.key()) + " and SourceTable == "
        + KqlLiterals.string(table.sourceTable()) + " and Status == " + KqlLiterals.string(LATE_COMMIT) + "\n"
        + "| where WindowStart >= " + KustoTime.literal(lo) + " and WindowEnd <= " + KustoTime.literal(hi) + "\n"
        + "| project WindowStart, WindowEnd, RecordCount";
    return adx.query(kql).compose(rows -> {
      Set<String> known = new HashSet<>();
      for (Map<String, Object> r : rows) {
        known.add(HourlyCounts.instant(r.get("WindowStart")) + "|" + HourlyCounts.instant(r.get("WindowEnd")) + "|"
            + HourlyCounts.number(r.get("RecordCount")));
      }
      List<Change> fresh = changes.stream()
          .filter(c -> !known.contains(c.from() + "|" + c.to() + "|" + c.sourceCount())).toList();
      if (fresh.isEmpty()) {
        return Future.succeededFuture(fresh);
      }
      List<AuditRecord> records = new ArrayList<>();
      for (Change c : fresh) {
        String why = (c.appeared() > 0 ? c.appeared() + " row(s) appeared" : -c.appeared() + " row(s) disappeared")
            + " at the source in [" + KustoTime.format(c.from()) + ", " + KustoTime.format(c.to())
            + ") after it was exported (exported " + c.exportedCount() + ", the source now holds " + c.sourceCount()
            + "); run repair for this range";
        LOG.warn("{} (tenant '{}'): {}", table.sourceTable(), tenant.key(), why);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("hour", KustoTime.format(c.from()));
        details.put("exportedCount", c.exportedCount());
        details.put("sourceCount", c.sourceCount());
        records.add(new AuditRecord(table.destinationTable(), time.now(), LATE_COMMIT, why, c.sourceCount(),
            tenant.key(), table.sourceTable(), runId, "", c.from(), c.to(), stats.calls(), stats.callQuota429(),
            stats.cpuQuota429(), stats.elapsed(), options.node(), details));
      }
      return state.audit(records).map(v -> {
        lateCommits.addAndGet(fresh.size());
        return fresh;
      });
    });
  }

  /**
   * Rows not exported yet that pass the planner's horizon start within {@link Options#atRiskAhead()} are at risk:
   * unless the export catches up, they age out of the source (the planner then audits the gap {@code AgedOut}).
   * Audited once per watermark.
   */
  private Future<Optional<AuditRecord>> atRisk(TenantContext tenant, ResolvedTable table, Instant watermark,
                                               String runId) {
    Instant now = time.now();
    Instant edge = now.minus(options.lookback()).plus(options.horizonMargin()).plus(options.atRiskAhead());
    String key = tenant.key() + "|" + table.sourceTable();
    if (!watermark.isBefore(edge) || watermark.equals(atRiskAudited.get(key))) {
      return Future.succeededFuture(Optional.empty());
    }
    Instant ageOut = watermark.plus(options.lookback());
    String why = "rows ingested from " + KustoTime.format(watermark) + " on are not exported yet and leave the "
        + "source's " + options.lookback().toDays() + " days from " + KustoTime.format(ageOut)
        + "; the export must catch up before then (more call budget, fewer tables per tenant)";
    LOG.warn("{} (tenant '{}'): {}", table.sourceTable(), tenant.key(), why);
    AuditRecord record = new AuditRecord(table.destinationTable(), now, AT_RISK, why, 0, tenant.key(),
        table.sourceTable(), runId, "", watermark, KustoTime.truncate(edge), 0, 0, 0, Duration.ZERO, options.node(),
        Map.of("agesOutAt", KustoTime.format(ageOut)));
    return state.audit(List.of(record)).map(v -> {
      atRiskAudited.put(key, watermark);
      return Optional.of(record);
    });
  }
}
