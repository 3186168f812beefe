package org.defenderadx.simulator.kql;

import java.util.Locale;

/**
 * Kusto scalar types with their KQL names and the .NET names the Defender APIs put in result schemas.
 *
 * <p>Java representation of values of each type (null is the KQL null of any type):
 * bool → {@link Boolean}, int → {@link Integer}, long → {@link Long}, real → {@link Double},
 * decimal → {@link java.math.BigDecimal}, string → {@link String}, datetime → {@link java.time.Instant}
 * (kept to 100-ns ticks), timespan → {@link java.time.Duration}, guid → {@link java.util.UUID},
 * dynamic → a plain JSON tree: {@link java.util.Map} (insertion-ordered), {@link java.util.List},
 * {@link String}, {@link Long}, {@link Double}, {@link Boolean} or null.
 */
public enum KqlType {
  BOOL("bool", "System.Boolean"),
  INT("int", "System.Int32"),
  LONG("long", "System.Int64"),
  REAL("real", "System.Double"),
  DECIMAL("decimal", "System.Decimal"),
  STRING("string", "System.String"),
  DATETIME("datetime", "System.DateTime"),
  TIMESPAN("timespan", "System.TimeSpan"),
  GUID("guid", "System.Guid"),
  DYNAMIC("dynamic", "System.Object");

  private final String kqlName;
  private final String dotNetName;

  KqlType(String kqlName, String dotNetName) {
    this.kqlName = kqlName;
    this.dotNetName = dotNetName;
  }

  public String kqlName() {
    return kqlName;
  }

  public String dotNetName() {
    return dotNetName;
  }

  /** Accepts KQL names and their aliases (boolean, int32, int64, double, date, time, uniqueid) and .NET names. */
  public static KqlType fromName(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    switch (n) {
      case "boolean": return BOOL;
      case "int32": return INT;
      case "int64": return LONG;
      case "double": return REAL;
      case "date": return DATETIME;
      case "time": return TIMESPAN;
      case "uniqueid": return GUID;
      case "sbyte": return INT;
      default: break;
    }
    for (KqlType t : values()) {
      if (t.kqlName.equals(n) || t.dotNetName.toLowerCase(Locale.ROOT).equals(n)) {
        return t;
      }
    }
    throw new IllegalArgumentException("Unknown Kusto type: '" + name + "'");
  }
}
