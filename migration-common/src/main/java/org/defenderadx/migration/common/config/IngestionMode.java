package org.defenderadx.migration.common.config;

import java.util.Locale;

/** How rows reach ADX. */
public enum IngestionMode {
  /** Queued ingestion through blob storage, with per-window ingest-by tags and status tracking (the default). */
  QUEUED("queued"),
  /** Streaming ingestion (4 MB per request; no tags, so provenance is checked in ADX before a re-send). */
  STREAMING("streaming"),
  /** Streaming for small payloads, falling back to queued for large ones. */
  MANAGED_STREAMING("managed-streaming");

  private final String configName;

  IngestionMode(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  static IngestionMode fromConfigName(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (IngestionMode m : values()) {
      if (m.configName.equals(n)) {
        return m;
      }
    }
    throw new IllegalArgumentException("expected one of queued, streaming, managed-streaming");
  }
}
