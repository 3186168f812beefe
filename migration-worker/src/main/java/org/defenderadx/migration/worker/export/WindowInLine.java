package org.defenderadx.migration.worker.export;

import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.worker.defender.Provenance;
import org.defenderadx.migration.worker.quota.InFlightBytes;

/** One window in a table run's line of windows not yet committed ({@link TableRun}). */
final class WindowInLine {

  enum State { WAITING, WORKING, READY }

  final Window window;
  final WindowId id;
  private final String tenantKey;
  private final String sourceTable;
  State state = State.WAITING;
  Fetched.Complete complete;
  /** Calls spent on the window this one was split from, booked with this one's audit. */
  FetchStats carried = FetchStats.none();
  /** The window's room in the node's in-flight budget, from before its fetch until ADX confirms it. */
  volatile InFlightBytes.Permit permit;

  WindowInLine(String tenantKey, String sourceTable, Window window) {
    this.tenantKey = tenantKey;
    this.sourceTable = sourceTable;
    this.window = window;
    this.id = WindowId.of(tenantKey, sourceTable, window);
  }

  Provenance provenance() {
    return new Provenance(tenantKey, sourceTable, id.text(), null);
  }

  void ready(Fetched.Complete c) {
    // Without the blob: the window is confirmed, and its bytes no longer count against the budget.
    complete = new Fetched.Complete(c.window(), new byte[0], c.rows(), c.uncompressedBytes(), c.responseBytes(),
        c.stats());
    state = State.READY;
  }

  /** Holds what the built blob takes instead of the room reserved for it. */
  void keepBlob(long bytes) {
    InFlightBytes.Permit p = permit;
    if (p != null) {
      p.keep(bytes);
    }
  }

  void releaseBlob() {
    InFlightBytes.Permit p = permit;
    if (p != null) {
      p.release();
    }
  }
}
