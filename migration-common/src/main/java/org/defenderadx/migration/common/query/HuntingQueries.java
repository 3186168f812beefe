package org.defenderadx.migration.common.query;

import java.time.Duration;
import java.time.Instant;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.kql.KustoTimespan;
import org.defenderadx.migration.common.model.WatermarkSource;
import org.defenderadx.migration.common.window.Bucket;
import org.defenderadx.migration.common.window.Window;

/**
 * The KQL text the migrator sends, in the shapes agreed with the simulator's engine. Every table and column name
 * is validated before use; every time is a 7-digit {@code datetime(...)} literal. Statements are separated by
 * single newlines and never by a blank line (in advanced hunting a blank line ends the query, dropping the
 * {@code let}s above it).
 */
public final class HuntingQueries {
  /** Added to every copied row: the source row's ingestion time. */
  public static final String SOURCE_INGESTION_TIME = "__SourceIngestionTime";
  /** Added to every copied row: the number of rows the window holds, counted in the same call. */
  public static final String WINDOW_TOTAL = "__WindowTotal";

  private HuntingQueries() {
  }

  /**
   * All rows of {@code table} whose watermark lies in {@code [window.lo, window.hi)} (and in the window's hash
   * bucket, if any), each carrying the source ingestion time and the window's total row count.
   */
  public static String window(String table, WatermarkSource watermark, Window window) {
    KqlIdentifiers.requireTable(table);
    String wm = watermark.kql();
    return "let __lo = " + KustoTime.literal(window.lo()) + ";\n"
        + "let __hi = " + KustoTime.literal(window.hi()) + ";\n"
        + "let __w = " + table + "\n"
        + "| where " + wm + " >= __lo and " + wm + " < __hi"
        + bucketFilter(window.bucket()) + ";\n"
        + totalAndRows("__w");
  }

  /**
   * One hash bucket of a whole table that has no usable time column ({@link Bucket#ALL}: the whole table). Every row
   * also carries the whole table's fingerprint ({@link #SOURCE_COUNT}, {@link #SOURCE_NEWEST}, as
   * {@link #snapshotFingerprint} reads it), taken by the same query as the rows, so no call of its own is needed to
   * tell whether the source changed during the snapshot.
   */
  public static String snapshotBucket(String table, Bucket bucket) {
    KqlIdentifiers.requireTable(table);
    return "let __s = " + table + bucketFilter(bucket) + ";\n" + totalAndRows("__s") + ",\n    "
        + SOURCE_COUNT + " = toscalar(" + table + " | count), " + SOURCE_NEWEST + " = toscalar(" + table
        + " | summarize max(ingestion_time()))";
  }

  /** The snapshot source's row count, riding on every row of a bucket (taken out before the rows are stored). */
  public static final String SOURCE_COUNT = "__SourceCount";
  /** The snapshot source's newest ingestion time, riding on every row of a bucket (taken out too). */
  public static final String SOURCE_NEWEST = "__SourceNewest";

  /** Row count and newest ingestion time: tells whether a snapshot table changed since the last copy. */
  public static String snapshotFingerprint(String table) {
    KqlIdentifiers.requireTable(table);
    return "print Count = toscalar(" + table + " | count), MaxIngestion = toscalar(" + table
        + " | summarize max(ingestion_time()))";
  }

  /** Rows per hour of the watermark in {@code [lo, hi)} at the source, to compare with the destination. */
  public static String recount(String table, WatermarkSource watermark, Instant lo, Instant hi) {
    return recount(table, watermark, lo, hi, Duration.ofHours(1));
  }

  /** Rows per {@code bin} of the watermark in {@code [lo, hi)} at the source (the planner's census of cells). */
  public static String recount(String table, WatermarkSource watermark, Instant lo, Instant hi, Duration bin) {
    KqlIdentifiers.requireTable(table);
    return binnedCount(table, watermark.kql(), lo, hi, bin);
  }

  /**
   * The planner's census: rows per {@code bin} of the watermark in {@code [lo, hi)} at the source, with each bin's
   * busiest instant ({@code PeakAt}) and its rows ({@code PeakRows}), so a burst of rows sharing one instant is planned
   * as a unit of its own instead of being found by halving. The source is read once: rows are counted per instant,
   * then the instants per bin.
   */
  public static String census(String table, WatermarkSource watermark, Instant lo, Instant hi, Duration bin) {
    KqlIdentifiers.requireTable(table);
    if (!lo.isBefore(hi)) {
      throw new IllegalArgumentException("empty range [" + lo + ", " + hi + ")");
    }
    String expr = watermark.kql();
    return table + "\n"
        + "| where " + expr + " >= " + KustoTime.literal(lo) + " and " + expr + " < " + KustoTime.literal(hi) + "\n"
        + "| summarize InstantRows = count() by Instant = " + expr + "\n"
        + "| summarize arg_max(InstantRows, Instant), Count = sum(InstantRows) by Bin = bin(Instant, " + binWidth(bin)
        + ")\n"
        + "| project Bin, Count, PeakRows = InstantRows, PeakAt = Instant";
  }

  /** Rows {@link #rowBytesSample} serialises. */
  public static final int ROW_SAMPLE = 100;

  /**
   * A scalar expression: the average characters of a row of {@code table} in {@code [lo, hi)} as a window's answer
   * carries it (every column by name, with the two columns a window adds), over {@link #ROW_SAMPLE} rows. The census
   * carries it while the table's own answers have not measured its rows yet, so its first unit is sized for them
   * instead of for an assumed row; {@code take} stops reading after the sample.
   */
  public static String rowBytesSample(String table, WatermarkSource watermark, Instant lo, Instant hi) {
    KqlIdentifiers.requireTable(table);
    String expr = watermark.kql();
    return "toscalar(" + table + "\n"
        + "    | where " + expr + " >= " + KustoTime.literal(lo) + " and " + expr + " < " + KustoTime.literal(hi)
        + "\n"
        + "    | take " + ROW_SAMPLE + "\n"
        + "    | extend " + SOURCE_INGESTION_TIME + " = ingestion_time(), " + WINDOW_TOTAL + " = 100000\n"
        + "    | summarize avg(strlen(tostring(pack_all()))))";
  }

  /**
   * The same hourly count in ADX over the copied rows. For an ingestion-time watermark the destination keeps
   * the source time in {@link #SOURCE_INGESTION_TIME}; for a column watermark pass that column.
   */
  public static String verify(String destinationTable, WatermarkSource sourceWatermark, Instant lo, Instant hi) {
    KqlIdentifiers.requireTable(destinationTable);
    String column = KqlIdentifiers.quotedColumn(sourceWatermark.column().orElse(SOURCE_INGESTION_TIME));
    return binnedCount(destinationTable, column, lo, hi, Duration.ofHours(1));
  }

  private static String binnedCount(String table, String expr, Instant lo, Instant hi, Duration bin) {
    if (!lo.isBefore(hi)) {
      throw new IllegalArgumentException("empty range [" + lo + ", " + hi + ")");
    }
    return table + "\n"
        + "| where " + expr + " >= " + KustoTime.literal(lo) + " and " + expr + " < " + KustoTime.literal(hi) + "\n"
        + "| summarize Count = count() by Bin = bin(" + expr + ", " + binWidth(bin) + ")";
  }

  /** {@code 1h}, {@code 1d}, {@code 7m}: the short timespan form for whole units, the full literal otherwise. */
  static String binWidth(Duration bin) {
    if (bin.isZero() || bin.isNegative()) {
      throw new IllegalArgumentException("bin width must be positive: " + bin);
    }
    long s = bin.getSeconds();
    if (bin.getNano() != 0) {
      return KustoTimespan.literal(bin);
    }
    return s % 86_400 == 0 ? s / 86_400 + "d" : s % 3_600 == 0 ? s / 3_600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
  }

  private static String bucketFilter(Bucket bucket) {
    if (bucket.isAll()) {
      return "";
    }
    return "\n| where abs(hash_xxhash64(tostring(pack_all())) % " + bucket.count() + ") == " + bucket.index();
  }

  private static String totalAndRows(String set) {
    return "let __total = toscalar(" + set + " | count);\n"
        + set + "\n"
        + "| extend " + SOURCE_INGESTION_TIME + " = ingestion_time(), " + WINDOW_TOTAL + " = __total";
  }
}
