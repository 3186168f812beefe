package org.defenderadx.migration.demo;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.defenderadx.migration.common.kql.KustoTime;

/**
 * The demo's outcome: per table, what the source held against what ADX holds, by row digest and by the engine's
 * hourly verify; and what the run cost.
 *
 * @param tables          one line per configured table
 * @param apiCalls        hunting calls the API answered (retries, splits and verify counts included)
 * @param throttled       of those, answered with 429
 * @param callQuota429    429s the engine classified as the call quota (committed windows)
 * @param cpuQuota429     429s the engine classified as the CPU quota (committed windows)
 * @param cutResults      results cut at the row or byte cap, each making the engine split its window
 * @param callsPerMinute  the tenant's per-minute budget
 * @param callsPerHour    the tenant's per-hour budget
 * @param real            wall-clock duration of the whole demo
 * @param simulated       simulated time that passed during it
 */
public record Summary(List<TableResult> tables, long apiCalls, long throttled, long callQuota429, long cpuQuota429,
                      long cutResults, int callsPerMinute, int callsPerHour, Duration real, Duration simulated) {

  /**
   * One table.
   *
   * @param caughtUp    the node reached the table's close point
   * @param exactness   the digest comparison, when it ran
   * @param verify      the engine's hourly verify: "exact", "N hour(s) differ", or why it could not run
   * @param verifyExact whether the hourly verify found no difference
   * @param typed       rows of the typed table against rows of the raw table (every row of both)
   */
  public record TableResult(String table, boolean caughtUp, Optional<ExactnessCheck.Result> exactness,
                            String verify, boolean verifyExact, TypedCount typed) {
    public boolean matches() {
      return caughtUp && verifyExact && exactness.map(ExactnessCheck.Result::exact).orElse(false) && typed.equal();
    }
  }

  /** A typed table's rows against its raw table's: equal when the update policy made one typed row per raw row. */
  public record TypedCount(String typedTable, long raw, long typed) {
    public boolean equal() {
      return raw == typed;
    }

    String render() {
      return equal() ? "= raw" : n(typed) + " of " + n(raw);
    }
  }

  public boolean allMatch() {
    return !tables.isEmpty() && tables.stream().allMatch(TableResult::matches);
  }

  public int exitCode() {
    return allMatch() ? 0 : 1;
  }

  public List<String> mismatched() {
    return tables.stream().filter(t -> !t.matches()).map(TableResult::table).toList();
  }

  public String render() {
    StringBuilder sb = new StringBuilder();
    String format = "%-24s %12s %12s %9s %11s  %-18s %-16s %s%n";
    sb.append(String.format(Locale.ROOT, format, "table", "at source", "in ADX", "missing", "duplicated",
        "verify (hourly)", "typed table", "match"));
    long source = 0;
    long adx = 0;
    long missing = 0;
    long duplicated = 0;
    for (TableResult t : tables) {
      ExactnessCheck.Result e = t.exactness().orElse(null);
      sb.append(String.format(Locale.ROOT, format, t.table(), e == null ? "-" : n(e.atSource()),
          e == null ? "-" : n(e.inAdx()), e == null ? "-" : n(e.missing()), e == null ? "-" : n(e.duplicated()),
          t.verify(), t.typed().render(), t.matches() ? "yes" : t.caughtUp() ? "NO" : "NO (not caught up)"));
      if (e != null) {
        source += e.atSource();
        adx += e.inAdx();
        missing += e.missing();
        duplicated += e.duplicated();
      }
    }
    sb.append(String.format(Locale.ROOT, format, "total", n(source), n(adx), n(missing), n(duplicated), "", "",
        allMatch() ? "yes" : "NO"));
    sb.append(String.format(Locale.ROOT, "Typed tables: rows of each typed table (Defender's name; <Table>_History "
        + "for snapshot tables) against its raw table, all rows of both.%n"));
    tables.stream().flatMap(t -> t.exactness().stream()).findFirst().ifPresent(e -> sb.append(String.format(
        Locale.ROOT, "Compared: rows ingested at the source from %s up to each table's committed watermark (%s "
            + "for %s); older rows have left the source's 30 days.%n", KustoTime.format(e.from()),
        KustoTime.format(e.to()), e.table())));
    double minutes = Math.max(1e-9, simulated.toMillis() / 60_000.0);
    sb.append(String.format(Locale.ROOT, "API calls: %s in %s simulated (%.1f per simulated minute on average; "
            + "budget %d per minute, %s per hour)%n", n(apiCalls), human(simulated), apiCalls / minutes,
        callsPerMinute, n(callsPerHour)));
    sb.append(String.format(Locale.ROOT, "429s: %s answered by the API; on committed windows %s call-quota, %s "
        + "CPU-quota%n", n(throttled), n(callQuota429), n(cpuQuota429)));
    sb.append(String.format(Locale.ROOT, "Window splits: %s results cut at the row or byte cap, each window "
        + "halved and fetched again%n", n(cutResults)));
    sb.append(String.format(Locale.ROOT, "Duration: %s%n", human(real)));
    sb.append(allMatch() ? "RESULT: every table matches: ADX holds every source row exactly once."
        : "RESULT: MISMATCH in " + String.join(", ", mismatched()) + ".");
    return sb.append(System.lineSeparator()).toString();
  }

  private static String n(long v) {
    return String.format(Locale.ROOT, "%,d", v);
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }
}
