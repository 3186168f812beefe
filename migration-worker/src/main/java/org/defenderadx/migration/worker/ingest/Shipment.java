package org.defenderadx.migration.worker.ingest;

import java.time.Instant;
import org.defenderadx.migration.common.model.AuditRecord;

/**
 * One finished window or snapshot bucket handed to ingestion, or a repair's re-fetched window on its way to the
 * repair's staging table: its blob and identity. Every send of it goes under the unit's tag ({@code ingest-by:} and
 * {@code ingestIfNotExists}) and a source id derived from the unit and a send number, so a restarted node finds the
 * sends an earlier process made ({@link IngestionService}).
 *
 * @param destination  the raw table, or for a staged shipment the repair's staging table
 * @param blob         the gzipped rows (multi-JSON), each stamped with its provenance
 * @param tag          the unit's short identity, the ingest-by tag
 * @param unitId       the unit's full identity (window or snapshot bucket id); for a staged shipment one that also
 *                     names the staging table, so its sends are never taken for the exporter's sends of the window
 * @param creationTime the unit's start, so retention and caching treat back-filled rows by their age
 * @param rows         rows in the blob
 * @param runId        the run that fetched it (source ids are per run where no status table can be read)
 * @param auditBase    the unit's audit row, whose status and reason each audited retry or quarantine replaces
 * @param staged       true when {@code destination} is a repair's staging table: the rows must land in extents
 *                     carrying the tag (queued ingestion only), since the repair finds and swaps them in by it, and
 *                     a partial landing fails the shipment without quarantining the window (the repair then drops
 *                     the staging table and leaves the raw table as it was)
 */
public record Shipment(String destination, byte[] blob, String tag, String unitId, Instant creationTime, long rows,
                       String runId, AuditRecord auditBase, boolean staged) {

  /** A window or snapshot bucket sent straight to its raw table. */
  public Shipment(String destination, byte[] blob, String tag, String unitId, Instant creationTime, long rows,
                  String runId, AuditRecord auditBase) {
    this(destination, blob, tag, unitId, creationTime, rows, runId, auditBase, false);
  }

  /** A repair's re-fetched window (or leaf of it) for the repair's staging table, under the window's own tag. */
  public static Shipment staged(String stagingTable, byte[] blob, String tag, String unitId, Instant creationTime,
                                long rows, String runId, AuditRecord auditBase) {
    return new Shipment(stagingTable, blob, tag, unitId, creationTime, rows, runId, auditBase, true);
  }

  /** The audit row of this unit at {@code at} with another status and reason, and the shipment's row count. */
  public AuditRecord audit(String status, String reason, Instant at) {
    AuditRecord b = auditBase;
    return new AuditRecord(b.destinationTable(), at, status, reason, rows, b.tenantId(), b.sourceTable(),
        b.runId(), b.windowId(), b.windowStart(), b.windowEnd(), b.apiCalls(), b.callQuota429(), b.cpuQuota429(),
        b.duration(), b.node(), b.details());
  }
}
