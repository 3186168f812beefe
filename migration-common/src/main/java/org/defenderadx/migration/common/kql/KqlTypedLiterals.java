package org.defenderadx.migration.common.kql;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.defenderadx.migration.common.json.Json;

/**
 * Literals for a column of a given Kusto type, as {@code datatable(...)[...]} accepts them: typed nulls
 * ({@code long(null)}), escaped strings, 7-digit datetimes, and JSON for dynamic. Used to append configuration and
 * audit rows by column name, whatever the table's column order.
 */
public final class KqlTypedLiterals {
  private KqlTypedLiterals() {
  }

  public static String of(String cslType, Object value) {
    String type = cslType.trim().toLowerCase(Locale.ROOT);
    if (value == null) {
      return type.equals("string") ? "''" : type + "(null)";
    }
    return switch (type) {
      case "string" -> KqlLiterals.string(String.valueOf(value));
      case "datetime" -> KqlLiterals.datetime(value instanceof Instant i ? i : KustoTime.parse(value.toString()));
      case "timespan" -> KqlLiterals.timespan(value instanceof Duration d ? d : KustoTimespan.parse(value.toString()));
      case "bool" -> Boolean.parseBoolean(value.toString()) ? "true" : "false";
      case "int" -> "int(" + Integer.parseInt(value.toString().trim()) + ")";
      case "long" -> "long(" + Long.parseLong(value.toString().trim()) + ")";
      case "real" -> "real(" + Double.parseDouble(value.toString().trim()) + ")";
      case "guid" -> "guid(" + java.util.UUID.fromString(value.toString().trim()) + ")";
      case "dynamic" -> "dynamic(" + json(value) + ")";
      default -> throw new IllegalArgumentException("no literal for Kusto type '" + cslType + "'");
    };
  }

  private static String json(Object value) {
    if (value instanceof String s) {
      return Json.quote(s);
    }
    if (value instanceof Map<?, ?> m) {
      StringBuilder sb = new StringBuilder("{");
      m.forEach((k, v) -> {
        if (sb.length() > 1) {
          sb.append(',');
        }
        sb.append(Json.quote(String.valueOf(k))).append(':').append(json(v));
      });
      return sb.append('}').toString();
    }
    if (value instanceof List<?> l) {
      StringBuilder sb = new StringBuilder("[");
      for (Object v : l) {
        if (sb.length() > 1) {
          sb.append(',');
        }
        sb.append(json(v));
      }
      return sb.append(']').toString();
    }
    if (value instanceof Instant i) {
      return Json.quote(KustoTime.format(i));
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    return value == null ? "null" : Json.quote(value.toString());
  }
}
