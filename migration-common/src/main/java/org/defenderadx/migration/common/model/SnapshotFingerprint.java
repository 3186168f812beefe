package org.defenderadx.migration.common.model;

import java.time.Instant;
import java.util.Optional;

/**
 * What {@link HuntingQueries#snapshotFingerprint} returns: the row count and newest ingestion time of a snapshot
 * table. A new snapshot is taken only when it differs from the last one copied.
 */
public record SnapshotFingerprint(long count, Optional<Instant> maxIngestion) {
  public SnapshotFingerprint {
    if (count < 0) {
      throw new IllegalArgumentException("negative count");
    }
  }

  public boolean differsFrom(Optional<SnapshotFingerprint> previous) {
    return previous.isEmpty() || !previous.get().equals(this);
  }
}
