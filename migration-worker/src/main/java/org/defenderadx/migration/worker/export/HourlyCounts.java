package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.query.HuntingQueries;
import org.defenderadx.migration.common.window.CellMerger;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.defender.Provenance;

/**
 * Rows per hour of the watermark, on both sides: at the source with one {@code summarize} call (through the
 * {@link WindowFetcher}, so it takes a permit from the shared budget and meets the same retries as any call), and in
 * ADX over the raw table's {@code Records}, counting only the rows of that tenant and table (several tenants may
 * share one raw table).
 */
public final class HourlyCounts {

  private final WindowFetcher fetcher;
  private final AdxClient adx;

  public HourlyCounts(WindowFetcher fetcher, AdxClient adx) {
    this.fetcher = fetcher;
    this.adx = adx;
  }

  /** The source's counts per hour (hours without rows are absent), and what the call cost. */
  public record SourceCounts(Map<Instant, Long> perHour, FetchStats stats) {
  }

  /** Counts at the source over {@code [lo, hi)}; fails with the reason when the call did not succeed. */
  public Future<SourceCounts> atSource(TenantContext tenant, ResolvedTable table, Instant lo, Instant hi) {
    return atSource(tenant, table, lo, hi, Duration.ofHours(1));
  }

  /** Counts per {@code bin} at the source over {@code [lo, hi)} (bins without rows are absent). */
  public Future<SourceCounts> atSource(TenantContext tenant, ResolvedTable table, Instant lo, Instant hi,
                                       Duration bin) {
    Window range = Window.of(lo, hi);
    Provenance provenance = new Provenance(tenant.key(), table.sourceTable(), "count", null);
    return fetcher.fetch(tenant, table, range, sourceQuery(table, lo, hi, bin), provenance).compose(f -> {
      if (f instanceof Fetched.Complete c) {
        return Future.succeededFuture(new SourceCounts(parseBlob(c.blob()), c.stats()));
      }
      return Future.failedFuture(new CountFailedException(table.sourceTable() + ": counting "
          + range + " at the source failed: " + failure(f), f.stats()));
    });
  }

  private static String failure(Fetched f) {
    return f instanceof Fetched.Failed failed ? failed.reason()
        : f instanceof Fetched.Paused p ? "the tenant is paused until " + KustoTime.format(p.until()) + ": " + p.reason()
        : "the count result was cut (" + ((Fetched.Split) f).reason() + ")";
  }

  /**
   * The planner's census: rows per bin, each bin's busiest instant, what the call cost, and the response bytes of a
   * sampled row when the census was asked for them (empty otherwise, or when the range held no row).
   */
  public record Census(Map<Instant, Long> perBin, Map<Instant, CellMerger.Peak> peaks, FetchStats stats,
                       OptionalLong sampledRowBytes) {
  }

  /** The census column carrying {@link HuntingQueries#rowBytesSample}. */
  static final String SAMPLE_ROW_BYTES = "__SampleRowBytes";
  /** A sampled row larger than this is not believed (the byte cap of a whole answer is 50 MB). */
  static final long MAX_SAMPLED_ROW_BYTES = 64L << 20;

  /**
   * The census of {@code [lo, hi)} at the source in {@code bin}s ({@link HuntingQueries#census}); fails with the
   * reason when the call did not succeed.
   *
   * @param sampleRowBytes also sample the rows' response size ({@link HuntingQueries#rowBytesSample})
   */
  public Future<Census> census(TenantContext tenant, ResolvedTable table, Instant lo, Instant hi, Duration bin,
                               boolean sampleRowBytes) {
    Window range = Window.of(lo, hi);
    Provenance provenance = new Provenance(tenant.key(), table.sourceTable(), "count", null);
    String query = censusQuery(table, lo, hi, bin) + (sampleRowBytes ? "\n| extend " + SAMPLE_ROW_BYTES + " = "
        + HuntingQueries.rowBytesSample(table.sourceTable(), table.watermark(), lo, hi) : "");
    return fetcher.fetch(tenant, table, range, query, provenance).compose(f -> {
      if (f instanceof Fetched.Complete c) {
        Map<Instant, Long> perBin = new TreeMap<>();
        Map<Instant, CellMerger.Peak> peaks = new TreeMap<>();
        OptionalLong sampled = OptionalLong.empty();
        for (JsonObject row : BlobRows.of(c.blob())) {
          if (sampleRowBytes && sampled.isEmpty()) {
            sampled = sampledRowBytes(row.getValue(SAMPLE_ROW_BYTES));
          }
          Instant binStart = instant(row.getValue("Bin"));
          perBin.merge(binStart, number(row.getValue("Count")), Long::sum);
          Instant at = KustoTime.fromValue(row.getValue("PeakAt"));
          Object peakRows = row.getValue("PeakRows");
          // An instant outside its bin would be a broken answer: it is not planned from.
          if (at != null && peakRows != null && !at.isBefore(binStart) && at.isBefore(binStart.plus(bin))) {
            peaks.put(binStart, new CellMerger.Peak(at, number(peakRows)));
          }
        }
        return Future.succeededFuture(new Census(perBin, peaks, c.stats(), sampled));
      }
      return Future.failedFuture(new CountFailedException(table.sourceTable() + ": counting " + range
          + " at the source failed: " + failure(f), f.stats()));
    });
  }

  /**
   * A row's bytes in an answer from the sample's average characters: one more for the comma between rows; nothing
   * when the value is missing or not believable (the answer is untrusted).
   */
  static OptionalLong sampledRowBytes(Object average) {
    if (!(average instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 1
        || n.doubleValue() > MAX_SAMPLED_ROW_BYTES) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Math.round(n.doubleValue()) + 1);
  }

  /** Counts in ADX over {@code [lo, hi)} of the source watermark, for rows of this tenant and table only. */
  public Future<Map<Instant, Long>> inAdx(String tenantKey, ResolvedTable table, Instant lo, Instant hi) {
    return adx.query(adxQuery(tenantKey, table, lo, hi)).map(rows -> {
      Map<Instant, Long> counts = new TreeMap<>();
      for (Map<String, Object> r : rows) {
        counts.merge(instant(r.get("Bin")), number(r.get("Count")), Long::sum);
      }
      return counts;
    });
  }

  /**
   * The source's hourly count, with the number of result rows riding along as {@code __WindowTotal}, so the
   * fetcher's completeness check holds for it as for any window; one read of the source.
   */
  static String sourceQuery(ResolvedTable table, Instant lo, Instant hi) {
    return sourceQuery(table, lo, hi, Duration.ofHours(1));
  }

  static String sourceQuery(ResolvedTable table, Instant lo, Instant hi, Duration bin) {
    return withOwnTotal(HuntingQueries.recount(table.sourceTable(), table.watermark(), lo, hi, bin),
        List.of("Bin", "todatetime", "Count", "tolong"));
  }

  /** The census, its rows gathered and spread out again so the result's own total rides along (one read). */
  static String censusQuery(ResolvedTable table, Instant lo, Instant hi, Duration bin) {
    return withOwnTotal(HuntingQueries.census(table.sourceTable(), table.watermark(), lo, hi, bin),
        List.of("Bin", "todatetime", "Count", "tolong", "PeakRows", "tolong", "PeakAt", "todatetime"));
  }

  /**
   * {@code counted}'s rows (one per bin, the first column {@code Bin}) gathered into one row that also counts them
   * (the result's own total, for the fetcher's completeness check), then spread out again. The source is read once:
   * counting a let-bound result would read the table twice, at twice the CPU.
   *
   * @param columns the result's columns as pairs of name and the conversion that restores its type
   */
  private static String withOwnTotal(String counted, List<String> columns) {
    StringBuilder pack = new StringBuilder();
    StringBuilder project = new StringBuilder();
    for (int c = 0; c < columns.size(); c += 2) {
      String name = columns.get(c);
      pack.append(c == 0 ? "" : ", ").append('\'').append(name).append("', ").append(name);
      project.append(name).append(" = ").append(columns.get(c + 1)).append("(__bins.").append(name).append("), ");
    }
    return counted + "\n"
        + "| summarize __bins = make_list(bag_pack(" + pack + ")), " + HuntingQueries.WINDOW_TOTAL + " = count()\n"
        + "| mv-expand __bins\n"
        + "| project " + project + HuntingQueries.WINDOW_TOTAL + "\n"
        + "| where isnotnull(Bin)";
  }

  static String adxQuery(String tenantKey, ResolvedTable table, Instant lo, Instant hi) {
    KqlIdentifiers.requireTable(table.destinationTable());
    String column = table.watermark().column().orElse(Provenance.SOURCE_INGESTION_TIME);
    KqlIdentifiers.requireColumn(column);
    return table.destinationTable() + "\n"
        + "| where tostring(Records." + Provenance.TENANT + ") == " + KqlLiterals.string(tenantKey)
        + " and tostring(Records." + Provenance.SOURCE_TABLE + ") == " + KqlLiterals.string(table.sourceTable()) + "\n"
        + "| extend __t = todatetime(Records." + column + ")\n"
        + "| where __t >= " + KustoTime.literal(lo) + " and __t < " + KustoTime.literal(hi) + "\n"
        + "| summarize Count = count() by Bin = bin(__t, 1h)";
  }

  private static Map<Instant, Long> parseBlob(byte[] gzip) {
    Map<Instant, Long> counts = new TreeMap<>();
    for (JsonObject row : BlobRows.of(gzip)) {
      counts.merge(instant(row.getValue("Bin")), number(row.getValue("Count")), Long::sum);
    }
    return counts;
  }

  /** The hour holding {@code t}. */
  public static Instant hourOf(Instant t) {
    return t.truncatedTo(ChronoUnit.HOURS);
  }

  /** The first hour boundary at or after {@code t}. */
  public static Instant hourCeiling(Instant t) {
    Instant h = hourOf(t);
    return h.equals(t) ? h : h.plus(Duration.ofHours(1));
  }

  static Instant instant(Object v) {
    Instant t = KustoTime.fromValue(v);
    if (t == null) {
      throw new IllegalArgumentException("no datetime in an hourly count row");
    }
    return t;
  }

  static long number(Object v) {
    if (v instanceof Number n) {
      return n.longValue();
    }
    return Long.parseLong(String.valueOf(v).trim());
  }

  /** Counting at the source did not succeed; carries what the attempt cost. */
  public static final class CountFailedException extends RuntimeException {
    private final transient FetchStats stats;

    CountFailedException(String message, FetchStats stats) {
      super(message);
      this.stats = stats;
    }

    public FetchStats stats() {
      return stats;
    }
  }
}
