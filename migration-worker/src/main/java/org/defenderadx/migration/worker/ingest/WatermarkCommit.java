package org.defenderadx.migration.worker.ingest;

import java.util.List;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.WindowProgress;

/**
 * Confirmed windows of one table, committed together: the watermark row moves from {@code row} to {@code progress}
 * (past the last of them) and one audit row per window follows, two control commands for the whole batch.
 */
public record WatermarkCommit(Fence fence, MigrationConfigRow row, WindowProgress progress, List<AuditRecord> audits) {
}
