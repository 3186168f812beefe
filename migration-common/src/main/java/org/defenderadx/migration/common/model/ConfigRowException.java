package org.defenderadx.migration.common.model;

/** A configuration row that cannot be used; the message names the table (and tenant) and what to fix. */
public final class ConfigRowException extends IllegalArgumentException {
  private final String sourceTable;

  public ConfigRowException(String sourceTable, String message, Throwable cause) {
    super("MigrationConfiguration row for table '" + sourceTable + "': " + message, cause);
    this.sourceTable = sourceTable;
  }

  public ConfigRowException(String sourceTable, String message) {
    this(sourceTable, message, null);
  }

  public String sourceTable() {
    return sourceTable;
  }
}
