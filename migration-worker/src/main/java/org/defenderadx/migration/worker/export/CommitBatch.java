package org.defenderadx.migration.worker.export;

import java.util.ArrayList;
import java.util.List;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.window.WindowProgress;

/**
 * Confirmed windows at the head of a table run's line, committed together: one watermark row past the last of them,
 * their audit rows ({@code Succeeded}) in one append.
 *
 * @param rows the rows of all its windows
 * @param last the last window's fetch, where the watermark goes
 */
record CommitBatch(List<WindowInLine> windows, long rows, Fetched.Complete last, List<AuditRecord> audits) {

  /** The confirmed windows at the head of {@code line}, at most {@code max}; empty when the head is not confirmed. */
  static List<WindowInLine> confirmedHead(List<WindowInLine> line, int max) {
    List<WindowInLine> head = new ArrayList<>();
    for (WindowInLine u : line) {
      if (u.state != WindowInLine.State.READY || head.size() >= max) {
        break;
      }
      head.add(u);
    }
    return head;
  }

  static CommitBatch of(List<WindowInLine> windows, WindowAudits audits) {
    List<AuditRecord> rows = new ArrayList<>();
    long count = 0;
    for (WindowInLine u : windows) {
      Fetched.Complete c = u.complete;
      count += c.rows();
      rows.add(audits.audit("Succeeded", "", c.rows(), c.window().lo(), c.window().hi(), u.id.text(),
          u.carried.plus(c.stats())));
    }
    return new CommitBatch(List.copyOf(windows), count, windows.get(windows.size() - 1).complete, rows);
  }

  WindowProgress progress() {
    return WindowProgress.after(last.window());
  }
}
