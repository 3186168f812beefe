package org.defenderadx.simulator.adx.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.defenderadx.simulator.kql.KqlType;

/**
 * Conversions between the engine's typed values (see {@link KqlType}) and what arrives from or goes onto the
 * wire: CSV text, JSON trees and Kusto's JSON cell encoding. Anything that does not convert becomes null, as
 * Kusto ingestion does with a value it cannot parse.
 */
public final class KustoValues {
  public static final JsonFactory JSON = JsonFactory.builder().build();
  private static final DateTimeFormatter DATETIME_OUT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSS'Z'").withZone(ZoneOffset.UTC);

  private KustoValues() {
  }

  /** Parses a JSON document into a plain tree (Map, List, String, Long, Double, Boolean, null). */
  public static Object parseJson(String text) {
    try (JsonParser p = JSON.createParser(text)) {
      if (p.nextToken() == null) {
        return null;
      }
      return readTree(p);
    } catch (IOException e) {
      throw new IllegalArgumentException("Invalid JSON: " + e.getMessage(), e);
    }
  }

  /** Reads the value at the parser's current token (which must already be set) as a plain tree. */
  public static Object readTree(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT: {
        Map<String, Object> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String k = p.currentName();
          p.nextToken();
          m.put(k, readTree(p));
        }
        return m;
      }
      case START_ARRAY: {
        List<Object> l = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          l.add(readTree(p));
        }
        return l;
      }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? (Object) p.getDoubleValue() : (Object) p.getLongValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IOException("Unexpected JSON token " + t);
    }
  }

  /** Serialises a plain JSON tree (as produced by {@link #parseJson}) to compact JSON text. */
  public static String toJsonText(Object tree) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      writeTree(g, tree);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  @SuppressWarnings("unchecked")
  public static void writeTree(JsonGenerator g, Object v) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof Map) {
      g.writeStartObject();
      for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) {
        g.writeFieldName(e.getKey());
        writeTree(g, e.getValue());
      }
      g.writeEndObject();
    } else if (v instanceof List) {
      g.writeStartArray();
      for (Object o : (List<Object>) v) {
        writeTree(g, o);
      }
      g.writeEndArray();
    } else if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Integer i) {
      g.writeNumber(i);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        g.writeString(d.toString());
      } else {
        g.writeNumber(d);
      }
    } else if (v instanceof BigDecimal d) {
      g.writeNumber(d);
    } else if (v instanceof Instant i) {
      g.writeString(formatDateTime(i));
    } else if (v instanceof Duration d) {
      g.writeString(formatTimespan(d));
    } else if (v instanceof DynamicJson d) {
      g.writeRawValue(d.text());
    } else {
      g.writeString(v.toString());
    }
  }

  /** Writes a typed value the way Kusto puts a cell of that type in a v1/v2 response. */
  public static void writeCell(JsonGenerator g, Object v, KqlType type) throws IOException {
    if (v == null) {
      g.writeNull();
      return;
    }
    switch (type) {
      case DECIMAL -> g.writeString(((BigDecimal) v).toPlainString());
      case GUID -> g.writeString(v.toString());
      default -> writeTree(g, v);
    }
  }

  /** Converts a JSON tree value (from a JSON mapping or a journal) to the Java representation of a column type. */
  public static Object fromJson(Object v, KqlType type) {
    if (v == null) {
      return null;
    }
    if (v instanceof DynamicJson d) {
      v = d.tree();
    }
    if (type == KqlType.DYNAMIC) {
      return v;
    }
    if (v instanceof String s) {
      return parseText(s, type);
    }
    try {
      switch (type) {
        case STRING:
          return (v instanceof Map || v instanceof List) ? toJsonText(v) : String.valueOf(v);
        case BOOL:
          return v instanceof Boolean ? v : (v instanceof Number n ? n.longValue() != 0 : null);
        case INT:
          return v instanceof Number n ? (Object) n.intValue() : null;
        case LONG:
          return v instanceof Number n ? (Object) n.longValue() : null;
        case REAL:
          return v instanceof Number n ? (Object) n.doubleValue() : null;
        case DECIMAL:
          return v instanceof Number n ? new BigDecimal(n.toString()) : null;
        case DATETIME:
          return v instanceof Number n ? Instant.ofEpochSecond(n.longValue()) : null;
        case TIMESPAN:
          return v instanceof Number n ? Duration.ofNanos(n.longValue() * 100) : null;
        default:
          return null;
      }
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Parses text (a CSV field, a KQL literal's inner text) as a value of a column type; null when it does not parse. */
  public static Object parseText(String s, KqlType type) {
    if (s == null) {
      return null;
    }
    if (type == KqlType.STRING) {
      return s;
    }
    String t = s.trim();
    if (t.isEmpty()) {
      return null;
    }
    try {
      switch (type) {
        case BOOL:
          if (t.equalsIgnoreCase("true") || t.equals("1")) {
            return true;
          }
          if (t.equalsIgnoreCase("false") || t.equals("0")) {
            return false;
          }
          return null;
        case INT:
          return Integer.parseInt(t);
        case LONG:
          return Long.parseLong(t);
        case REAL:
          return Double.parseDouble(t);
        case DECIMAL:
          return new BigDecimal(t);
        case DATETIME:
          return parseDateTime(t);
        case TIMESPAN:
          return parseTimespan(t);
        case GUID:
          return UUID.fromString(t);
        case DYNAMIC:
          try {
            return parseJson(t);
          } catch (IllegalArgumentException notJson) {
            return s;
          }
        default:
          return null;
      }
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Accepts ISO 8601 with or without zone (UTC assumed), a space instead of 'T', and up to 7 fraction digits. */
  public static Instant parseDateTime(String text) {
    String t = text.trim().replace(' ', 'T');
    try {
      if (t.length() == 10) {
        return LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC);
      }
      boolean zoned = t.endsWith("Z") || t.endsWith("z") || t.matches(".*[+-]\\d\\d:?\\d\\d$");
      Instant i = zoned ? OffsetDateTime.parse(t.endsWith("z") ? t.substring(0, t.length() - 1) + "Z" : t,
          DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant()
          : LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
      return truncateToTicks(i);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  public static Instant truncateToTicks(Instant i) {
    return i.minusNanos(i.getNano() % 100);
  }

  public static String formatDateTime(Instant i) {
    return DATETIME_OUT.format(i);
  }

  /** Kusto's timespan text: {@code [-][d.]hh:mm:ss[.fffffff]}. */
  public static String formatTimespan(Duration d) {
    boolean neg = d.isNegative();
    Duration a = d.abs();
    long days = a.toDays();
    StringBuilder sb = new StringBuilder();
    if (neg) {
      sb.append('-');
    }
    if (days > 0) {
      sb.append(days).append('.');
    }
    sb.append(String.format(Locale.ROOT, "%02d:%02d:%02d", a.toHoursPart(), a.toMinutesPart(), a.toSecondsPart()));
    long ticks = a.toNanosPart() / 100;
    if (ticks > 0) {
      sb.append(String.format(Locale.ROOT, ".%07d", ticks));
    }
    return sb.toString();
  }

  /** Parses {@code [-][d.]hh:mm:ss[.f*]} and the KQL shorthands {@code 5m}, {@code 1h}, {@code 2d}, {@code 30s}. */
  public static Duration parseTimespan(String text) {
    String t = text.trim();
    if (t.matches("-?\\d+(\\.\\d+)?(d|h|m|s|ms|min|sec|day|days|hr|hrs|hours)")) {
      String unit = t.replaceAll("^-?[\\d.]+", "");
      double n = Double.parseDouble(t.substring(0, t.length() - unit.length()));
      double seconds = switch (unit) {
        case "d", "day", "days" -> n * 86400;
        case "h", "hr", "hrs", "hours" -> n * 3600;
        case "m", "min" -> n * 60;
        case "ms" -> n / 1000;
        default -> n;
      };
      return Duration.ofNanos(Math.round(seconds * 1e9));
    }
    boolean neg = t.startsWith("-");
    if (neg) {
      t = t.substring(1);
    }
    long days = 0;
    int colon = t.indexOf(':');
    int dot = t.indexOf('.');
    if (dot >= 0 && dot < colon) {
      days = Long.parseLong(t.substring(0, dot));
      t = t.substring(dot + 1);
    }
    String[] parts = t.split(":");
    if (parts.length != 3) {
      throw new IllegalArgumentException("Not a timespan: " + text);
    }
    String[] sec = parts[2].split("\\.");
    long nanos = 0;
    if (sec.length > 1) {
      String f = (sec[1] + "000000000").substring(0, 9);
      nanos = Long.parseLong(f);
    }
    Duration d = Duration.ofDays(days).plusHours(Long.parseLong(parts[0])).plusMinutes(Long.parseLong(parts[1]))
        .plusSeconds(Long.parseLong(sec[0])).plusNanos(nanos - nanos % 100);
    return neg ? d.negated() : d;
  }
}
