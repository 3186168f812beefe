package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.query.HourlyCountCheck;
import org.defenderadx.migration.common.time.TimeSource;

/**
 * Compares a table's rows per hour at the source with what ADX holds for that tenant and table, over a range of
 * whole hours: one {@code summarize} call at the source (it takes a permit like any call) and one query in ADX.
 * Hours with fewer rows in ADX have rows missing; hours with more have duplicates. Hours older than the source's
 * 30 days are not compared: the source no longer holds them.
 */
public final class Verifier {

  /** Kept from the source's horizon edge, so no hour ages out while it is being counted. */
  private static final Duration EDGE_MARGIN = Duration.ofMinutes(10);

  private final HourlyCounts counts;
  private final TimeSource time;
  private final Duration lookback;

  /** @param lookback how far back the source keeps rows (30 days) */
  public Verifier(HourlyCounts counts, TimeSource time, Duration lookback) {
    this.counts = counts;
    this.time = time;
    this.lookback = lookback;
  }

  /** The outcome: the whole hours compared and the ones that differ, oldest first. */
  public record Report(String sourceTable, Instant from, Instant to, List<HourlyCountCheck.Mismatch> mismatches,
                       FetchStats stats) {
    public boolean exact() {
      return mismatches.isEmpty();
    }

    public List<Instant> hours() {
      return mismatches.stream().map(HourlyCountCheck.Mismatch::hour).toList();
    }

    @Override
    public String toString() {
      return sourceTable + " [" + KustoTime.format(from) + ", " + KustoTime.format(to) + "): "
          + (exact() ? "exact" : mismatches.size() + " hour(s) differ: " + mismatches);
    }
  }

  /**
   * Verifies {@code [lo, hi)}, widened to whole hours; hours the source no longer holds entirely are left out (the
   * report's {@code from} says where the comparison started).
   */
  public Future<Report> verify(TenantContext tenant, ResolvedTable table, Instant lo, Instant hi) {
    Instant oldest = HourlyCounts.hourCeiling(time.now().minus(lookback).plus(EDGE_MARGIN));
    Instant from = HourlyCounts.hourOf(lo).isBefore(oldest) ? oldest : HourlyCounts.hourOf(lo);
    Instant to = HourlyCounts.hourCeiling(hi);
    if (!from.isBefore(to)) {
      return Future.failedFuture(new IllegalArgumentException(table.sourceTable() + ": [" + KustoTime.format(lo)
          + ", " + KustoTime.format(hi) + ") is older than the source's " + lookback.toDays()
          + " days; it can no longer be verified"));
    }
    return counts.atSource(tenant, table, from, to).compose(source ->
        counts.inAdx(tenant.key(), table, from, to).map(adx ->
            new Report(table.sourceTable(), from, to, HourlyCountCheck.compare(source.perHour(), adx),
                source.stats())));
  }
}
