package org.defenderadx.migration.worker.export;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.defenderadx.migration.common.model.SnapshotFingerprint;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.worker.defender.HuntingResultStreamParser.SchemaColumn;

/** How fetching a window ended. */
public sealed interface Fetched {

  FetchStats stats();

  /**
   * Every row of the window is in {@code blob} (gzip'd multi-JSON); {@code rows} may be 0, with an empty blob.
   * {@code responseBytes} is the size of the answer as received (what the service's byte cap applies to), which
   * units are planned from; {@code schema} is the result's own (empty when the answer carried none);
   * {@code sourceFingerprint} is a snapshot source's count and newest ingestion time when its rows carried them
   * (a snapshot bucket with at least one row).
   */
  record Complete(Window window, byte[] blob, long rows, long uncompressedBytes, long responseBytes, FetchStats stats,
                  List<SchemaColumn> schema, Optional<SnapshotFingerprint> sourceFingerprint) implements Fetched {
    public Complete(Window window, byte[] blob, long rows, long uncompressedBytes, long responseBytes,
                    FetchStats stats) {
      this(window, blob, rows, uncompressedBytes, responseBytes, stats, List.of(), Optional.empty());
    }
  }

  /** The result was cut (row cap, byte cap, too costly) or too large for one blob: fetch these instead, in order. */
  record Split(Window window, List<Window> children, String reason, FetchStats stats) implements Fetched {
  }

  /** The tenant is paused (CPU quota) until {@code until}; try the window again then. */
  record Paused(Window window, Instant until, String reason, FetchStats stats) implements Fetched {
  }

  /** The table cannot go on: the reason names the cause (a 400 from the service, a missing permission, ...). */
  record Failed(Window window, String reason, FetchStats stats) implements Fetched {
  }
}
