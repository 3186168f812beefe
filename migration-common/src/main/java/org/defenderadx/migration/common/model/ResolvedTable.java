package org.defenderadx.migration.common.model;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.defenderadx.migration.common.window.WindowProgress;

/**
 * A validated configuration row with its effective copy strategy.
 *
 * @param progress where copying resumes; empty when the table was never loaded
 * @param warnings things an operator should see in the log (a column watermark, a LoadType overridden, ...)
 */
public record ResolvedTable(String tenantId, String sourceTable, String destinationTable, TableKind kind,
    WatermarkSource watermark, Duration lateArrivalAllowance, Optional<WindowProgress> progress,
    List<String> warnings) {
  public ResolvedTable {
    warnings = List.copyOf(warnings);
  }
}
