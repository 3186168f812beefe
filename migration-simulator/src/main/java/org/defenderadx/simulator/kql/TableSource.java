package org.defenderadx.simulator.kql;

import java.util.Iterator;
import java.util.List;

/**
 * A table the engine can read. Implementations may generate rows lazily (the Defender simulator's large
 * profile does) or hold them in memory (the ADX stand-in).
 */
public interface TableSource {

  String name();

  /** The current schema; columns only ever get added at the end. */
  List<Column> columns();

  /**
   * Rows whose ingestion time may fall in {@code hint}. The hint is an optimisation pushed down by the engine
   * from a leading {@code where ingestion_time() ...} filter: an implementation may return more rows than the
   * hint (the engine still applies the filter) but never fewer.
   */
  Iterator<StoredRow> scan(IngestionTimeRange hint);
}
