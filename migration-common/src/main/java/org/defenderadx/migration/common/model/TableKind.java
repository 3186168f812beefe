package org.defenderadx.migration.common.model;

/** How a table is copied. */
public enum TableKind {
  /** Windows on {@code ingestion_time()}: the default for event tables; late devices cannot slip past it. */
  INCREMENTAL_INGESTION_TIME,
  /**
   * Windows on a configured datetime column. Allowed for event tables only with an explicit late-arrival
   * allowance, and then logged as a warning: devices report days late, and a row whose column value is older than
   * the allowance when it arrives is never copied.
   */
  INCREMENTAL_COLUMN,
  /** Current-state tables (TVM, baselines) and tables with no usable time column: copied whole, in hash buckets. */
  SNAPSHOT
}
