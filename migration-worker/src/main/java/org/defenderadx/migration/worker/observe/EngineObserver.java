package org.defenderadx.migration.worker.observe;

import java.util.List;
import java.util.UUID;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.MigrationConfigRow;

/**
 * What the engine reports as it works, for metrics, the status page and progress logs. The engine calls these where
 * it already produces the facts (responses, splits, audit rows, commits); every method must return at once and never
 * throw. All default to doing nothing, so an engine part without an observer behaves exactly as before.
 */
public interface EngineObserver {

  EngineObserver NONE = new EngineObserver() {
  };

  /** Which quota a 429 spent. */
  enum ThrottleKind {
    /** calls per minute or hour: the call waits and is made again */
    CALL_QUOTA,
    /** the CPU budget of a 15-minute cycle: the tenant pauses */
    CPU_QUOTA
  }

  /** One answer from the Defender API; {@code status} 0 when no HTTP status came back (connection failed). */
  default void apiCall(String tenantKey, String sourceTable, int status) {
  }

  default void throttled(String tenantKey, String sourceTable, ThrottleKind kind) {
  }

  default void windowSplit(String tenantKey, String sourceTable) {
  }

  /** A window (or snapshot bucket) fetched whole, with its rows. */
  default void rowsFetched(String tenantKey, String sourceTable, long rows) {
  }

  /** A blob handed to ADX for ingestion. */
  default void ingestionSent(UUID sourceId, String destinationTable) {
  }

  /** ADX said what became of a blob sent earlier (Succeeded, Skipped, Failed, PartiallySucceeded). */
  default void ingestionSettled(UUID sourceId, String destinationTable, String state) {
  }

  /** Rows appended to MigrationAuditLog. */
  default void audited(List<AuditRecord> records) {
  }

  /** A watermark committed: {@code row} is now in force. */
  default void committed(MigrationConfigRow row) {
  }

  /** The configuration in force, as the coordinator read it. */
  default void configurationRead(List<MigrationConfigRow> rows) {
  }

  /** A table worker on this node took a table ... */
  default void tableStarted(String tenantKey, String sourceTable) {
  }

  /** ... and is done with it for this cycle. */
  default void tableFinished(String tenantKey, String sourceTable) {
  }

  /** Tells every one of {@code observers}, in order. */
  static EngineObserver all(List<EngineObserver> observers) {
    List<EngineObserver> list = List.copyOf(observers);
    return new EngineObserver() {
      @Override
      public void apiCall(String tenantKey, String sourceTable, int status) {
        list.forEach(o -> o.apiCall(tenantKey, sourceTable, status));
      }

      @Override
      public void throttled(String tenantKey, String sourceTable, ThrottleKind kind) {
        list.forEach(o -> o.throttled(tenantKey, sourceTable, kind));
      }

      @Override
      public void windowSplit(String tenantKey, String sourceTable) {
        list.forEach(o -> o.windowSplit(tenantKey, sourceTable));
      }

      @Override
      public void rowsFetched(String tenantKey, String sourceTable, long rows) {
        list.forEach(o -> o.rowsFetched(tenantKey, sourceTable, rows));
      }

      @Override
      public void ingestionSent(UUID sourceId, String destinationTable) {
        list.forEach(o -> o.ingestionSent(sourceId, destinationTable));
      }

      @Override
      public void ingestionSettled(UUID sourceId, String destinationTable, String state) {
        list.forEach(o -> o.ingestionSettled(sourceId, destinationTable, state));
      }

      @Override
      public void audited(List<AuditRecord> records) {
        list.forEach(o -> o.audited(records));
      }

      @Override
      public void committed(MigrationConfigRow row) {
        list.forEach(o -> o.committed(row));
      }

      @Override
      public void configurationRead(List<MigrationConfigRow> rows) {
        list.forEach(o -> o.configurationRead(rows));
      }

      @Override
      public void tableStarted(String tenantKey, String sourceTable) {
        list.forEach(o -> o.tableStarted(tenantKey, sourceTable));
      }

      @Override
      public void tableFinished(String tenantKey, String sourceTable) {
        list.forEach(o -> o.tableFinished(tenantKey, sourceTable));
      }
    };
  }
}
