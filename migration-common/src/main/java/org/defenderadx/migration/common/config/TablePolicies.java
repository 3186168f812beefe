package org.defenderadx.migration.common.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Typed tables and the retention and hot-cache policies the node keeps on the raw and typed tables
 * ({@code adx.typedTables}, {@code adx.retention}). An absent duration leaves that table's policy as the database
 * sets it. Raw and typed tables both hold every row, so both cost storage: a short typed retention keeps old rows
 * only in raw; a raw retention is never shorter than {@link #MIN_RAW_RETENTION}, since verify and repair compare the
 * raw table with the source over the source's 30 days.
 *
 * @param typedTables whether typed tables are made and kept in step (the runtime principal then needs Database User)
 * @param defaults    the policies of every table without its own
 * @param perTable    policies of one source table (by Defender's name), each duration falling back to the defaults
 */
public record TablePolicies(boolean typedTables, Policies defaults, Map<String, Policies> perTable) {

  /** 30 days of source lookback, plus a day for the settle lag and the grid. */
  public static final Duration MIN_RAW_RETENTION = Duration.ofDays(31);

  public TablePolicies {
    perTable = Map.copyOf(perTable);
  }

  /** Typed tables on, every policy left to the database. */
  public static TablePolicies standard() {
    return new TablePolicies(true, Policies.NONE, Map.of());
  }

  /** One table's policies (soft-delete period and hot-cache span, raw and typed); each may be absent. */
  public record Policies(Optional<Duration> rawRetention, Optional<Duration> rawHotCache,
                         Optional<Duration> typedRetention, Optional<Duration> typedHotCache) {
    public static final Policies NONE = new Policies(Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty());

    /** These, with each absent duration taken from {@code fallback}. */
    public Policies over(Policies fallback) {
      return new Policies(rawRetention.or(fallback::rawRetention), rawHotCache.or(fallback::rawHotCache),
          typedRetention.or(fallback::typedRetention), typedHotCache.or(fallback::typedHotCache));
    }
  }

  /** The policies in force for a source table. */
  public Policies of(String sourceTable) {
    Policies own = perTable.get(sourceTable);
    return own == null ? defaults : own.over(defaults);
  }
}
