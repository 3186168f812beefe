package org.defenderadx.migration.worker.upgrade;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.kql.KustoTimespan;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.window.WindowProgress;

/**
 * What a takeover of the original script's database did, per table the original configured: built from the rows in
 * force after the upgrade, so a second run reports the same tables (as carried forward earlier).
 *
 * @param database the ADX database
 * @param entries one per table of the original configuration, in its order
 * @param carriedThisRun how many rows this run appended (0 on a second run)
 * @param warnings things the operator must check (the original script still writing, tables it never loaded)
 */
public record TakeoverReport(String database, List<Entry> entries, long carriedThisRun, List<String> warnings) {

  /** What happened to one table. */
  public enum Outcome {
    /** Active, its watermark carried forward: we continue where the original stopped. */
    CARRIED_FORWARD,
    /** The original's latest row switched it off: carried forward switched off, not exported. */
    LEFT_SWITCHED_OFF,
    /** Already ours before this takeover (configured by us, or exported by us since an earlier takeover). */
    ALREADY_OURS
  }

  /**
   * @param oldWatermark the largest value the original copied (empty: it never loaded the table)
   * @param watermarkColumn as the original configured it
   * @param kind how we copy it
   * @param whatNext in words: where copying resumes, or why not
   * @param oldColumnIgnored for a snapshot table configured with a time column: that column, which we no longer use
   */
  public record Entry(String sourceTable, Outcome outcome, Optional<Instant> oldWatermark, String watermarkColumn,
                      TableKind kind, String whatNext, Optional<String> oldColumnIgnored) {
  }

  /** Builds the report from the original's rows (no Version) and the rows in force for the default tenant. */
  public static TakeoverReport of(String database, List<MigrationConfigRow> originalRows,
                                  List<MigrationConfigRow> inForce, long carriedThisRun, List<String> warnings) {
    List<Entry> entries = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (MigrationConfigRow original : originalRows) {
      String table = original.sourceTable();
      if (seen.contains(table)) {
        continue;
      }
      seen.add(table);
      Optional<Instant> oldWatermark = originalRows.stream().filter(r -> r.sourceTable().equals(table))
          .flatMap(r -> r.lastRefreshed().stream()).max(Instant::compareTo);
      Optional<MigrationConfigRow> row = inForce.stream()
          .filter(r -> r.tenantId().isEmpty() && r.sourceTable().equals(table)).findFirst();
      if (row.isEmpty()) {
        entries.add(new Entry(table, Outcome.ALREADY_OURS, oldWatermark, original.watermarkColumn(),
            TableKind.INCREMENTAL_INGESTION_TIME, "no row in force: the upgrade did not run to its end", Optional.empty()));
        continue;
      }
      entries.add(entry(row.get(), oldWatermark));
    }
    return new TakeoverReport(database, List.copyOf(entries), carriedThisRun, List.copyOf(warnings));
  }

  private static Entry entry(MigrationConfigRow row, Optional<Instant> oldWatermark) {
    TableKind kind;
    String problem = null;
    try {
      kind = row.resolve().kind();
    } catch (ConfigRowException e) {
      kind = TableKind.INCREMENTAL_COLUMN;
      problem = e.getMessage();
    }
    Optional<String> ignored = kind == TableKind.SNAPSHOT && !row.watermarkSource().isIngestionTime()
        ? Optional.of(row.watermarkColumn()) : Optional.empty();
    if (!row.carriedForward()) {
      return new Entry(row.sourceTable(), Outcome.ALREADY_OURS, oldWatermark, row.watermarkColumn(), kind,
          "taken over earlier (configuration version " + row.version().orElse(0) + ", "
              + (row.active() ? "active" : "switched off") + ")", ignored);
    }
    if (!row.active()) {
      return new Entry(row.sourceTable(), Outcome.LEFT_SWITCHED_OFF, oldWatermark, row.watermarkColumn(), kind,
          "switched off by the original's latest row: not exported; `migrationctl resume --table "
              + row.sourceTable() + "` continues from one tick after the old watermark", ignored);
    }
    String next;
    if (problem != null) {
      next = "cannot be exported as configured: " + problem;
    } else if (kind == TableKind.SNAPSHOT) {
      next = "snapshot table: its first snapshot is taken at the next cycle (the old watermark is not a snapshot of"
          + " ours); then one per snapshot cadence" + ignored.map(c -> "; WatermarkColumn " + c + " is no longer used"
          + " (it only moves for new rows, so changes and removals were missed): every snapshot is the whole table")
          .orElse("");
    } else {
      Optional<Instant> from = row.progress().map(WindowProgress::watermark);
      String start = from.map(f -> "from " + KustoTime.format(f) + " (one tick after the old watermark; the rows"
          + " the original copied at it are not read again)").orElse("from migration.initialLookback (never loaded)");
      next = kind == TableKind.INCREMENTAL_COLUMN
          ? "windowed on " + row.watermarkColumn() + " " + start + ", windows closing "
              + KustoTimespan.format(row.lateArrivalAllowance()) + " (LateArrivalAllowance) after their end; rows"
              + " reaching the source later than that are not copied, as the original missed them"
          : "windowed on ingestion_time() " + start;
    }
    return new Entry(row.sourceTable(), Outcome.CARRIED_FORWARD, oldWatermark, row.watermarkColumn(), kind, next,
        ignored);
  }

  public long count(Outcome outcome) {
    return entries.stream().filter(e -> e.outcome() == outcome).count();
  }

  /** The report as the upgrade command prints it. */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("Takeover of database ").append(database).append(": ").append(count(Outcome.CARRIED_FORWARD))
        .append(" table(s) carried forward, ").append(count(Outcome.LEFT_SWITCHED_OFF)).append(" left switched off, ")
        .append(count(Outcome.ALREADY_OURS)).append(" already ours; ").append(carriedThisRun)
        .append(carriedThisRun == 0 ? " rows appended (nothing left to carry forward)" : " row(s) appended")
        .append('\n');
    for (Entry e : entries) {
      sb.append("  ").append(e.sourceTable()).append(" [").append(label(e.outcome())).append("] old watermark ")
          .append(e.oldWatermark().map(KustoTime::format).orElse("(never loaded)")).append(" on ")
          .append(e.watermarkColumn().isBlank() ? "None" : e.watermarkColumn()).append(": ").append(e.whatNext())
          .append('\n');
    }
    for (String w : warnings) {
      sb.append("WARNING: ").append(w).append('\n');
    }
    return sb.toString();
  }

  private static String label(Outcome o) {
    return switch (o) {
      case CARRIED_FORWARD -> "carried forward";
      case LEFT_SWITCHED_OFF -> "left switched off";
      case ALREADY_OURS -> "already ours";
    };
  }

  /** Reads configuration rows given as column maps, skipping none: a row that cannot be read fails the upgrade. */
  static List<MigrationConfigRow> rows(List<Map<String, Object>> raw) {
    return raw.stream().map(MigrationConfigRow::fromColumns).toList();
  }
}
