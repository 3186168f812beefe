package org.defenderadx.migration.common.kql;

import java.util.Locale;

/** Kusto type names as the services spell them. */
public final class KustoTypes {
  private KustoTypes() {
  }

  /**
   * Whether {@code type} names a datetime: {@code getschema} says "datetime" (ColumnType) or "System.DateTime"
   * (DataType); hunting results say "DateTime".
   */
  public static boolean isDatetime(String type) {
    String t = type == null ? "" : type.toLowerCase(Locale.ROOT);
    return t.equals("datetime") || t.equals("system.datetime") || t.equals("date");
  }
}
