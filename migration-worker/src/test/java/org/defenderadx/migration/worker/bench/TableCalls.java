package org.defenderadx.migration.worker.bench;

import static org.defenderadx.migration.worker.testing.StandIns.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.window.CloseWait;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.worker.export.PlannedUnitStore;
import org.defenderadx.simulator.defender.ApiFlavour;
import org.defenderadx.simulator.defender.DefenderSimConfig.Limits;

/**
 * One table's calls in one backfill run against the fewest that could carry its rows (issue #14): the calls from
 * the audit log, the rows from ADX, the size of a row as the simulator's byte cap counts it.
 *
 * <p>Which audit rows carry which calls (the exporter's {@code export} package): a census is booked on the first
 * {@code Planned} row it recorded, failed attempts included ({@code PlannedUnitStore}, {@code UnitRecorder}); a
 * committed window's {@code Succeeded} row holds its calls, the 429s among them, and the calls of the windows it
 * was split from (a cut result is booked on the first half, {@code TableRun}); {@code Paused}, {@code Failed} and
 * {@code Quarantined} rows hold the calls of a fetch that ended there. {@code Retried} rows repeat the calls of the
 * window being sent, which its final row books again, so they are left out. Calls the audit holds under any other
 * status are reported apart ({@link Run#otherStatuses}), and the sum is checked against the simulator's count.
 *
 * @param rows          rows of the table in ADX after the run
 * @param bytesPerRow   bytes a row takes of the byte cap ({@link SimProbe#capBytesPerRow}), NaN without rows
 * @param calls         calls booked for the table (the statuses above)
 * @param census        calls of the table's {@code Planned} rows
 * @param results       committed windows ({@code Succeeded} rows), each one answered call
 * @param emptyResults  committed windows without rows
 * @param resultRows    rows of the committed windows
 * @param resultCalls   calls of the {@code Succeeded} rows
 * @param result429     429 answers among them
 * @param endedCalls    calls of the {@code Paused}, {@code Failed} and {@code Quarantined} rows
 * @param afterRows     rows of the windows past the backlog: hours that closed while the run went on
 * @param afterCalls    the calls of those windows
 *
 * <p>Everything but the last two is the table's <em>backlog</em>: what the source held when the node started, up
 * to its first close point ({@link #backlogEnd}). The hours that close while the run goes on (the other tables still
 * back-filling) are exported one call each as the export lag needs, whatever they hold; they are reported apart
 * ({@code afterRows}, {@code afterCalls}), not judged against the effective cap.
 */
record TableCalls(String table, long rows, double bytesPerRow, int rowCap, long byteCap, long calls, long census,
                  long results, long emptyResults, long resultRows, long resultCalls, long result429,
                  long endedCalls, long afterRows, long afterCalls) {

  /** The target for rows per call against the effective cap, in percent. */
  static final double TARGET = 70;
  /** The target holds for tables whose rows need this many full calls or more. */
  static final double JUDGED_FROM = 10;
  /** Audit statuses that book calls once each (see the class comment). */
  static final Set<String> CALL_STATUSES = Set.of(PlannedUnitStore.PLANNED, "Succeeded", "Paused", "Failed",
      "Quarantined");
  /** Repeats the calls of a window booked again on its final row. */
  static final String RETRIED = "Retried";
  /** Committed windows past the backlog, summed apart. */
  static final String AFTER = "Succeeded after";
  private static final int SAMPLE_ROWS = 2000;
  /** The settle lag the backfill runs leave at its default (`migration.settleLag`). */
  static final Duration SETTLE_LAG = Duration.ofMinutes(5);

  /** What the backfill runs leave at its default: `migration.closeWait` on the hourly grid. */
  static final CloseWait CLOSE_WAIT = new CloseWait(new WindowGrid(Duration.ofHours(1)), Duration.ofMinutes(10));

  /**
   * The end of the backlog of a node started at {@code start}: its first close point on the hourly grid, the next
   * one when the node waits for it ({@link #CLOSE_WAIT}: the tables start after that close).
   */
  static Instant backlogEnd(Instant start) {
    Instant close = start.minus(SETTLE_LAG);
    boolean waits = CLOSE_WAIT.before(Optional.empty(), close.minus(Duration.ofDays(30)), close).isPresent();
    return waits ? CLOSE_WAIT.grid().cellEnd(close) : CLOSE_WAIT.grid().cellStart(close);
  }

  /**
   * Every table of one run, the audit's calls under other statuses, the simulator's count, and the queries the
   * simulator received in the run by table and kind (empty when its record of queries overflowed).
   */
  record Run(List<TableCalls> tables, long simulatorCalls, Map<String, Long> otherStatuses,
             Optional<Map<String, Map<String, Long>>> received) {
    long auditedCalls() {
      return tables.stream().mapToLong(c -> c.calls() + c.afterCalls()).sum();
    }
  }

  /** Kinds of query, told apart by the shapes the node's queries have ({@code HuntingQueries}, {@code SourceSchemas}). */
  private static String kind(String kql) {
    return kql.contains("getschema") ? "schema" : kql.contains("__bins") ? "count" : kql.contains("let __lo")
        ? "window" : "other";
  }

  /** The queries by table (the first of {@code tables} each names, "none" if none) and kind. */
  static Map<String, Map<String, Long>> received(List<String> queries, List<String> tables) {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    List<Pattern> names = tables.stream().map(t -> Pattern.compile("\\b" + Pattern.quote(t) + "\\b")).toList();
    for (String q : queries) {
      String table = "none";
      for (int i = 0; i < tables.size(); i++) {
        if (names.get(i).matcher(q).find()) {
          table = tables.get(i);
          break;
        }
      }
      out.computeIfAbsent(table, k -> new TreeMap<>()).merge(kind(q), 1L, Long::sum);
    }
    return out;
  }

  /**
   * Reads the audit log of a fresh stand-in after one node's backfill of {@code tables}, and samples each table's
   * row size at the simulator (after the run: the probes are not among {@code simulatorCalls} nor {@code queries},
   * the texts of the queries the simulator received during the run, when it kept them all).
   */
  static Run measure(BenchEnvironment env, List<String> tables, long simulatorCalls,
                     Optional<List<String>> queries, Instant start) throws Exception {
    Map<String, Map<String, Map<String, Object>>> byTable = new HashMap<>();
    Map<String, Long> otherStatuses = new TreeMap<>();
    // Committed windows past the backlog are summed apart, under the status "Succeeded after".
    for (Map<String, Object> r : await(env.env.adxClient.query("MigrationAuditLog\n"
        + "| extend Kind = iff(Status == 'Succeeded' and WindowEnd > " + KustoTime.literal(backlogEnd(start))
        + ", '" + AFTER + "', Status)\n"
        + "| summarize N = count(), Empty = countif(RecordCount == 0), Rows = sum(RecordCount), "
        + "Calls = sum(ApiCalls), Q = sum(CallQuota429), P = sum(CpuQuota429) by SourceTable, Status = Kind"))) {
      String table = String.valueOf(r.get("SourceTable"));
      String status = String.valueOf(r.get("Status"));
      byTable.computeIfAbsent(table, k -> new HashMap<>()).put(status, r);
      if (AFTER.equals(status)) {
        continue;
      }
      if (!CALL_STATUSES.contains(status) && !RETRIED.equals(status) && number(r, "Calls") > 0) {
        otherStatuses.merge(status, number(r, "Calls"), Long::sum);
      }
    }
    Limits limits = env.limits();
    List<TableCalls> out = new ArrayList<>();
    for (String t : tables) {
      Map<String, Map<String, Object>> s = byTable.getOrDefault(t, Map.of());
      long calls = 0;
      for (String status : CALL_STATUSES) {
        calls += number(s.get(status), "Calls");
      }
      Map<String, Object> ok = s.get("Succeeded");
      Map<String, Object> after = s.get(AFTER);
      long inAdx = env.adxTable(t + "Raw").rowCount();
      double bytesPerRow = inAdx == 0 ? Double.NaN
          : SimProbe.capBytesPerRow(env.env.sim.baseUrl(), t, SAMPLE_ROWS);
      out.add(new TableCalls(t, inAdx - number(after, "Rows"), bytesPerRow, limits.rowCap(),
          limits.byteCap(ApiFlavour.GRAPH).bytes(), calls, number(s.get(PlannedUnitStore.PLANNED), "Calls"),
          number(ok, "N"), number(ok, "Empty"), number(ok, "Rows"), number(ok, "Calls"),
          number(ok, "Q") + number(ok, "P"),
          number(s.get("Paused"), "Calls") + number(s.get("Failed"), "Calls")
              + number(s.get("Quarantined"), "Calls"), number(after, "Rows"), number(after, "Calls")));
    }
    return new Run(out, simulatorCalls, otherStatuses, queries.map(q -> received(q, tables)));
  }

  private static long number(Map<String, Object> row, String column) {
    Object v = row == null ? null : row.get(column);
    return v instanceof Number n ? n.longValue() : 0;
  }

  /** Bytes of the table's rows as the byte cap counts them (the sampled size times the rows). */
  double bytes() {
    return rows == 0 ? 0 : rows * bytesPerRow;
  }

  /** The most rows one call can carry: the row cap, or the byte cap at this table's row size. */
  double effectiveCap() {
    return Math.floor(Math.min(rowCap, byteCap / bytesPerRow));
  }

  /** Calls the rows would take if every call were full. */
  double fullCallsNeeded() {
    return rows / effectiveCap();
  }

  /** The fewest calls: enough for the rows under both caps, plus the census calls the run made. */
  long minimumCalls() {
    long forRows = rows == 0 ? 0
        : Math.max(-Math.floorDiv(-rows, rowCap), (long) Math.ceil(bytes() / byteCap));
    return forRows + census;
  }

  /** Rows per call against the effective cap, in percent. */
  double fill() {
    return calls == 0 || rows == 0 ? Double.NaN : 100.0 * rows / calls / effectiveCap();
  }

  boolean judged() {
    return fullCallsNeeded() >= JUDGED_FROM;
  }

  Optional<Boolean> met() {
    return judged() && !Double.isNaN(fill()) ? Optional.of(fill() >= TARGET) : Optional.empty();
  }

  /** Where the calls went, from the same run: how full the committed results were, and the calls beside them. */
  String whyMissed() {
    long cutOrRetried = resultCalls - results - result429;
    long beside = calls - results;
    return String.format(Locale.ROOT, "%d calls for %d rows, %.1f full calls' worth. The %d committed results "
            + "held %.0f%% of the effective cap on average%s; %d calls (%.0f%%) carried no committed result: census "
            + "%d, cut or retried %d, answered 429 %d, ended without a result (paused, failed, quarantined) %d.",
        calls, rows, fullCallsNeeded(), results, 100.0 * resultRows / Math.max(1, results) / effectiveCap(),
        emptyResults == 0 ? "" : " (" + emptyResults + " of them empty)", beside, 100.0 * beside / calls, census,
        cutOrRetried, result429, endedCalls);
  }

  /**
   * The figure per table: rows per call against the effective cap over the runs, judged against the target when
   * the median run's rows need 10 full calls or more; a miss carries the reason from the median run.
   */
  static List<Figure> figures(List<Run> runs) {
    List<Figure> out = new ArrayList<>();
    for (int i = 0; i < runs.get(0).tables().size(); i++) {
      int index = i;
      List<TableCalls> mine = new ArrayList<>(runs.stream().map(r -> r.tables().get(index)).toList());
      Figure f = Figure.of(mine.get(0).table() + ": rows per call against the effective cap, its backlog",
          new Samples(mine.stream().map(TableCalls::fill).toList()), "%", "%.1f");
      // The middle run by fill (the lower one of two), which is the median's run.
      mine.sort(Comparator.comparingDouble(TableCalls::fill));
      TableCalls middle = mine.get((mine.size() - 1) / 2);
      out.add(middle.judged() ? f.target("≥ " + (int) TARGET + "%", v -> v >= TARGET, middle.whyMissed()) : f);
    }
    return out;
  }

  /** The table "calls per table against the minimum" of one or more runs (a run column when more than one). */
  static MarkdownTable table(String title, List<Run> runs) {
    boolean several = runs.size() > 1;
    List<String> header = new ArrayList<>(List.of("table", "backlog rows", "MB at the source",
        "effective cap (rows)", "full calls needed", "minimum calls (incl. census)", "calls made", "census calls",
        "rows per call ÷ effective cap", "target", "met", "reason when missed", "after the backlog: rows in calls"));
    if (several) {
      header.add(0, "run");
    }
    MarkdownTable t = MarkdownTable.of(title, header);
    for (int r = 0; r < runs.size(); r++) {
      Run run = runs.get(r);
      for (TableCalls c : run.tables()) {
        List<String> cells = new ArrayList<>(List.of(c.table(), String.valueOf(c.rows()), mb(c.bytes()),
            number("%.0f", c.effectiveCap()), number("%.1f", c.fullCallsNeeded()), String.valueOf(c.minimumCalls()),
            String.valueOf(c.calls()), String.valueOf(c.census()), number("%.1f%%", c.fill()),
            c.judged() ? "≥ " + (int) TARGET + "%" : "—",
            c.met().map(m -> m ? "yes" : "**no**").orElse("—"),
            c.met().filter(m -> !m).map(m -> c.whyMissed()).orElse("—"),
            c.afterRows() + " in " + c.afterCalls()));
        if (several) {
          cells.add(0, String.valueOf(r + 1));
        }
        t = t.row(cells);
      }
      List<String> total = new ArrayList<>(List.of("all tables",
          String.valueOf(run.tables().stream().mapToLong(TableCalls::rows).sum()),
          mb(run.tables().stream().mapToDouble(TableCalls::bytes).sum()), "—",
          number("%.1f", run.tables().stream().filter(c -> c.rows() > 0).mapToDouble(TableCalls::fullCallsNeeded)
              .sum()),
          String.valueOf(run.tables().stream().mapToLong(TableCalls::minimumCalls).sum()),
          String.valueOf(run.auditedCalls()),
          String.valueOf(run.tables().stream().mapToLong(TableCalls::census).sum()), "—", "—", "—",
          simulatorCheck(run), run.tables().stream().mapToLong(TableCalls::afterRows).sum() + " in "
              + run.tables().stream().mapToLong(TableCalls::afterCalls).sum()));
      if (several) {
        total.add(0, String.valueOf(r + 1));
      }
      t = t.row(total);
    }
    return t;
  }

  /** The audit's calls against the simulator's own count for the run: a mismatch is shown, not smoothed over. */
  static String simulatorCheck(Run run) {
    long diff = run.simulatorCalls() - run.auditedCalls();
    return diff == 0 ? "the simulator counted the same " + run.simulatorCalls() + " calls"
        : "**the simulator counted " + run.simulatorCalls() + " calls, " + Math.abs(diff)
            + (diff > 0 ? " more" : " fewer") + " than the audit books per table**";
  }

  /**
   * Notes on how the table was measured, and on any calls of the runs the per-table sums do not hold; {@code side}
   * names whose runs they are ("ours"), or is empty.
   */
  static List<String> notes(String side, List<Run> runs) {
    TableCalls any = runs.get(0).tables().get(0);
    List<String> notes = new ArrayList<>();
    notes.add(String.format(Locale.ROOT, "Calls per table%s: `ApiCalls` of the table's audit rows summed over "
            + "the statuses that book calls once (Planned: the census; Succeeded: a committed window with its 429s, "
            + "retries and the cut calls of the windows it was split from; Paused, Failed, Quarantined), Retried "
            + "rows left out (they repeat the calls of the window they send); rows: the table in ADX; the effective "
            + "cap: the smaller of the %,d-row cap and the %,d-byte cap over the table's bytes a row, sampled from "
            + "%d rows at the simulator after the run in the shape of the node's window query (its two added "
            + "columns included). The sample is measured as the simulator's `ResultWriter` holds the byte cap: "
            + "the rows part of the body (each row's JSON and the comma before the next), not the schema and "
            + "envelope around it. MB at the source: rows × that size; minimum calls: max(⌈rows ÷ row cap⌉, "
            + "⌈bytes ÷ byte cap⌉) plus the census calls the run made; the ≥ 70%% target holds for tables whose "
            + "rows need %.0f full calls or more. Rows and calls are the table's backlog: what the source held when "
            + "the node started, up to its first close point (the start less the %d-minute settle lag, on the hourly "
            + "grid; the next hour's end when that closes within the 10 minutes `migration.closeWait` lets the "
            + "tables wait for it); the hours that closed while the run went on (the other tables still "
            + "back-filling) are exported one call each as the export lag needs, whatever they hold, and are shown apart in the last "
            + "column, not judged against the effective cap. The total row's calls and the simulator's count "
            + "include them.", side.isEmpty() ? "" : " (" + side + ")", any.rowCap(), any.byteCap(), SAMPLE_ROWS,
        JUDGED_FROM, SETTLE_LAG.toMinutes()));
    for (int r = 0; r < runs.size(); r++) {
      Run run = runs.get(r);
      List<String> labels = new ArrayList<>();
      if (!side.isEmpty()) {
        labels.add(side);
      }
      if (runs.size() > 1) {
        labels.add("run " + (r + 1));
      }
      String which = labels.isEmpty() ? "" : " (" + String.join(", ", labels) + ")";
      if (!run.otherStatuses().isEmpty()) {
        notes.add("Audited calls under other statuses, not in the per-table sums" + which + ": "
            + run.otherStatuses() + ".");
      }
      if (run.simulatorCalls() != run.auditedCalls()) {
        notes.add(String.format(Locale.ROOT, "Mismatch%s: the simulator answered %d hunting calls during the "
                + "node's run, the audit books %d per table (%+d). %s", which, run.simulatorCalls(),
            run.auditedCalls(), run.simulatorCalls() - run.auditedCalls(), run.received()
                .map(got -> "The queries the simulator received, by the table they name and their shape (window: "
                    + "a window's rows; count: a census or a re-count of exported hours; schema: a `getschema`), "
                    + "against the audit's calls: " + byTable(run, got) + ".")
                .orElse("The simulator kept too many queries to tell them apart by table.")));
      }
    }
    return notes;
  }

  private static String byTable(Run run, Map<String, Map<String, Long>> received) {
    List<String> parts = new ArrayList<>();
    for (TableCalls c : run.tables()) {
      Map<String, Long> kinds = received.getOrDefault(c.table(), Map.of());
      parts.add(c.table() + " " + kinds(kinds) + " against " + (c.calls() + c.afterCalls()));
    }
    if (received.containsKey("none")) {
      parts.add("naming none of the tables " + kinds(received.get("none")));
    }
    long queries = received.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
    if (queries != run.simulatorCalls()) {
      parts.add((run.simulatorCalls() - queries) + " call(s) without a query the simulator recorded (refused "
          + "before it read one)");
    }
    return String.join("; ", parts);
  }

  /** "4 (count 2, schema 1, window 1)". */
  private static String kinds(Map<String, Long> kinds) {
    List<String> each = new ArrayList<>();
    kinds.forEach((k, n) -> each.add(k + " " + n));
    return kinds.values().stream().mapToLong(Long::longValue).sum() + (each.isEmpty() ? ""
        : " (" + String.join(", ", each) + ")");
  }

  private static String mb(double bytes) {
    return number("%.1f", bytes / 1e6);
  }

  private static String number(String format, double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, format, v);
  }
}
