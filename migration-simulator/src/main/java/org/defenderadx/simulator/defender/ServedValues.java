package org.defenderadx.simulator.defender;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.defenderadx.simulator.kql.KqlType;

/**
 * How the Advanced Hunting APIs render KQL values in JSON: datetimes as 7-digit-fraction UTC strings with
 * {@code Z}, timespans as {@code [d.]hh:mm:ss.fffffff}, guids as strings, dynamic values as JSON values.
 * Shared by the response writer and {@link RowDigest}, so digests match what the API serves byte for byte.
 */
public final class ServedValues {
  private ServedValues() {
  }

  /** {@code 2020-02-05T01:10:26.2648757Z}: always seven fractional digits. */
  public static String datetime(Instant t) {
    StringBuilder sb = new StringBuilder(28);
    appendDatetime(sb, t);
    return sb.toString();
  }

  public static void appendDatetime(StringBuilder sb, Instant t) {
    long secs = t.getEpochSecond();
    long day = Math.floorDiv(secs, 86_400L);
    int secOfDay = (int) Math.floorMod(secs, 86_400L);
    LocalDate d = LocalDate.ofEpochDay(day);
    pad(sb, d.getYear(), 4);
    sb.append('-');
    pad(sb, d.getMonthValue(), 2);
    sb.append('-');
    pad(sb, d.getDayOfMonth(), 2);
    sb.append('T');
    pad(sb, secOfDay / 3600, 2);
    sb.append(':');
    pad(sb, secOfDay / 60 % 60, 2);
    sb.append(':');
    pad(sb, secOfDay % 60, 2);
    sb.append('.');
    pad(sb, t.getNano() / 100, 7);
    sb.append('Z');
  }

  /** {@code 00:00:19.0468750}, or {@code 1.02:03:04.0000000} past a day; negative values get a leading minus. */
  public static String timespan(Duration d) {
    StringBuilder sb = new StringBuilder(20);
    if (d.isNegative()) {
      sb.append('-');
      d = d.negated();
    }
    long secs = d.getSeconds();
    long days = secs / 86_400;
    if (days > 0) {
      sb.append(days).append('.');
    }
    pad(sb, (int) (secs / 3600 % 24), 2);
    sb.append(':');
    pad(sb, (int) (secs / 60 % 60), 2);
    sb.append(':');
    pad(sb, (int) (secs % 60), 2);
    sb.append('.');
    pad(sb, d.getNano() / 100, 7);
    return sb.toString();
  }

  private static void pad(StringBuilder sb, int v, int width) {
    String s = Integer.toString(v);
    for (int i = s.length(); i < width; i++) {
      sb.append('0');
    }
    sb.append(s);
  }

  /**
   * The JSON value (String, Number, Boolean, Map, List or null) the API serves for a KQL value of a type.
   */
  public static Object toJsonValue(KqlType type, Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof Instant t) {
      return datetime(t);
    }
    if (v instanceof Duration d) {
      return timespan(d);
    }
    if (v instanceof UUID u) {
      return u.toString();
    }
    if (v instanceof BigDecimal b) {
      return b;
    }
    if (type == KqlType.STRING && !(v instanceof String)) {
      return String.valueOf(v);
    }
    if (v instanceof Map<?, ?> || v instanceof List<?>) {
      return v;
    }
    return v;
  }

  /** The schema type name the APIs show: the .NET name without {@code System.} (DateTime, String, Int64, Object). */
  public static String schemaTypeName(KqlType type) {
    String n = type.dotNetName();
    return n.startsWith("System.") ? n.substring("System.".length()) : n;
  }
}
