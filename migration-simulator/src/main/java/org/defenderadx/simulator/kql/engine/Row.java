package org.defenderadx.simulator.kql.engine;

import java.time.Instant;
import java.util.List;

/** A row flowing through a plan: values in column order plus the stored row's ingestion time and extent tags. */
public record Row(Object[] values, Instant ingestionTime, List<String> extentTags) {

  public static Row of(Object[] values) {
    return new Row(values, null, List.of());
  }

  public Row withValues(Object[] newValues) {
    return new Row(newValues, ingestionTime, extentTags);
  }
}
