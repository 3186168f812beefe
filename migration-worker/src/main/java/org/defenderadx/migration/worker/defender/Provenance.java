package org.defenderadx.migration.worker.defender;

/**
 * What every exported row carries besides its own columns, so that ADX can always say where a row came from.
 * Written into the row's JSON under keys that start with {@code __}, which no Advanced Hunting column does.
 *
 * @param tenantKey    our tenant key ({@code ""} for the default tenant)
 * @param sourceTable  the Advanced Hunting table
 * @param unitId       the window or snapshot-bucket identity
 * @param snapshotTime for snapshot tables, the snapshot's stamp (7-digit ISO string); null for windows
 */
public record Provenance(String tenantKey, String sourceTable, String unitId, String snapshotTime) {

  public static final String TENANT = "__TenantId";
  public static final String SOURCE_TABLE = "__SourceTable";
  public static final String UNIT_ID = "__WindowId";
  public static final String SNAPSHOT_TIME = "__SnapshotTime";
  /** Added by our queries: the row's ingestion time at the source. */
  public static final String SOURCE_INGESTION_TIME = "__SourceIngestionTime";
  /** Added by our queries: how many rows the whole window holds; used to detect truncation, not stored. */
  public static final String WINDOW_TOTAL = "__WindowTotal";
}
