package org.defenderadx.simulator.kql;

import java.time.Instant;
import java.util.List;

/**
 * One row as a table holds it: the column values in schema order, plus what Kusto keeps beside a row,
 * its ingestion time (returned by {@code ingestion_time()}) and the tags of its extent ({@code extent_tags()}).
 *
 * @param values        values in the order of {@link TableSource#columns()}; a row shorter than the schema
 *                      (a column added later) reads as null for the missing columns
 * @param ingestionTime when the row was ingested; null where unknown
 * @param extentTags    tags of the extent that holds the row, shared between rows of one extent; never null
 */
public record StoredRow(Object[] values, Instant ingestionTime, List<String> extentTags) {
  public StoredRow {
    extentTags = extentTags == null ? List.of() : extentTags;
  }

  public StoredRow(Object[] values, Instant ingestionTime) {
    this(values, ingestionTime, List.of());
  }

  /** The value at a column index, or null when the row predates that column. */
  public Object value(int index) {
    return index < values.length ? values[index] : null;
  }
}
