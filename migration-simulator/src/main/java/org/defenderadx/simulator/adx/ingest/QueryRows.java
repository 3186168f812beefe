package org.defenderadx.simulator.adx.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.defenderadx.simulator.adx.store.KustoValues;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.KqlType;

/**
 * Query results (from {@code .set-or-append} or an update policy) turned into rows of a target table: columns go to
 * the table's columns of the same name, or by position when no name matches; values are converted to the column
 * types; each row gets a digest of its values.
 */
public record QueryRows(List<Object[]> rows, long[] digests) {

  public static QueryRows toTable(List<Column> source, List<Object[]> resultRows, List<Column> target,
                                  String tableName) {
    int[] sourceIndex = mapColumns(source, target, tableName);
    List<Object[]> rows = new ArrayList<>(resultRows.size());
    long[] digests = new long[resultRows.size()];
    for (int i = 0; i < resultRows.size(); i++) {
      Object[] src = resultRows.get(i);
      Object[] row = new Object[target.size()];
      for (int k = 0; k < row.length; k++) {
        row[k] = sourceIndex[k] < 0 ? null : coerce(src[sourceIndex[k]], target.get(k).type());
      }
      rows.add(row);
      byte[] text = KustoValues.toJsonText(Arrays.asList(row)).getBytes(StandardCharsets.UTF_8);
      digests[i] = RowDigest.of(text, 0, text.length);
    }
    return new QueryRows(rows, digests);
  }

  private static int[] mapColumns(List<Column> source, List<Column> target, String table) {
    int[] idx = new int[target.size()];
    boolean anyByName = false;
    for (int k = 0; k < target.size(); k++) {
      idx[k] = -1;
      for (int s = 0; s < source.size(); s++) {
        if (source.get(s).name().equals(target.get(k).name())) {
          idx[k] = s;
          anyByName = true;
        }
      }
    }
    if (!anyByName) {
      if (source.size() > target.size()) {
        throw new IllegalArgumentException("The query returns " + source.size() + " columns but table '" + table
            + "' has " + target.size());
      }
      for (int k = 0; k < target.size(); k++) {
        idx[k] = k < source.size() ? k : -1;
      }
    }
    return idx;
  }

  /** Converts an engine value to the Java representation of a column type. */
  public static Object coerce(Object v, KqlType type) {
    if (v == null) {
      return null;
    }
    if (type == KqlType.DYNAMIC) {
      return v instanceof Instant || v instanceof Duration || v instanceof UUID || v instanceof java.math.BigDecimal
          ? KustoValues.parseJson(KustoValues.toJsonText(v)) : v;
    }
    if (type == KqlType.STRING && !(v instanceof String)) {
      return v instanceof Map || v instanceof List ? KustoValues.toJsonText(v)
          : v instanceof Instant i ? KustoValues.formatDateTime(i) : v.toString();
    }
    if (v instanceof String s) {
      return KustoValues.parseText(s, type);
    }
    if (type == KqlType.DATETIME && v instanceof Instant) {
      return v;
    }
    if (type == KqlType.TIMESPAN && v instanceof Duration) {
      return v;
    }
    if (type == KqlType.GUID && v instanceof UUID) {
      return v;
    }
    return KustoValues.fromJson(v instanceof Instant || v instanceof Duration || v instanceof UUID ? v.toString() : v,
        type);
  }
}
