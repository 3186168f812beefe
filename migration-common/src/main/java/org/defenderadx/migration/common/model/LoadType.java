package org.defenderadx.migration.common.model;

import java.util.Locale;

/**
 * The configuration's LoadType. Informational: the original script rewrote {@code Full} to {@code Incr} after the
 * first load and never changed its query on it, so the copy strategy comes from {@link TableKind}, not from here.
 */
public enum LoadType {
  FULL("Full"),
  INCREMENTAL("Incremental");

  private final String configName;

  LoadType(String configName) {
    this.configName = configName;
  }

  /** The value written back to the configuration table. */
  public String configName() {
    return configName;
  }

  /** {@code Full}, {@code Incr} or {@code Incremental} in any case; null or blank is INCREMENTAL. */
  public static LoadType parse(String text) {
    if (text == null || text.isBlank()) {
      return INCREMENTAL;
    }
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "full" -> FULL;
      case "incr", "incremental" -> INCREMENTAL;
      default -> throw new IllegalArgumentException("unknown LoadType '" + text + "' (expected Full, Incr or Incremental)");
    };
  }
}
