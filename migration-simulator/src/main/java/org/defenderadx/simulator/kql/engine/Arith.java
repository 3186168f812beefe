package org.defenderadx.simulator.kql.engine;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.defenderadx.simulator.kql.KqlException;
import org.defenderadx.simulator.kql.KqlType;
import org.defenderadx.simulator.kql.syntax.TimeUnits;

/** Binary operators: result types at plan time, values at run time. */
final class Arith {
  private Arith() {
  }

  static KqlType resultType(String op, KqlType a, KqlType b, int pos) {
    if (a == KqlType.DYNAMIC || b == KqlType.DYNAMIC) {
      return KqlType.DYNAMIC;
    }
    switch (op) {
      case "+":
        if (a == KqlType.DATETIME && b == KqlType.TIMESPAN || a == KqlType.TIMESPAN && b == KqlType.DATETIME) {
          return KqlType.DATETIME;
        }
        if (a == KqlType.TIMESPAN && b == KqlType.TIMESPAN) {
          return KqlType.TIMESPAN;
        }
        return numeric(op, a, b, pos);
      case "-":
        if (a == KqlType.DATETIME && b == KqlType.DATETIME) {
          return KqlType.TIMESPAN;
        }
        if (a == KqlType.DATETIME && b == KqlType.TIMESPAN) {
          return KqlType.DATETIME;
        }
        if (a == KqlType.TIMESPAN && b == KqlType.TIMESPAN) {
          return KqlType.TIMESPAN;
        }
        return numeric(op, a, b, pos);
      case "*":
        if (a == KqlType.TIMESPAN && Values.isNumeric(b) || Values.isNumeric(a) && b == KqlType.TIMESPAN) {
          return KqlType.TIMESPAN;
        }
        return numeric(op, a, b, pos);
      case "/":
        if (a == KqlType.TIMESPAN && b == KqlType.TIMESPAN) {
          return KqlType.REAL;
        }
        if (a == KqlType.TIMESPAN && Values.isNumeric(b)) {
          return KqlType.TIMESPAN;
        }
        return numeric(op, a, b, pos);
      case "%":
        if (a == KqlType.TIMESPAN && b == KqlType.TIMESPAN) {
          return KqlType.TIMESPAN;
        }
        return numeric(op, a, b, pos);
      default:
        throw new IllegalArgumentException(op);
    }
  }

  private static KqlType numeric(String op, KqlType a, KqlType b, int pos) {
    if (!Values.isNumeric(a) || !Values.isNumeric(b)) {
      throw new KqlException(KqlException.Kind.TYPE_MISMATCH, "Operator '" + op + "' cannot be applied to "
          + a.kqlName() + " and " + b.kqlName() + " (position " + pos + ")");
    }
    if (a == KqlType.REAL || b == KqlType.REAL) {
      return KqlType.REAL;
    }
    if (a == KqlType.DECIMAL || b == KqlType.DECIMAL) {
      return KqlType.DECIMAL;
    }
    if (a == KqlType.INT && b == KqlType.INT) {
      return KqlType.INT;
    }
    return KqlType.LONG;
  }

  static Object apply(String op, Object a, Object b) {
    if (a == null || b == null) {
      return null;
    }
    if (a instanceof Instant || b instanceof Instant || a instanceof Duration || b instanceof Duration) {
      return temporal(op, a, b);
    }
    if (!(a instanceof Number) || !(b instanceof Number)) {
      return null; // dynamic strings, bags and the like have no arithmetic
    }
    if (a instanceof Double || b instanceof Double || a instanceof BigDecimal || b instanceof BigDecimal) {
      double x = ((Number) a).doubleValue();
      double y = ((Number) b).doubleValue();
      switch (op) {
        case "+": return x + y;
        case "-": return x - y;
        case "*": return x * y;
        case "/": return x / y;
        case "%": return x % y;
        default: throw new IllegalArgumentException(op);
      }
    }
    long x = ((Number) a).longValue();
    long y = ((Number) b).longValue();
    long r;
    switch (op) {
      case "+": r = x + y; break;
      case "-": r = x - y; break;
      case "*": r = x * y; break;
      case "/":
        if (y == 0) {
          return null;
        }
        r = x / y;
        break;
      case "%":
        if (y == 0) {
          return null;
        }
        r = x % y;
        break;
      default: throw new IllegalArgumentException(op);
    }
    return a instanceof Integer && b instanceof Integer ? (Object) (int) r : (Object) r;
  }

  private static Object temporal(String op, Object a, Object b) {
    if (a instanceof Instant t && b instanceof Duration d) {
      switch (op) {
        case "+": return t.plus(d);
        case "-": return t.minus(d);
        default: return null;
      }
    }
    if (a instanceof Duration d && b instanceof Instant t) {
      return op.equals("+") ? t.plus(d) : null;
    }
    if (a instanceof Instant x && b instanceof Instant y) {
      return op.equals("-") ? Duration.between(y, x) : null;
    }
    if (a instanceof Duration x && b instanceof Duration y) {
      switch (op) {
        case "+": return x.plus(y);
        case "-": return x.minus(y);
        case "/": return y.isZero() ? null : (double) TimeUnits.toTicks(x) / TimeUnits.toTicks(y);
        case "%": return y.isZero() ? null : TimeUnits.ofTicks(TimeUnits.toTicks(x) % TimeUnits.toTicks(y));
        default: return null;
      }
    }
    if (a instanceof Duration x && b instanceof Number n) {
      switch (op) {
        case "*": return TimeUnits.ofTicks(Math.round(TimeUnits.toTicks(x) * n.doubleValue()));
        case "/": return n.doubleValue() == 0 ? null : TimeUnits.ofTicks(Math.round(TimeUnits.toTicks(x) / n.doubleValue()));
        default: return null;
      }
    }
    if (a instanceof Number n && b instanceof Duration x && op.equals("*")) {
      return TimeUnits.ofTicks(Math.round(TimeUnits.toTicks(x) * n.doubleValue()));
    }
    return null;
  }

  /** ==, !=, <, <=, >, >= with Kusto's null rules (null == null is null, null == x is false). */
  static Boolean compare(String op, Object a, Object b) {
    if (a == null || b == null) {
      switch (op) {
        case "==": return a == b ? null : Boolean.FALSE;
        case "!=": return a == b ? null : Boolean.TRUE;
        default: return null;
      }
    }
    switch (op) {
      case "==": return Values.same(a, b);
      case "!=": return !Values.same(a, b);
      default: break;
    }
    if (a instanceof String && !(b instanceof String) && !(b instanceof Map) && !(b instanceof List)) {
      b = Values.toText(b);
    } else if (b instanceof String && !(a instanceof String) && !(a instanceof Map) && !(a instanceof List)) {
      a = Values.toText(a);
    }
    int c = Values.compare(a, b);
    switch (op) {
      case "<": return c < 0;
      case "<=": return c <= 0;
      case ">": return c > 0;
      case ">=": return c >= 0;
      default: throw new IllegalArgumentException(op);
    }
  }

  /** has, contains, startswith, endswith, =~ and their negated and case-sensitive forms. */
  static Boolean stringPredicate(String op, Object a, Object b) {
    boolean negated = op.startsWith("!");
    String base = negated ? op.substring(1) : op;
    boolean cs = base.endsWith("_cs") || base.equals("==");
    if (base.endsWith("_cs")) {
      base = base.substring(0, base.length() - 3);
    }
    String s = Values.toText(a);
    String t = Values.toText(b);
    if (!cs) {
      s = s.toLowerCase(Locale.ROOT);
      t = t.toLowerCase(Locale.ROOT);
    }
    boolean r;
    switch (base) {
      case "=~":
      case "~":
        r = s.equals(t);
        break;
      case "contains":
        r = s.contains(t);
        break;
      case "startswith":
      case "hasprefix":
        r = s.startsWith(t);
        break;
      case "endswith":
      case "hassuffix":
        r = s.endsWith(t);
        break;
      case "has":
        r = hasTerm(s, t);
        break;
      default:
        throw new IllegalArgumentException(op);
    }
    return r != negated;
  }

  /** True when {@code term} occurs in {@code s} not glued to other letters or digits on its alphanumeric ends. */
  static boolean hasTerm(String s, String term) {
    if (term.isEmpty()) {
      return true;
    }
    boolean alnumStart = Character.isLetterOrDigit(term.charAt(0));
    boolean alnumEnd = Character.isLetterOrDigit(term.charAt(term.length() - 1));
    int from = 0;
    while (true) {
      int i = s.indexOf(term, from);
      if (i < 0) {
        return false;
      }
      int end = i + term.length();
      boolean okStart = !alnumStart || i == 0 || !Character.isLetterOrDigit(s.charAt(i - 1));
      boolean okEnd = !alnumEnd || end == s.length() || !Character.isLetterOrDigit(s.charAt(end));
      if (okStart && okEnd) {
        return true;
      }
      from = i + 1;
    }
  }

  static Object negate(Object v) {
    if (v instanceof Long l) {
      return -l;
    } else if (v instanceof Integer i) {
      return -i;
    } else if (v instanceof Double d) {
      return -d;
    } else if (v instanceof BigDecimal b) {
      return b.negate();
    } else if (v instanceof Duration d) {
      return d.negated();
    }
    return null;
  }
}
