package org.defenderadx.migration.worker.ingest;

/**
 * The lease a commit is made under: {@code leaseKey} is the table's lease ({@code tenant|table}), {@code leaseId} the
 * holder's id. A commit whose lease is no longer held by that id is refused, so a node presumed dead cannot move a
 * watermark another node now owns. {@link #NONE}: no lease (single-process tests and ops commands under their own
 * lock).
 */
public record Fence(String leaseKey, String leaseId) {
  public static final Fence NONE = new Fence("", "");

  public boolean isNone() {
    return leaseId.isEmpty();
  }
}
