package org.defenderadx.simulator.defender.data;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.defenderadx.simulator.kql.Column;

/**
 * An append-only event table laid out over the simulated timeline. Only the sorted ingestion times are kept
 * (one long per row); every row's content is a pure function of (seed, table, index), generated when read.
 *
 * <p>What it includes on purpose: ingestion times shared by batches of rows (and one burst instant holding
 * {@link Profile#burstRows()} rows in DeviceProcessEvents), late arrivals ({@code Timestamp} seconds to days
 * before ingestion), and columns added part-way through (rows ingested before then lack them).
 */
public final class EventTable {

  /** How rows pick their device and how late their events are. */
  public enum Kind {
    /** Random device; Timestamp mostly seconds before ingestion, sometimes hours or days. */
    EVENTS,
    /** DeviceInfo: one row per device per hour, reported within a minute. */
    HOURLY_ENTITY
  }

  private final String name;
  private final List<Column> baseColumns;
  private final List<Column> addedColumns;
  private final long addedAtTicks;
  private final long[] ingestTicks;
  private final Kind kind;
  private final long seed;
  private final long salt;
  private final int devices;
  private final String[] actionTypes;
  private final ValueFactory.Gen[] gens;
  private final int timestampIndex;

  /**
   * @param rows        how many rows over {@code [spanStart, spanEnd)} (EVENTS only; HOURLY_ENTITY derives it)
   * @param burstRows   extra rows that all share one ingestion instant at {@code burstAt}; 0 for none
   * @param addedAt     when {@code added} columns appear; rows ingested before then do not have them
   */
  public EventTable(String name, List<Column> base, List<Column> added, Instant addedAt, Kind kind, long seed,
                    Devices devices, String[] actionTypes, Instant spanStart, Instant spanEnd, long rows,
                    int burstRows, Instant burstAt) {
    this.name = name;
    this.baseColumns = base;
    this.addedColumns = added;
    this.addedAtTicks = addedAt == null ? Long.MIN_VALUE : Ticks.of(addedAt);
    this.kind = kind;
    this.seed = seed;
    this.salt = Rows.salt(name);
    this.devices = devices.count();
    this.actionTypes = actionTypes;
    List<Column> all = new ArrayList<>(base);
    all.addAll(added);
    gens = new ValueFactory.Gen[all.size()];
    for (int i = 0; i < all.size(); i++) {
      gens[i] = ValueFactory.forColumn(all.get(i), devices);
    }
    int ts = -1;
    for (int i = 0; i < base.size(); i++) {
      if (base.get(i).name().equals("Timestamp")) {
        ts = i;
      }
    }
    timestampIndex = ts;
    ingestTicks = kind == Kind.HOURLY_ENTITY
        ? hourlyLayout(spanStart, spanEnd, this.devices)
        : eventLayout(spanStart, spanEnd, rows, burstRows, burstAt);
  }

  private long[] hourlyLayout(Instant spanStart, Instant spanEnd, int d) {
    long start = Ticks.of(spanStart.truncatedTo(java.time.temporal.ChronoUnit.HOURS));
    long hour = 3600 * Ticks.PER_SECOND;
    int hours = (int) ((Ticks.of(spanEnd) - start) / hour);
    long[] t = new long[hours * d];
    long slot = hour / d;
    for (int h = 0; h < hours; h++) {
      for (int dev = 0; dev < d; dev++) {
        int i = h * d + dev;
        long jitter = new SplittableRandom(Rows.mix(seed, salt, i)).nextLong(Math.max(1, slot / 2));
        t[i] = start + h * hour + dev * slot + jitter;
      }
    }
    return t;
  }

  private long[] eventLayout(Instant spanStart, Instant spanEnd, long rows, int burstRows, Instant burstAt) {
    long lo = Ticks.of(spanStart);
    long width = Ticks.of(spanEnd) - lo;
    int n = Math.toIntExact(rows + burstRows);
    long[] t = new long[n];
    SplittableRandom r = new SplittableRandom(Rows.mix(seed, salt, -1));
    for (int i = 0; i < rows; i++) {
      t[i] = lo + r.nextLong(width);
    }
    Arrays.sort(t, 0, (int) rows);
    // Ingestion happens in batches: runs of up to 40 rows that arrive within five minutes share the first
    // row's instant.
    long batchSpan = 300 * Ticks.PER_SECOND;
    int i = 0;
    while (i < rows) {
      int len = 1 + r.nextInt(40);
      long first = t[i];
      int j = i + 1;
      while (j < Math.min(rows, i + len) && t[j] - first < batchSpan) {
        t[j++] = first;
      }
      i = j;
    }
    long burst = burstAt == null ? lo : Ticks.of(burstAt);
    for (int k = (int) rows; k < n; k++) {
      t[k] = burst;
    }
    Arrays.sort(t);
    return t;
  }

  public String name() {
    return name;
  }

  public long[] ingestTicks() {
    return ingestTicks;
  }

  public int size() {
    return ingestTicks.length;
  }

  /** The schema as it stands at {@code t}. */
  public List<Column> columnsAt(long ticks) {
    if (ticks < addedAtTicks || addedColumns.isEmpty()) {
      return baseColumns;
    }
    List<Column> all = new ArrayList<>(baseColumns);
    all.addAll(addedColumns);
    return List.copyOf(all);
  }

  public int timestampIndex() {
    return timestampIndex;
  }

  /** The values of row {@code i}, limited to the columns it has and to at most {@code maxColumns}. */
  public Object[] row(int i, int maxColumns) {
    long ingest = ingestTicks[i];
    int width = Math.min(maxColumns, ingest < addedAtTicks ? baseColumns.size() : gens.length);
    SplittableRandom r = new SplittableRandom(Rows.mix(seed, salt, i));
    ValueFactory.RowCtx ctx = new ValueFactory.RowCtx();
    ctx.index = i;
    ctx.ingestion = Ticks.instant(ingest);
    if (kind == Kind.HOURLY_ENTITY) {
      ctx.device = i % devices;
      ctx.timestamp = ctx.ingestion.minusMillis(1 + r.nextInt(60_000));
    } else {
      ctx.device = r.nextInt(devices);
      ctx.timestamp = ctx.ingestion.minus(lateness(r));
    }
    ctx.actionType = actionTypes.length == 0 ? "" : actionTypes[r.nextInt(actionTypes.length)];
    Object[] v = new Object[width];
    for (int c = 0; c < width; c++) {
      v[c] = gens[c].next(ctx, r);
    }
    return v;
  }

  /** Mostly seconds; some minutes; a few hours; rarely days (offline devices uploading later). */
  private static Duration lateness(SplittableRandom r) {
    int p = r.nextInt(1000);
    long ticks;
    if (p < 900) {
      ticks = r.nextLong(120 * Ticks.PER_SECOND);
    } else if (p < 980) {
      ticks = r.nextLong(2 * 60, 60 * 60) * Ticks.PER_SECOND + r.nextLong(Ticks.PER_SECOND);
    } else if (p < 995) {
      ticks = r.nextLong(3600, 12 * 3600) * Ticks.PER_SECOND + r.nextLong(Ticks.PER_SECOND);
    } else {
      ticks = r.nextLong(86_400, 3 * 86_400) * Ticks.PER_SECOND + r.nextLong(Ticks.PER_SECOND);
    }
    return Duration.ofNanos(ticks * 100);
  }
}
