package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.query.HourlyCountCheck;

/**
 * Compares a table's rows per hour at the source with what ADX holds for that tenant and table, over a range of
 * whole hours: one {@code summarize} call at the source (it takes a permit like any call) and one query in ADX.
 * Hours with fewer rows in ADX have rows missing; hours with more have duplicates. Ranges older than the source's
 * 30 days cannot be verified: the source no longer holds them.
 */
public final class Verifier {

  private final HourlyCounts counts;

  public Verifier(HourlyCounts counts) {
    this.counts = counts;
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

  /** Verifies {@code [lo, hi)}, widened to whole hours. */
  public Future<Report> verify(TenantContext tenant, ResolvedTable table, Instant lo, Instant hi) {
    Instant from = HourlyCounts.hourOf(lo);
    Instant to = HourlyCounts.hourCeiling(hi);
    return counts.atSource(tenant, table, from, to).compose(source ->
        counts.inAdx(tenant.key(), table, from, to).map(adx ->
            new Report(table.sourceTable(), from, to, HourlyCountCheck.compare(source.perHour(), adx),
                source.stats())));
  }
}
