package org.defenderadx.migration.common.model;

import java.util.Optional;
import org.defenderadx.migration.common.kql.KqlIdentifiers;

/**
 * What a table's windows are cut on: the service's {@code ingestion_time()} (the default: rows become visible in
 * that order, late devices included) or a configured datetime column.
 */
public record WatermarkSource(Optional<String> column) {
  private static final WatermarkSource INGESTION_TIME = new WatermarkSource(Optional.empty());

  public WatermarkSource {
    column.ifPresent(KqlIdentifiers::requireColumn);
  }

  public static WatermarkSource ingestionTime() {
    return INGESTION_TIME;
  }

  public static WatermarkSource column(String name) {
    return new WatermarkSource(Optional.of(name));
  }

  public boolean isIngestionTime() {
    return column.isEmpty();
  }

  /** The KQL expression: {@code ingestion_time()} or the column, bracket-quoted ({@code ['Timestamp']}). */
  public String kql() {
    return column.map(KqlIdentifiers::quotedColumn).orElse("ingestion_time()");
  }

  /** For messages: {@code ingestion_time()} or the column's name. */
  public String describe() {
    return column.orElse("ingestion_time()");
  }

  @Override
  public String toString() {
    return describe();
  }
}
