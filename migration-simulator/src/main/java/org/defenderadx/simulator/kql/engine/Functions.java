package org.defenderadx.simulator.kql.engine;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.KqlException;
import org.defenderadx.simulator.kql.KqlType;
import org.defenderadx.simulator.kql.syntax.Ast;
import org.defenderadx.simulator.kql.syntax.TimeUnits;

/** Built-in scalar functions: typing at plan time and evaluation at run time. */
final class Functions {
  private static final Set<String> BUILTINS = Set.of("ingestion_time", "extent_tags", "now", "ago", "todatetime",
      "tostring", "tolong", "toint", "toreal", "todouble", "tobool", "toboolean", "todecimal", "totimespan", "totime",
      "toguid", "todynamic", "parse_json", "toobject", "int", "long", "real", "double", "bool", "boolean", "decimal",
      "string", "strcat", "strcat_delim", "strlen", "tolower", "toupper", "substring", "indexof", "replace_string",
      "split", "trim", "isnull", "isnotnull", "isempty", "isnotempty", "iff", "iif", "case", "coalesce", "abs",
      "floor", "bin", "round", "ceiling", "hash", "hash_xxhash64", "hash_sha256", "hash_md5", "toscalar", "pack_all",
      "pack", "bag_pack", "pack_array", "array_length", "format_datetime", "row_number", "not", "startofday",
      "startofhour", "max_of", "min_of", "gettype", "bag_keys", "materialize", "datetime_add", "unixtime_seconds_todatetime",
      "unixtime_milliseconds_todatetime", "tohex", "set_has_element", "array_index_of", "extract", "replace_regex", "trim_start", "trim_end", "strrep",
      "reverse", "countof", "datetime_diff", "datetime_part", "getyear", "getmonth", "dayofweek", "startofweek",
      "startofmonth", "startofyear", "endofday", "array_concat", "array_slice", "bag_merge", "strcat_array", "sqrt", "log", "exp", "pow",
      "array_sort_asc", "array_sort_desc", "hourofday", "dayofmonth", "string_size", "bin_at", "ipv4_is_private");

  private final Planner planner;

  Functions(Planner planner) {
    this.planner = planner;
  }

  static boolean isBuiltin(String name) {
    return BUILTINS.contains(name);
  }

  Scalar compile(Ast.Call call, Scope s) {
    String name = call.name();
    List<Ast.Expr> rawArgs = call.args();
    switch (name) {
      case "toscalar": {
        arity(call, 1, 1);
        Plan plan = planner.tabular(rawArgs.get(0), s.env());
        KqlType t = plan.columns().isEmpty() ? KqlType.DYNAMIC : plan.columns().get(0).type();
        return Scalar.memo(Scalar.of(t, true, c -> {
          Iterator<Row> it = plan.open(c.exec);
          if (!it.hasNext()) {
            return null;
          }
          Object[] v = it.next().values();
          return v.length == 0 ? null : v[0];
        }));
      }
      case "pack_all": {
        List<Column> cols = s.columns();
        arity(call, 0, 1);
        // pack_all(true) leaves out null and empty values; the flag must be a literal
        boolean skip = !rawArgs.isEmpty() && rawArgs.get(0) instanceof Ast.Literal l && Boolean.TRUE.equals(l.value());
        return Scalar.of(KqlType.DYNAMIC, false, c -> {
          Map<String, Object> bag = new LinkedHashMap<>();
          for (int k = 0; k < cols.size(); k++) {
            Object v = c.value(k);
            if (skip && (v == null || "".equals(v)) || cols.get(k).name().startsWith("\u0000")) {
              continue; // a column that extend replaced is not part of the row any more
            }
            bag.put(cols.get(k).name(), Values.toDynamic(v));
          }
          return bag;
        });
      }
      case "row_number": {
        arity(call, 0, 1);
        Scalar start = rawArgs.isEmpty() ? Scalar.constant(KqlType.LONG, 1L) : planner.compile(rawArgs.get(0), s);
        return Scalar.of(KqlType.LONG, false, c -> {
          Long st = Values.toLong(start.eval(c));
          return c.rowNumber - 1 + (st == null ? 1 : st);
        });
      }
      case "ingestion_time":
        arity(call, 0, 0);
        return Scalar.of(KqlType.DATETIME, false, c -> c.row.ingestionTime());
      case "extent_tags":
        arity(call, 0, 0);
        return Scalar.of(KqlType.DYNAMIC, false, c -> new ArrayList<Object>(c.row.extentTags()));
      default:
        break;
    }
    List<Scalar> args = new ArrayList<>();
    for (Ast.Expr a : rawArgs) {
      args.add(planner.compile(a, s));
    }
    boolean constant = args.stream().allMatch(Scalar::rowIndependent);
    switch (name) {
      case "now":
        arity(call, 0, 1);
        return Scalar.of(KqlType.DATETIME, constant, c -> args.isEmpty() ? c.exec.now()
            : Arith.apply("+", c.exec.now(), args.get(0).eval(c)));
      case "ago":
        arity(call, 1, 1);
        return Scalar.of(KqlType.DATETIME, constant, c -> Arith.apply("-", c.exec.now(), args.get(0).eval(c)));
      case "todatetime":
        return convert(call, args, KqlType.DATETIME);
      case "tostring":
      case "string":
        arity(call, 1, 1);
        return unary(args, KqlType.STRING, Values::toText);
      case "tolong":
      case "long":
        return convert(call, args, KqlType.LONG);
      case "toint":
      case "int":
        return convert(call, args, KqlType.INT);
      case "toreal":
      case "todouble":
      case "real":
      case "double":
        return convert(call, args, KqlType.REAL);
      case "tobool":
      case "toboolean":
      case "bool":
      case "boolean":
        return convert(call, args, KqlType.BOOL);
      case "todecimal":
      case "decimal":
        return convert(call, args, KqlType.DECIMAL);
      case "totimespan":
      case "totime":
        return convert(call, args, KqlType.TIMESPAN);
      case "toguid":
        return convert(call, args, KqlType.GUID);
      case "todynamic":
      case "parse_json":
      case "toobject":
        arity(call, 1, 1);
        return unary(args, KqlType.DYNAMIC, v -> v instanceof String str ? Json.parseLenient(str)
            : Values.toDynamic(v));
      case "strcat":
        return Scalar.of(KqlType.STRING, constant, c -> {
          StringBuilder sb = new StringBuilder();
          args.forEach(a -> sb.append(Values.toText(a.eval(c))));
          return sb.toString();
        });
      case "strcat_delim":
        arity(call, 2, 64);
        return Scalar.of(KqlType.STRING, constant, c -> {
          String delim = Values.toText(args.get(0).eval(c));
          List<String> parts = new ArrayList<>();
          args.subList(1, args.size()).forEach(a -> parts.add(Values.toText(a.eval(c))));
          return String.join(delim, parts);
        });
      case "strlen":
        arity(call, 1, 1);
        return unary(args, KqlType.LONG, v -> {
          String str = Values.toText(v);
          return (long) str.codePointCount(0, str.length());
        });
      case "tolower":
        arity(call, 1, 1);
        return unary(args, KqlType.STRING, v -> Values.toText(v).toLowerCase(Locale.ROOT));
      case "toupper":
        arity(call, 1, 1);
        return unary(args, KqlType.STRING, v -> Values.toText(v).toUpperCase(Locale.ROOT));
      case "trim":
        arity(call, 2, 2);
        return Scalar.of(KqlType.STRING, constant, c -> {
          String re = Values.toText(args.get(0).eval(c));
          return Values.toText(args.get(1).eval(c)).replaceAll("^(" + re + ")+|(" + re + ")+$", "");
        });
      case "substring":
        arity(call, 2, 3);
        return Scalar.of(KqlType.STRING, constant, c -> {
          String str = Values.toText(args.get(0).eval(c));
          Long start = Values.toLong(args.get(1).eval(c));
          Long len = args.size() > 2 ? Values.toLong(args.get(2).eval(c)) : null;
          if (start == null) {
            return "";
          }
          int from = (int) Math.max(0, Math.min(start, str.length()));
          int to = len == null ? str.length() : (int) Math.max(from, Math.min(str.length(), from + len));
          return str.substring(from, to);
        });
      case "indexof":
        arity(call, 2, 2);
        return Scalar.of(KqlType.LONG, constant, c -> {
          Object hay = args.get(0).eval(c);
          Object needle = args.get(1).eval(c);
          return hay == null || needle == null ? null : (long) Values.toText(hay).indexOf(Values.toText(needle));
        });
      case "replace_string":
        arity(call, 3, 3);
        return Scalar.of(KqlType.STRING, constant, c -> Values.toText(args.get(0).eval(c))
            .replace(Values.toText(args.get(1).eval(c)), Values.toText(args.get(2).eval(c))));
      case "split":
        arity(call, 2, 2);
        return Scalar.of(KqlType.DYNAMIC, constant, c -> {
          String str = Values.toText(args.get(0).eval(c));
          String delim = Values.toText(args.get(1).eval(c));
          List<Object> parts = new ArrayList<>();
          if (delim.isEmpty()) {
            parts.add(str);
            return parts;
          }
          int from = 0;
          while (true) {
            int i = str.indexOf(delim, from);
            if (i < 0) {
              parts.add(str.substring(from));
              return parts;
            }
            parts.add(str.substring(from, i));
            from = i + delim.length();
          }
        });
      case "isnull":
        arity(call, 1, 1);
        return unary(args, KqlType.BOOL, v -> v == null);
      case "isnotnull":
        arity(call, 1, 1);
        return unary(args, KqlType.BOOL, v -> v != null);
      case "isempty":
        arity(call, 1, 1);
        return unary(args, KqlType.BOOL, v -> v == null || "".equals(v));
      case "isnotempty":
        arity(call, 1, 1);
        return unary(args, KqlType.BOOL, v -> !(v == null || "".equals(v)));
      case "not":
        arity(call, 1, 1);
        return unary(args, KqlType.BOOL, v -> v == null ? null : !Boolean.TRUE.equals(Values.toBool(v)));
      case "iff":
      case "iif": {
        arity(call, 3, 3);
        KqlType t = branchType(rawArgs.get(1), args.get(1), args.get(2));
        return Scalar.of(t, constant, c -> Values.coerce(Boolean.TRUE.equals(args.get(0).eval(c))
            ? args.get(1).eval(c) : args.get(2).eval(c), t));
      }
      case "case": {
        if (args.size() < 3 || args.size() % 2 == 0) {
          throw arityError(call);
        }
        KqlType t = args.get(1).type();
        return Scalar.of(t, constant, c -> {
          for (int k = 0; k + 1 < args.size(); k += 2) {
            if (Boolean.TRUE.equals(args.get(k).eval(c))) {
              return Values.coerce(args.get(k + 1).eval(c), t);
            }
          }
          return Values.coerce(args.get(args.size() - 1).eval(c), t);
        });
      }
      case "coalesce": {
        arity(call, 1, 64);
        KqlType t = args.get(0).type();
        return Scalar.of(t, constant, c -> {
          for (Scalar a : args) {
            Object v = a.eval(c);
            if (v != null && !"".equals(v)) {
              return Values.coerce(v, t);
            }
          }
          return t == KqlType.STRING ? "" : null;
        });
      }
      case "max_of":
      case "min_of": {
        arity(call, 1, 64);
        boolean max = name.equals("max_of");
        KqlType t = args.get(0).type();
        return Scalar.of(t, constant, c -> {
          Object best = null;
          for (Scalar a : args) {
            Object v = a.eval(c);
            if (v != null && (best == null || (Values.compare(v, best) > 0) == max && Values.compare(v, best) != 0)) {
              best = v;
            }
          }
          return Values.coerce(best, t);
        });
      }
      case "abs":
        arity(call, 1, 1);
        return Scalar.of(args.get(0).type(), constant, c -> {
          Object v = args.get(0).eval(c);
          if (v instanceof Long l) {
            return Math.abs(l);
          } else if (v instanceof Integer i) {
            return Math.abs(i);
          } else if (v instanceof Double d) {
            return Math.abs(d);
          } else if (v instanceof BigDecimal b) {
            return b.abs();
          } else if (v instanceof Duration d) {
            return d.abs();
          } else if (v instanceof Number n) {
            return Math.abs(n.doubleValue());
          }
          return null;
        });
      case "floor":
      case "bin": {
        arity(call, 2, 2);
        KqlType t = args.get(0).type();
        if (t != KqlType.DATETIME && t != KqlType.TIMESPAN && args.get(1).type() == KqlType.REAL) {
          t = KqlType.REAL;
        }
        KqlType rt = t;
        return Scalar.of(rt, constant, c -> Values.coerce(bin(args.get(0).eval(c), args.get(1).eval(c)), rt));
      }
      case "bin_at": {
        arity(call, 3, 3);
        KqlType t = args.get(0).type();
        if (t != KqlType.DATETIME && t != KqlType.TIMESPAN && args.get(1).type() == KqlType.REAL) {
          t = KqlType.REAL;
        }
        KqlType rt = t;
        return Scalar.of(rt, constant, c -> Values.coerce(binAt(args.get(0).eval(c), args.get(1).eval(c),
            args.get(2).eval(c)), rt));
      }
      case "round":
        arity(call, 1, 2);
        return Scalar.of(KqlType.REAL, constant, c -> {
          Double v = Values.toReal(args.get(0).eval(c));
          Long digits = args.size() > 1 ? Values.toLong(args.get(1).eval(c)) : Long.valueOf(0);
          if (v == null || digits == null || v.isNaN() || v.isInfinite()) {
            return v;
          }
          return BigDecimal.valueOf(v).setScale(digits.intValue(), RoundingMode.HALF_EVEN).doubleValue();
        });
      case "ceiling":
        arity(call, 1, 1);
        return unary(args, KqlType.REAL, v -> {
          Double d = Values.toReal(v);
          return d == null ? null : Math.ceil(d);
        });
      case "sqrt":
      case "log":
      case "exp":
        arity(call, 1, 1);
        return unary(args, KqlType.REAL, v -> {
          Double d = Values.toReal(v);
          if (d == null) {
            return null;
          }
          return name.equals("sqrt") ? Math.sqrt(d) : name.equals("log") ? Math.log(d) : Math.exp(d);
        });
      case "pow":
        arity(call, 2, 2);
        return Scalar.of(KqlType.REAL, constant, c -> {
          Double x = Values.toReal(args.get(0).eval(c));
          Double y = Values.toReal(args.get(1).eval(c));
          return x == null || y == null ? null : Math.pow(x, y);
        });
      case "hash":
        arity(call, 1, 2);
        return Scalar.of(KqlType.LONG, constant, c -> {
          Object v = args.get(0).eval(c);
          if (v == null) {
            return null;
          }
          long h = xxhash(v);
          if (args.size() > 1) {
            Long mod = Values.toLong(args.get(1).eval(c));
            return mod == null || mod == 0 ? null : Math.abs(h % mod);
          }
          return h;
        });
      case "hash_xxhash64":
        arity(call, 1, 2);
        return unary(args, KqlType.LONG, v -> v == null ? null : xxhash(v));
      case "hash_sha256":
      case "hash_md5":
        arity(call, 1, 1);
        return unary(args, KqlType.STRING, v -> v == null ? "" : digest(name.equals("hash_md5") ? "MD5" : "SHA-256",
            Values.toText(v)));
      case "tohex":
        arity(call, 1, 2);
        return unary(args, KqlType.STRING, v -> {
          Long l = Values.toLong(v);
          return l == null ? "" : Long.toHexString(l);
        });
      case "pack":
      case "bag_pack":
        if (args.size() % 2 != 0) {
          throw arityError(call);
        }
        return Scalar.of(KqlType.DYNAMIC, constant, c -> {
          Map<String, Object> bag = new LinkedHashMap<>();
          for (int k = 0; k < args.size(); k += 2) {
            bag.put(Values.toText(args.get(k).eval(c)), Values.toDynamic(args.get(k + 1).eval(c)));
          }
          return bag;
        });
      case "pack_array":
        return Scalar.of(KqlType.DYNAMIC, constant, c -> {
          List<Object> list = new ArrayList<>();
          args.forEach(a -> list.add(Values.toDynamic(a.eval(c))));
          return list;
        });
      case "array_length":
        arity(call, 1, 1);
        return unary(args, KqlType.LONG, v -> v instanceof List<?> l ? (Object) (long) l.size() : null);
      case "set_has_element":
      case "array_index_of": {
        arity(call, 2, 2);
        boolean index = name.equals("array_index_of");
        return Scalar.of(index ? KqlType.LONG : KqlType.BOOL, constant, c -> {
          Object arr = args.get(0).eval(c);
          Object x = Values.toDynamic(args.get(1).eval(c));
          if (!(arr instanceof List<?> l)) {
            return null;
          }
          for (int k = 0; k < l.size(); k++) {
            if (l.get(k) != null && x != null && Values.same(l.get(k), x)) {
              return index ? (Object) (long) k : Boolean.TRUE;
            }
          }
          return index ? (Object) (-1L) : Boolean.FALSE;
        });
      }
      case "extract": {
        arity(call, 3, 3);
        return Scalar.of(KqlType.STRING, constant, c -> {
          Object re = args.get(0).eval(c);
          Long group = Values.toLong(args.get(1).eval(c));
          java.util.regex.Matcher m = regex(re).matcher(Values.toText(args.get(2).eval(c)));
          return group != null && m.find() && group <= m.groupCount() && m.group(group.intValue()) != null
              ? m.group(group.intValue()) : "";
        });
      }
      case "replace_regex":
        arity(call, 3, 3);
        return Scalar.of(KqlType.STRING, constant, c -> regex(args.get(1).eval(c))
            .matcher(Values.toText(args.get(0).eval(c)))
            .replaceAll(Values.toText(args.get(2).eval(c)).replaceAll("\\\\(\\d)", "\\$$1")));
      case "trim_start":
      case "trim_end": {
        arity(call, 2, 2);
        boolean start = name.equals("trim_start");
        return Scalar.of(KqlType.STRING, constant, c -> {
          String re = Values.toText(args.get(0).eval(c));
          return Values.toText(args.get(1).eval(c)).replaceAll(start ? "^(" + re + ")+" : "(" + re + ")+$", "");
        });
      }
      case "strrep":
        arity(call, 2, 3);
        return Scalar.of(KqlType.STRING, constant, c -> {
          Long n = Values.toLong(args.get(1).eval(c));
          String delim = args.size() > 2 ? Values.toText(args.get(2).eval(c)) : "";
          return n == null || n <= 0 ? "" : String.join(delim,
              java.util.Collections.nCopies(n.intValue(), Values.toText(args.get(0).eval(c))));
        });
      case "reverse":
        arity(call, 1, 1);
        return unary(args, KqlType.STRING, v -> new StringBuilder(Values.toText(v)).reverse().toString());
      case "countof":
        arity(call, 2, 3);
        return Scalar.of(KqlType.LONG, constant, c -> {
          String text = Values.toText(args.get(0).eval(c));
          String needle = Values.toText(args.get(1).eval(c));
          boolean isRegex = args.size() > 2 && "regex".equals(Values.toText(args.get(2).eval(c)));
          long n = 0;
          if (isRegex) {
            java.util.regex.Matcher m = regex(needle).matcher(text);
            while (m.find()) {
              n++;
            }
          } else if (!needle.isEmpty()) {
            for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
              n++;
            }
          }
          return n;
        });
      case "datetime_diff":
        arity(call, 3, 3);
        return Scalar.of(KqlType.LONG, constant, c -> {
          String part = Values.toText(args.get(0).eval(c)).toLowerCase(Locale.ROOT);
          Instant a = Values.toDatetime(args.get(1).eval(c));
          Instant b = Values.toDatetime(args.get(2).eval(c));
          return a == null || b == null ? null : datetimeDiff(part, a, b);
        });
      case "datetime_part":
        arity(call, 2, 2);
        return Scalar.of(KqlType.LONG, constant, c -> {
          Instant t = Values.toDatetime(args.get(1).eval(c));
          return t == null ? null : datetimePart(Values.toText(args.get(0).eval(c)).toLowerCase(Locale.ROOT), t);
        });
      case "getyear":
      case "getmonth":
        arity(call, 1, 1);
        return unary(args, KqlType.LONG, v -> {
          Instant t = Values.toDatetime(v);
          return t == null ? null : datetimePart(name.equals("getyear") ? "year" : "month", t);
        });
      case "hourofday":
      case "dayofmonth":
        arity(call, 1, 1);
        return unary(args, KqlType.INT, v -> {
          Instant t = Values.toDatetime(v);
          return t == null ? null : (int) datetimePart(name.equals("hourofday") ? "hour" : "day", t);
        });
      case "string_size":
        arity(call, 1, 1);
        return unary(args, KqlType.LONG, v -> (long) Values.toText(v).getBytes(StandardCharsets.UTF_8).length);
      case "ipv4_is_private":
        arity(call, 1, 1);
        return unary(args, KqlType.BOOL, v -> v == null ? null : Ipv4.isPrivate(Values.toText(v)));
      case "dayofweek":
        arity(call, 1, 1);
        return unary(args, KqlType.TIMESPAN, v -> {
          Instant t = Values.toDatetime(v);
          return t == null ? null : Duration.ofDays(utc(t).getDayOfWeek().getValue() % 7); // Sunday is 0
        });
      case "startofweek":
      case "startofmonth":
      case "startofyear":
      case "endofday":
        arity(call, 1, 1);
        return unary(args, KqlType.DATETIME, v -> {
          Instant t = Values.toDatetime(v);
          if (t == null) {
            return null;
          }
          java.time.LocalDate d = utc(t).toLocalDate();
          switch (name) {
            case "startofweek":
              return d.minusDays(d.getDayOfWeek().getValue() % 7).atStartOfDay().toInstant(java.time.ZoneOffset.UTC);
            case "startofmonth":
              return d.withDayOfMonth(1).atStartOfDay().toInstant(java.time.ZoneOffset.UTC);
            case "startofyear":
              return d.withDayOfYear(1).atStartOfDay().toInstant(java.time.ZoneOffset.UTC);
            default:
              return d.plusDays(1).atStartOfDay().toInstant(java.time.ZoneOffset.UTC).minusNanos(100);
          }
        });
      case "array_concat":
        return Scalar.of(KqlType.DYNAMIC, constant, c -> {
          List<Object> out = new ArrayList<>();
          for (Scalar a : args) {
            if (!(a.eval(c) instanceof List<?> l)) {
              return null;
            }
            out.addAll(l);
          }
          return out;
        });
      case "array_slice":
        arity(call, 3, 3);
        return Scalar.of(KqlType.DYNAMIC, constant, c -> {
          Object arr = args.get(0).eval(c);
          Long from = Values.toLong(args.get(1).eval(c));
          Long to = Values.toLong(args.get(2).eval(c));
          if (!(arr instanceof List<?> l) || from == null || to == null) {
            return null;
          }
          int n = l.size();
          int a = (int) Math.max(0, from < 0 ? from + n : from);
          int b = (int) Math.min(n - 1, to < 0 ? to + n : to);
          return a > b ? new ArrayList<>() : new ArrayList<Object>(l.subList(a, b + 1));
        });
      case "array_sort_asc":
      case "array_sort_desc": {
        // Kusto also accepts further arrays reordered alongside the first; that yields several columns,
        // which a scalar cannot, so only array_sort(array[, nulls_last]) is supported.
        arity(call, 1, 2);
        boolean ascending = name.endsWith("_asc");
        if (args.size() == 2 && args.get(1).type() != KqlType.BOOL) {
          throw new KqlException(KqlException.Kind.SYNTAX, "Function '" + name
              + "': only one array is supported; the second argument must be the bool nulls_last");
        }
        return Scalar.of(KqlType.DYNAMIC, constant, c -> {
          Object last = args.size() == 2 ? args.get(1).eval(c) : Boolean.TRUE;
          return ArraySort.sort(args.get(0).eval(c), ascending, !Boolean.FALSE.equals(last));
        });
      }
      case "bag_merge":
        return Scalar.of(KqlType.DYNAMIC, constant, c -> {
          Map<String, Object> out = new LinkedHashMap<>();
          for (Scalar a : args) {
            if (a.eval(c) instanceof Map<?, ?> m) {
              m.forEach((k, v) -> out.putIfAbsent(String.valueOf(k), v));
            }
          }
          return out;
        });
      case "strcat_array":
        arity(call, 2, 2);
        return Scalar.of(KqlType.STRING, constant, c -> {
          Object arr = args.get(0).eval(c);
          if (!(arr instanceof List<?> l)) {
            return "";
          }
          List<String> parts = new ArrayList<>();
          l.forEach(x -> parts.add(Values.toText(x)));
          return String.join(Values.toText(args.get(1).eval(c)), parts);
        });
      case "bag_keys":
        arity(call, 1, 1);
        return unary(args, KqlType.DYNAMIC, v -> v instanceof Map<?, ?> m ? new ArrayList<Object>(m.keySet()) : null);
      case "gettype":
        arity(call, 1, 1);
        return unary(args, KqlType.STRING, v -> v == null ? "null" : Values.typeOf(v) == KqlType.DYNAMIC
            ? (v instanceof List ? "array" : "dictionary") : Values.typeOf(v).kqlName());
      case "format_datetime":
        arity(call, 2, 2);
        return Scalar.of(KqlType.STRING, constant, c -> {
          Instant t = Values.toDatetime(args.get(0).eval(c));
          return t == null ? "" : Temporal.formatCustom(t, Values.toText(args.get(1).eval(c)));
        });
      case "startofday":
      case "startofhour":
        arity(call, 1, 1);
        return unary(args, KqlType.DATETIME, v -> {
          Instant t = Values.toDatetime(v);
          return t == null ? null : t.truncatedTo(name.equals("startofday") ? ChronoUnit.DAYS : ChronoUnit.HOURS);
        });
      case "datetime_add":
        arity(call, 3, 3);
        return Scalar.of(KqlType.DATETIME, constant, c -> {
          String part = Values.toText(args.get(0).eval(c)).toLowerCase(Locale.ROOT);
          Long n = Values.toLong(args.get(1).eval(c));
          Instant t = Values.toDatetime(args.get(2).eval(c));
          if (n == null || t == null) {
            return null;
          }
          long per = TimeUnits.ticksPerUnit(part);
          if (per == 0) {
            throw new KqlException(KqlException.Kind.RUNTIME, "datetime_add: unsupported part '" + part + "'");
          }
          return t.plus(TimeUnits.ofTicks(per * n));
        });
      case "unixtime_seconds_todatetime":
      case "unixtime_milliseconds_todatetime":
        arity(call, 1, 1);
        return unary(args, KqlType.DATETIME, v -> {
          Double d = Values.toReal(v);
          if (d == null) {
            return null;
          }
          double ticks = d * (name.startsWith("unixtime_seconds") ? 1e7 : 1e4);
          return Instant.EPOCH.plus(TimeUnits.ofTicks(Math.round(ticks)));
        });
      default:
        throw new KqlException(KqlException.Kind.UNKNOWN_FUNCTION, "'" + s.operator()
            + "' operator: Unknown function: '" + name + "'");
    }
  }

  private static java.util.regex.Pattern regex(Object re) {
    try {
      return java.util.regex.Pattern.compile(Values.toText(re));
    } catch (java.util.regex.PatternSyntaxException e) {
      throw new KqlException(KqlException.Kind.RUNTIME, "Invalid regular expression: " + e.getDescription());
    }
  }

  private static java.time.LocalDateTime utc(Instant t) {
    return java.time.LocalDateTime.ofEpochSecond(t.getEpochSecond(), t.getNano(), java.time.ZoneOffset.UTC);
  }

  private static long datetimePart(String part, Instant t) {
    java.time.LocalDateTime d = utc(t);
    switch (part) {
      case "year": return d.getYear();
      case "quarter": return (d.getMonthValue() - 1) / 3 + 1;
      case "month": return d.getMonthValue();
      case "weekofyear":
      case "week_of_year": return d.get(java.time.temporal.IsoFields.WEEK_OF_WEEK_BASED_YEAR);
      case "day": return d.getDayOfMonth();
      case "dayofyear": return d.getDayOfYear();
      case "hour": return d.getHour();
      case "minute": return d.getMinute();
      case "second": return d.getSecond();
      case "millisecond": return d.getNano() / 1_000_000;
      case "microsecond": return d.getNano() / 1_000;
      case "nanosecond": return d.getNano();
      default: throw new KqlException(KqlException.Kind.RUNTIME, "Unsupported datetime part '" + part + "'");
    }
  }

  /** Kusto's datetime_diff: the number of period boundaries crossed between b and a (a - b). */
  private static long datetimeDiff(String part, Instant a, Instant b) {
    java.time.LocalDateTime x = utc(a);
    java.time.LocalDateTime y = utc(b);
    switch (part) {
      case "year": return x.getYear() - y.getYear();
      case "quarter": return (x.getYear() - y.getYear()) * 4L + datetimePart("quarter", a) - datetimePart("quarter", b);
      case "month": return (x.getYear() - y.getYear()) * 12L + x.getMonthValue() - y.getMonthValue();
      case "week": {
        long wa = Math.floorDiv(x.toLocalDate().toEpochDay() + 4, 7); // weeks start on Sunday; 1970-01-01 was a Thursday
        long wb = Math.floorDiv(y.toLocalDate().toEpochDay() + 4, 7);
        return wa - wb;
      }
      case "day": return x.toLocalDate().toEpochDay() - y.toLocalDate().toEpochDay();
      default: {
        long per = TimeUnits.ticksPerUnit(part);
        if (per == 0) {
          throw new KqlException(KqlException.Kind.RUNTIME, "Unsupported datetime part '" + part + "'");
        }
        return Math.floorDiv(Values.toLong(a), per) - Math.floorDiv(Values.toLong(b), per);
      }
    }
  }

  /** iff(c, null-literal, x) takes the type of x. */
  private static KqlType branchType(Ast.Expr thenExpr, Scalar then, Scalar otherwise) {
    if (thenExpr instanceof Ast.Literal l && l.value() == null) {
      return otherwise.type();
    }
    return then.type();
  }

  static long xxhash(Object v) {
    return Xxh64.hash(Values.toText(v).getBytes(StandardCharsets.UTF_8), 0L);
  }

  private static String digest(String algorithm, String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm)
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Rounds down to a multiple of the bin size: numbers, datetimes (from 0001-01-01... as Kusto: from epoch of ticks) and timespans. */
  static Object bin(Object v, Object size) {
    if (v == null || size == null) {
      return null;
    }
    if (v instanceof Instant t && size instanceof Duration d) {
      long span = TimeUnits.toTicks(d);
      if (span <= 0) {
        return null;
      }
      long ticks = Values.toLong(t);
      return Values.toDatetime(Math.floorDiv(ticks, span) * span);
    }
    if (v instanceof Duration x && size instanceof Duration d) {
      long span = TimeUnits.toTicks(d);
      return span <= 0 ? null : TimeUnits.ofTicks(Math.floorDiv(TimeUnits.toTicks(x), span) * span);
    }
    if ((v instanceof Long || v instanceof Integer) && (size instanceof Long || size instanceof Integer)) {
      long span = ((Number) size).longValue();
      return span <= 0 ? null : Math.floorDiv(((Number) v).longValue(), span) * span;
    }
    if (v instanceof Number n && size instanceof Number m) {
      double span = m.doubleValue();
      return span <= 0 ? null : Math.floor(n.doubleValue() / span) * span;
    }
    return null;
  }

  /** bin() with bins aligned on {@code fixed} instead of on zero. */
  static Object binAt(Object v, Object size, Object fixed) {
    if (v == null || size == null || fixed == null) {
      return null;
    }
    if (v instanceof Instant t && fixed instanceof Instant f) {
      Object d = bin(Duration.between(f, t), size);
      return d instanceof Duration off ? f.plus(off) : null;
    }
    if (v instanceof Duration x && fixed instanceof Duration f) {
      Object d = bin(x.minus(f), size);
      return d instanceof Duration off ? f.plus(off) : null;
    }
    if (v instanceof Number n && fixed instanceof Number f) {
      Object b = (n instanceof Long || n instanceof Integer) && (f instanceof Long || f instanceof Integer)
          ? bin(n.longValue() - f.longValue(), size) : bin(n.doubleValue() - f.doubleValue(), size);
      if (b instanceof Long l) {
        return l + f.longValue();
      }
      return b instanceof Double d ? d + f.doubleValue() : null;
    }
    return null;
  }

  private static Scalar unary(List<Scalar> args, KqlType type, Function<Object, Object> fn) {
    Scalar a = args.get(0);
    return Scalar.of(type, a.rowIndependent(), c -> fn.apply(a.eval(c)));
  }

  private static Scalar convert(Ast.Call call, List<Scalar> args, KqlType type) {
    arity(call, 1, 1);
    return unary(args, type, v -> Values.coerce(v, type));
  }

  private static void arity(Ast.Call call, int min, int max) {
    if (call.args().size() < min || call.args().size() > max) {
      throw arityError(call);
    }
  }

  private static KqlException arityError(Ast.Call call) {
    return new KqlException(KqlException.Kind.SYNTAX, "Function '" + call.name() + "' does not accept "
        + call.args().size() + " argument(s) (position " + call.pos() + ")");
  }
}
