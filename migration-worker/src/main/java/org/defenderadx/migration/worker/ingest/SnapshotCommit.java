package org.defenderadx.migration.worker.ingest;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.SnapshotProgress;

/**
 * A snapshot table's next row: {@code lastCommitted} is the stamp of its last committed snapshot, {@code inProgress}
 * the snapshot under way (empty between snapshots). {@code auditsBefore} are written before the row (the
 * {@code SnapshotCommitted} row that makes a snapshot visible), {@code auditsAfter} after it (a bucket's audit).
 */
public record SnapshotCommit(Fence fence, MigrationConfigRow row, Optional<Instant> lastCommitted,
                             Optional<SnapshotProgress> inProgress, List<AuditRecord> auditsBefore,
                             List<AuditRecord> auditsAfter) {
}
