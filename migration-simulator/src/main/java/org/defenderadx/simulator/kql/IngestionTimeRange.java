package org.defenderadx.simulator.kql;

import java.time.Instant;

/**
 * A half-open range {@code [from, to)} of ingestion times; a null bound is unbounded.
 */
public record IngestionTimeRange(Instant from, Instant to) {
  public static final IngestionTimeRange ALL = new IngestionTimeRange(null, null);

  public boolean contains(Instant t) {
    if (t == null) {
      return from == null && to == null;
    }
    return (from == null || !t.isBefore(from)) && (to == null || t.isBefore(to));
  }
}
