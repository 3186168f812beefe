package org.defenderadx.migration.demo;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.worker.defender.Provenance;
import org.defenderadx.migration.worker.export.HourlyCounts;
import org.defenderadx.simulator.adx.AdxStandIn;
import org.defenderadx.simulator.adx.store.Table;
import org.defenderadx.simulator.defender.DefenderSimulator;
import org.defenderadx.simulator.defender.RowDigest;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.defenderadx.simulator.kql.StoredRow;

/**
 * Row-level exactness of one table: the multiset of row digests the simulator held (its ground truth) against the
 * rows the ADX stand-in holds, over a range of source ingestion time. The digests are those of the tests'
 * {@code ExactlyOnce} ({@link RowDigest}, SHA-256 of the canonical row), kept as their first 64 bits in sorted
 * arrays, so a medium table costs 16 bytes a row instead of its rows; the source is read a day at a time.
 */
public final class ExactnessCheck {

  /** How the rows compare: {@code duplicated} counts rows ADX holds more often than the source (or not at all). */
  public record Result(String table, Instant from, Instant to, long atSource, long inAdx, long missing,
                       long duplicated) {
    public boolean exact() {
      return missing == 0 && duplicated == 0;
    }
  }

  private static final Duration SOURCE_CHUNK = Duration.ofDays(1);

  private final DefenderSimulator sim;
  private final AdxStandIn adx;
  private final String database;

  public ExactnessCheck(DefenderSimulator sim, AdxStandIn adx, String database) {
    this.sim = sim;
    this.adx = adx;
    this.database = database;
  }

  /**
   * Compares {@code table}'s rows up to {@code to} with what ADX's {@code destination} holds of them (blocking), from
   * the first whole hour the source still holds, {@code edgeMargin} inside its horizon. The source is read as it
   * stood when the check starts, so rows ageing out while it runs do not count as missing from the source.
   */
  public Result check(String table, String destination, Duration edgeMargin, Instant to) {
    Instant at = sim.clock().instant();
    Instant from = HourlyCounts.hourCeiling(at.minus(sim.config().limits().horizon()).plus(edgeMargin));
    Digests source = new Digests();
    for (Instant lo = from; lo.isBefore(to); lo = lo.plus(SOURCE_CHUNK)) {
      Instant hi = lo.plus(SOURCE_CHUNK).isBefore(to) ? lo.plus(SOURCE_CHUNK) : to;
      for (String hex : sim.groundTruth(table, new IngestionTimeRange(lo, hi), at)) {
        source.add(hex);
      }
    }
    Digests inAdx = new Digests();
    Table raw = adx.database(database).findTable(destination).orElse(null);
    if (raw != null) {
      int records = recordsColumn(raw.columns());
      for (Iterator<StoredRow> it = raw.scan(IngestionTimeRange.ALL); it.hasNext(); ) {
        JsonObject record = record(it.next().value(records));
        if (record == null || !table.equals(record.getString(Provenance.SOURCE_TABLE))
            || !"".equals(record.getString(Provenance.TENANT))) {
          continue;
        }
        Instant ingested = KustoTime.parse(record.getString(Provenance.SOURCE_INGESTION_TIME));
        if (!ingested.isBefore(from) && ingested.isBefore(to)) {
          inAdx.add(RowDigest.of(record));
        }
      }
    }
    long[] s = source.sorted();
    long[] a = inAdx.sorted();
    long missing = 0;
    long duplicated = 0;
    int i = 0;
    int j = 0;
    while (i < s.length || j < a.length) {
      int c = i == s.length ? 1 : j == a.length ? -1 : Long.compare(s[i], a[j]);
      if (c == 0) {
        i++;
        j++;
      } else if (c < 0) {
        missing++;
        i++;
      } else {
        duplicated++;
        j++;
      }
    }
    return new Result(table, from, to, s.length, a.length, missing, duplicated);
  }

  private static int recordsColumn(List<Column> columns) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals("Records")) {
        return i;
      }
    }
    throw new IllegalStateException("the raw table has no Records column; was kql/setup.kql applied?");
  }

  @SuppressWarnings("unchecked")
  private static JsonObject record(Object value) {
    if (value instanceof Map<?, ?> m) {
      return new JsonObject((Map<String, Object>) m);
    }
    if (value instanceof String text) {
      return new JsonObject(text);
    }
    return null;
  }

  /** A growing array of 64-bit digest prefixes. */
  private static final class Digests {
    private long[] values = new long[1024];
    private int size;

    void add(String hex) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = Long.parseUnsignedLong(hex.substring(0, 16), 16);
    }

    long[] sorted() {
      long[] out = Arrays.copyOf(values, size);
      Arrays.sort(out);
      return out;
    }
  }
}
