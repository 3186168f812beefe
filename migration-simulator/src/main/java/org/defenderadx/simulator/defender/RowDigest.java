package org.defenderadx.simulator.defender;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.defenderadx.simulator.defender.http.JsonSink;
import org.defenderadx.simulator.kql.Column;

/**
 * The identity of one row as the Advanced Hunting API serves it: hex SHA-256 of its canonical JSON.
 *
 * <p>Canonical form: the flat JSON object of one result row; object keys sorted (by UTF-16 order) at every
 * depth; no whitespace; strings escaped minimally (only {@code "}, {@code \} and control characters; all other
 * characters as raw UTF-8); datetimes as the served 7-digit strings; integral numbers as plain integers
 * (so {@code 5} and {@code 5.0} agree), other numbers in plain decimal notation without trailing zeros.
 *
 * <p>Two top-level rules make the digest stable across the systems that hold a row: keys starting with
 * {@code __} (the migrator's provenance and helper columns) are ignored, and so are top-level keys whose value
 * is null. The second rule means a column that appears mid-period (null for older rows) does not change the
 * identity of older rows, and a store that drops null properties from a dynamic value digests the same.
 */
public final class RowDigest {
  private RowDigest() {
  }

  /** Digest of a served row, e.g. one element of {@code results}, or an ADX {@code Records} value. */
  public static String of(JsonObject servedRow) {
    return ofMap(servedRow.getMap());
  }

  /** Digest of a row given as columns and KQL values, rendered as the API would serve it. */
  public static String of(List<Column> columns, Object[] values) {
    Map<String, Object> row = new TreeMap<>();
    for (int i = 0; i < columns.size(); i++) {
      Object v = i < values.length ? values[i] : null;
      row.put(columns.get(i).name(), ServedValues.toJsonValue(columns.get(i).type(), v));
    }
    return ofMap(row);
  }

  /** The canonical JSON text that {@link #of(JsonObject)} hashes; useful when a digest mismatch needs a diff. */
  public static String canonicalJson(JsonObject servedRow) {
    return canonical(servedRow.getMap()).asString();
  }

  private static String ofMap(Map<String, Object> row) {
    JsonSink sink = canonical(row);
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(sink.array(), 0, sink.length());
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static JsonSink canonical(Map<String, Object> row) {
    TreeMap<String, Object> top = new TreeMap<>();
    for (Map.Entry<String, Object> e : row.entrySet()) {
      if (e.getKey().startsWith("__") || e.getValue() == null) {
        continue;
      }
      top.put(e.getKey(), e.getValue());
    }
    JsonSink sink = new JsonSink(2048);
    writeObject(sink, top);
    return sink;
  }

  private static void writeObject(JsonSink sink, Map<?, ?> m) {
    TreeMap<String, Object> sorted = new TreeMap<>();
    m.forEach((k, v) -> sorted.put(String.valueOf(k), v));
    sink.raw('{');
    boolean first = true;
    for (Map.Entry<String, Object> e : sorted.entrySet()) {
      if (!first) {
        sink.raw(',');
      }
      first = false;
      sink.string(e.getKey()).raw(':');
      write(sink, e.getValue());
    }
    sink.raw('}');
  }

  private static void write(JsonSink sink, Object v) {
    if (v instanceof JsonObject o) {
      writeObject(sink, o.getMap());
    } else if (v instanceof Map<?, ?> m) {
      writeObject(sink, m);
    } else if (v instanceof JsonArray a) {
      writeList(sink, a.getList());
    } else if (v instanceof List<?> l) {
      writeList(sink, l);
    } else if (v instanceof Number n) {
      sink.raw(canonicalNumber(n));
    } else if (v == null || v instanceof String || v instanceof Boolean) {
      sink.value(v);
    } else {
      // Instants, durations and guids: as served.
      sink.value(v);
    }
  }

  private static void writeList(JsonSink sink, List<?> l) {
    sink.raw('[');
    for (int i = 0; i < l.size(); i++) {
      if (i > 0) {
        sink.raw(',');
      }
      write(sink, l.get(i));
    }
    sink.raw(']');
  }

  static String canonicalNumber(Number n) {
    if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte
        || n instanceof BigInteger) {
      return n.toString();
    }
    BigDecimal d;
    if (n instanceof BigDecimal b) {
      d = b;
    } else {
      double x = n.doubleValue();
      if (Double.isNaN(x) || Double.isInfinite(x)) {
        return "\"" + x + "\"";
      }
      d = new BigDecimal(Double.toString(x));
    }
    d = d.stripTrailingZeros();
    if (d.scale() <= 0) {
      return d.toBigIntegerExact().toString();
    }
    return d.toPlainString();
  }

  /** Digests of several served rows, sorted, for multiset comparison. */
  public static List<String> sorted(Iterable<JsonObject> rows) {
    List<String> out = new ArrayList<>();
    rows.forEach(r -> out.add(of(r)));
    out.sort(null);
    return out;
  }
}
