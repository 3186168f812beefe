package org.defenderadx.migration.common.config;

import java.time.Duration;

/**
 * How windows are planned and how hard the source is pushed.
 *
 * @param settleLag        windows close at min(our clock, the service's clock) minus this, so late commits at the
 *                         source are not skipped
 * @param initialLookback  where a never-loaded table starts (at most the 30-day Advanced Hunting horizon)
 * @param rowCap           rows per result before the service truncates silently (100,000)
 * @param byteCap          bytes per result before the service truncates or fails (50 MB on Graph)
 * @param windowGrid       width of the base grid cell; windows are cells or halvings of cells
 * @param cycleInterval    how often the coordinator plans new work
 * @param snapshotCadence  how often snapshot tables are exported again
 * @param horizonMargin    a window this close to the 30-day horizon is audited as at risk
 * @param maxRowSize       the largest single result row a response may carry (at most {@code byteCap}); the
 *                         row buffer of a call never grows past it
 * @param maxServiceWait   the longest wait any answer of the service can impose (Retry-After, "again in ...",
 *                         the CPU quota's cycle)
 * @param fetchInstances   fetch verticle instances per node (each runs its tables on its own event loop)
 * @param maxCommitBatch   the most confirmed windows of one table committed together (two ADX control commands
 *                         per commit, whatever the number of windows); 1 commits each window alone
 * @param parkProbeInterval how long a table the tenant does not have (unknown table, missing permission) is parked
 *                         before one call tries it again
 * @param closeWait        the longest a table with closed cells to export waits for the next cell to close before
 *                         its run, so that cell joins the run's units (0: never); see
 *                         {@link org.defenderadx.migration.common.window.CloseWait}
 */
public record MigrationTuning(Duration settleLag, Duration initialLookback, int rowCap, long byteCap,
                              Duration windowGrid, Duration cycleInterval, Duration snapshotCadence,
                              Duration horizonMargin, long maxRowSize, Duration maxServiceWait,
                              int fetchInstances, int maxCommitBatch, Duration parkProbeInterval,
                              Duration closeWait) {

  /** Advanced Hunting keeps 30 days. */
  public static final Duration HORIZON = Duration.ofDays(30);
}
