package org.defenderadx.simulator.kql.engine;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.defenderadx.simulator.kql.KqlType;
import org.defenderadx.simulator.kql.syntax.TimeUnits;

/** Conversions, comparison and rendering of values in the representation fixed by {@link KqlType}. */
public final class Values {
  private Values() {
  }

  /** The KQL type of a non-null value as the engine holds it. */
  public static KqlType typeOf(Object v) {
    if (v instanceof Boolean) {
      return KqlType.BOOL;
    } else if (v instanceof Integer) {
      return KqlType.INT;
    } else if (v instanceof Long) {
      return KqlType.LONG;
    } else if (v instanceof Double) {
      return KqlType.REAL;
    } else if (v instanceof BigDecimal) {
      return KqlType.DECIMAL;
    } else if (v instanceof String) {
      return KqlType.STRING;
    } else if (v instanceof Instant) {
      return KqlType.DATETIME;
    } else if (v instanceof Duration) {
      return KqlType.TIMESPAN;
    } else if (v instanceof UUID) {
      return KqlType.GUID;
    }
    return KqlType.DYNAMIC;
  }

  /** True when the value already has the Java representation of the type. */
  public static boolean holds(KqlType t, Object v) {
    switch (t) {
      case BOOL: return v instanceof Boolean;
      case INT: return v instanceof Integer;
      case LONG: return v instanceof Long;
      case REAL: return v instanceof Double;
      case DECIMAL: return v instanceof BigDecimal;
      case STRING: return v instanceof String;
      case DATETIME: return v instanceof Instant t2 && t2.getNano() % 100 == 0;
      case TIMESPAN: return v instanceof Duration;
      case GUID: return v instanceof UUID;
      default: return v instanceof Map || v instanceof List || v instanceof String || v instanceof Long
          || v instanceof Double || v instanceof Boolean;
    }
  }

  public static boolean isNumeric(KqlType t) {
    return t == KqlType.INT || t == KqlType.LONG || t == KqlType.REAL || t == KqlType.DECIMAL;
  }

  /**
   * Converts a value to the representation of a column type, as a column of that type would hold it; values
   * that cannot be converted become null (Kusto's behaviour for failed conversions). Strings never become null.
   */
  public static Object coerce(Object v, KqlType t) {
    if (v == null) {
      return t == KqlType.STRING ? "" : null;
    }
    switch (t) {
      case STRING:
        return v instanceof String ? v : toText(v);
      case LONG:
        return toLong(v);
      case INT: {
        Long l = toLong(v);
        return l == null ? null : (Object) (int) (long) l;
      }
      case REAL:
        return toReal(v);
      case DECIMAL: {
        if (v instanceof BigDecimal) {
          return v;
        }
        Double d = toReal(v);
        return d == null || d.isNaN() || d.isInfinite() ? null : BigDecimal.valueOf(d);
      }
      case BOOL:
        return toBool(v);
      case DATETIME:
        return toDatetime(v);
      case TIMESPAN:
        return toTimespan(v);
      case GUID:
        if (v instanceof UUID) {
          return v;
        }
        try {
          return v instanceof String s ? UUID.fromString(s.trim()) : null;
        } catch (IllegalArgumentException e) {
          return null;
        }
      case DYNAMIC:
        return toDynamic(v);
      default:
        throw new IllegalStateException("type " + t);
    }
  }

  public static Long toLong(Object v) {
    if (v instanceof Long l) {
      return l;
    } else if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    } else if (v instanceof Double d) {
      return d.isNaN() || d.isInfinite() ? null : (long) (double) d;
    } else if (v instanceof BigDecimal b) {
      return b.longValue();
    } else if (v instanceof Boolean b) {
      return b ? 1L : 0L;
    } else if (v instanceof Instant t) {
      // .NET ticks since 0001-01-01, as Kusto's tolong(datetime) gives
      return Math.addExact(Math.multiplyExact(t.getEpochSecond() + 62_135_596_800L, 10_000_000L),
          t.getNano() / 100);
    } else if (v instanceof Duration d) {
      return TimeUnits.toTicks(d);
    } else if (v instanceof String s) {
      String t = s.trim();
      try {
        return Long.parseLong(t);
      } catch (NumberFormatException e) {
        try {
          double d = Double.parseDouble(t);
          return Double.isFinite(d) ? (long) d : null;
        } catch (NumberFormatException e2) {
          return null;
        }
      }
    }
    return null;
  }

  public static Double toReal(Object v) {
    if (v instanceof Double d) {
      return d;
    } else if (v instanceof Number) {
      return ((Number) v).doubleValue();
    } else if (v instanceof Boolean b) {
      return b ? 1.0 : 0.0;
    } else if (v instanceof String s) {
      String t = s.trim();
      switch (t) {
        case "nan":
        case "NaN":
          return Double.NaN;
        case "inf":
        case "+inf":
          return Double.POSITIVE_INFINITY;
        case "-inf":
          return Double.NEGATIVE_INFINITY;
        default:
          try {
            return Double.parseDouble(t);
          } catch (NumberFormatException e) {
            return null;
          }
      }
    } else if (v instanceof Duration || v instanceof Instant) {
      Long l = toLong(v);
      return l == null ? null : l.doubleValue();
    }
    return null;
  }

  public static Boolean toBool(Object v) {
    if (v instanceof Boolean b) {
      return b;
    } else if (v instanceof Long || v instanceof Integer) {
      return ((Number) v).longValue() != 0;
    } else if (v instanceof Double d) {
      return d != 0.0;
    } else if (v instanceof String s) {
      String t = s.trim();
      if (t.equalsIgnoreCase("true") || t.equals("1")) {
        return true;
      }
      if (t.equalsIgnoreCase("false") || t.equals("0")) {
        return false;
      }
    }
    return null;
  }

  public static Instant toDatetime(Object v) {
    if (v instanceof Instant t) {
      return Temporal.toTicks(t);
    } else if (v instanceof java.util.Date d) {
      return d.toInstant();
    } else if (v instanceof java.time.OffsetDateTime o) {
      return Temporal.toTicks(o.toInstant());
    } else if (v instanceof java.time.ZonedDateTime z) {
      return Temporal.toTicks(z.toInstant());
    } else if (v instanceof String s) {
      return Temporal.parse(s);
    } else if (v instanceof Long l) {
      long ticks = l - 621_355_968_000_000_000L; // .NET ticks back to the Unix epoch
      return Instant.ofEpochSecond(Math.floorDiv(ticks, 10_000_000L), Math.floorMod(ticks, 10_000_000L) * 100);
    }
    return null;
  }

  public static Duration toTimespan(Object v) {
    if (v instanceof Duration d) {
      return d;
    } else if (v instanceof String s) {
      return Temporal.parseDuration(s);
    } else if (v instanceof Long || v instanceof Integer) {
      return TimeUnits.ofTicks(((Number) v).longValue());
    }
    return null;
  }

  /** A value as a dynamic tree: scalars without a JSON form become their Kusto string form. */
  public static Object toDynamic(Object v) {
    if (v == null || v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean) {
      return v;
    } else if (v instanceof Integer i) {
      return (long) i;
    } else if (v instanceof BigDecimal b) {
      return b.doubleValue();
    } else if (v instanceof Instant || v instanceof Duration || v instanceof UUID) {
      return toText(v);
    } else if (v instanceof Map<?, ?> m) {
      Map<String, Object> copy = new LinkedHashMap<>();
      m.forEach((k, val) -> copy.put(String.valueOf(k), toDynamic(val)));
      return copy;
    } else if (v instanceof List<?> l) {
      List<Object> copy = new ArrayList<>(l.size());
      l.forEach(x -> copy.add(toDynamic(x)));
      return copy;
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      return d == Math.rint(d) && !(v instanceof Float) ? (Object) n.longValue() : (Object) d;
    }
    if (v instanceof java.util.Date d) {
      return toText(d.toInstant());
    }
    if (v instanceof java.time.temporal.TemporalAccessor ta && ta.isSupported(java.time.temporal.ChronoField.INSTANT_SECONDS)) {
      return toText(Instant.from(ta));
    }
    return v.toString();
  }

  /** Kusto's {@code tostring()}: null becomes the empty string; dynamic bags and arrays become JSON. */
  public static String toText(Object v) {
    if (v == null) {
      return "";
    } else if (v instanceof String s) {
      return s;
    } else if (v instanceof Instant t) {
      return Temporal.format(t);
    } else if (v instanceof Duration d) {
      return Temporal.format(d);
    } else if (v instanceof Double d) {
      return formatReal(d);
    } else if (v instanceof BigDecimal b) {
      return b.toPlainString();
    } else if (v instanceof Boolean b) {
      return b ? "true" : "false";
    } else if (v instanceof Map || v instanceof List) {
      return Json.render(v);
    }
    return v.toString();
  }

  /** Shortest round-trip form, without a trailing {@code .0} (as .NET prints doubles). */
  public static String formatReal(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    String s = Double.toString(d);
    int e = s.indexOf('E');
    if (e > 0) {
      String exp = s.substring(e + 1);
      return s.substring(0, e) + "E" + (exp.startsWith("-") ? exp : "+" + exp);
    }
    return s;
  }

  /** Equality as {@code ==} sees it, for non-null values: numbers by value, dynamic by content. */
  public static boolean same(Object a, Object b) {
    if (a instanceof Number && b instanceof Number) {
      if (a instanceof Double || b instanceof Double || a instanceof BigDecimal || b instanceof BigDecimal) {
        return ((Number) a).doubleValue() == ((Number) b).doubleValue();
      }
      return ((Number) a).longValue() == ((Number) b).longValue();
    }
    if (a instanceof String sa && !(b instanceof String)) {
      return !(b instanceof Map || b instanceof List) && sa.equals(toText(b));
    }
    if (b instanceof String sb && !(a instanceof String)) {
      return !(a instanceof Map || a instanceof List) && sb.equals(toText(a));
    }
    return a.equals(b);
  }

  /**
   * Total order used by sorting and by {@code <} on non-null values. Values of different kinds order by kind,
   * so that sorting mixed dynamic values is still deterministic.
   */
  @SuppressWarnings("unchecked")
  public static int compare(Object a, Object b) {
    if (a instanceof Number && b instanceof Number) {
      boolean integral = (a instanceof Long || a instanceof Integer) && (b instanceof Long || b instanceof Integer);
      if (integral) {
        return Long.compare(((Number) a).longValue(), ((Number) b).longValue());
      }
      return Double.compare(((Number) a).doubleValue(), ((Number) b).doubleValue());
    }
    int ka = kindRank(a);
    int kb = kindRank(b);
    if (ka != kb) {
      return Integer.compare(ka, kb);
    }
    if (a instanceof Comparable<?> && a.getClass() == b.getClass()) {
      return ((Comparable<Object>) a).compareTo(b);
    }
    return toText(a).compareTo(toText(b));
  }

  private static int kindRank(Object v) {
    if (v instanceof Boolean) {
      return 0;
    } else if (v instanceof Number) {
      return 1;
    } else if (v instanceof Instant) {
      return 2;
    } else if (v instanceof Duration) {
      return 3;
    } else if (v instanceof String) {
      return 4;
    } else if (v instanceof UUID) {
      return 5;
    } else if (v instanceof List) {
      return 6;
    }
    return 7;
  }

  /** Null-aware ordering for sorts: nulls placed first or last regardless of direction. */
  public static int compareForSort(Object a, Object b, boolean ascending, boolean nullsFirst) {
    if (a == null || b == null) {
      if (a == b) {
        return 0;
      }
      return (a == null) == nullsFirst ? -1 : 1;
    }
    int c = compare(a, b);
    return ascending ? c : -c;
  }
}
