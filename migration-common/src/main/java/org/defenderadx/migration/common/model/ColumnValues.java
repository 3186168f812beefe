package org.defenderadx.migration.common.model;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.kql.KustoTimespan;

/**
 * Reads values from a row given by column name, whatever Java type the ADX reader handed over (the SDK often gives
 * strings; it gives {@link LocalDateTime} for datetimes read as such). Column names match exactly first, then
 * ignoring case.
 */
final class ColumnValues {
  private final Map<String, Object> row;

  ColumnValues(Map<String, Object> row) {
    this.row = row;
  }

  boolean has(String column) {
    return row.containsKey(column) || row.keySet().stream().anyMatch(column::equalsIgnoreCase);
  }

  Object raw(String column) {
    if (row.containsKey(column)) {
      return row.get(column);
    }
    for (Map.Entry<String, Object> e : row.entrySet()) {
      if (column.equalsIgnoreCase(e.getKey())) {
        return e.getValue();
      }
    }
    return null;
  }

  /** The trimmed text, or "" for null. */
  String text(String column) {
    Object v = raw(column);
    return v == null ? "" : String.valueOf(v).trim();
  }

  /** A datetime, or null for null or empty text. */
  Instant instant(String column) {
    return KustoTime.fromValue(raw(column));
  }

  /** A boolean from Boolean, a number (0 is false) or text (true/false/1/0/yes/no); {@code absent} for null. */
  boolean bool(String column, boolean absent) {
    Object v = raw(column);
    if (v == null) {
      return absent;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) {
      return n.longValue() != 0;
    }
    String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "" -> absent;
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new IllegalArgumentException(column + " is not a boolean: '" + v + "'");
    };
  }

  OptionalLong optionalLong(String column) {
    Object v = raw(column);
    if (v == null) {
      return OptionalLong.empty();
    }
    if (v instanceof Number n) {
      if (n.doubleValue() != Math.rint(n.doubleValue())) {
        throw new IllegalArgumentException(column + " is not a whole number: " + v);
      }
      return OptionalLong.of(n.longValue());
    }
    String s = String.valueOf(v).trim();
    if (s.isEmpty()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(s));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(column + " is not a whole number: '" + s + "'", e);
    }
  }

  /** A timespan from Duration or text ({@code 1.00:00:00}, {@code 2h}, {@code PT2H}); null for null or empty. */
  Duration duration(String column) {
    Object v = raw(column);
    if (v == null) {
      return null;
    }
    if (v instanceof Duration d) {
      return d;
    }
    String s = String.valueOf(v).trim();
    return s.isEmpty() ? null : KustoTimespan.parse(s);
  }
}
