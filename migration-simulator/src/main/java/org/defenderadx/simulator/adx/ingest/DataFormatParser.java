package org.defenderadx.simulator.adx.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.defenderadx.simulator.adx.store.DynamicJson;
import org.defenderadx.simulator.adx.store.IngestionMapping;
import org.defenderadx.simulator.adx.store.KustoValues;
import org.defenderadx.simulator.kql.Column;

/**
 * Turns uncompressed source bytes of a Kusto data format into typed rows through an ingestion mapping (or, with
 * none, by column name for JSON and by position for CSV). A record that does not parse is counted and skipped.
 */
public final class DataFormatParser {

  private DataFormatParser() {
  }

  /** The mapping kind a format needs: {@code json} or {@code csv}. */
  public static String mappingKind(String format) {
    String f = format.toLowerCase(Locale.ROOT);
    return switch (f) {
      case "json", "multijson", "singlejson" -> "json";
      case "csv", "tsv", "tsve", "psv", "scsv", "sohsv", "txt" -> "csv";
      default -> throw new IngestionFailure("BadRequest_FormatNotSupported",
          "Data format '" + format + "' is not supported by the ADX stand-in", true);
    };
  }

  public static boolean isJson(String format) {
    return mappingKind(format).equals("json");
  }

  /**
   * @param mapping     the mapping to apply, or null
   * @param digestOnly  keep no rows, only digests and counts
   */
  public static ParsedData parse(byte[] data, String format, IngestionMapping mapping, List<Column> columns,
                                 boolean digestOnly, boolean ignoreFirstRecord) {
    RowBuilder rows = new RowBuilder(mapping, columns, digestOnly);
    if (isJson(format)) {
      parseJson(data, rows);
    } else {
      parseDelimited(data, separator(format), rows, ignoreFirstRecord);
    }
    return rows.result(data.length);
  }

  private static char separator(String format) {
    return switch (format.toLowerCase(Locale.ROOT)) {
      case "tsv", "tsve" -> '\t';
      case "psv" -> '|';
      case "scsv" -> ';';
      case "sohsv" -> '\u0001';
      default -> ',';
    };
  }

  // --- JSON, JSON lines and multi-JSON: records are objects, at top level or inside top-level arrays

  private static void parseJson(byte[] data, RowBuilder rows) {
    int from = 0;
    long[] reached = new long[1];
    while (from < data.length) {
      try (JsonParser p = KustoValues.JSON.createParser(data, from, data.length - from)) {
        from = parseJsonFrom(p, data, from, rows, reached);
      } catch (IOException e) {
        // Skip the rest of the line the bad record is on and go on with the next one, as JSON lines allow.
        rows.bad("Invalid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        int nl = from + (int) reached[0];
        while (nl < data.length && data[nl] != '\n') {
          nl++;
        }
        from = nl + 1;
      }
    }
  }

  /** Parses records until the end; {@code reached[0]} tracks the offset of the record being read, for resync. */
  private static int parseJsonFrom(JsonParser p, byte[] data, int base, RowBuilder rows, long[] reached)
      throws IOException {
    JsonToken t;
    int depth = 0;
    reached[0] = 0;
    while ((t = p.nextToken()) != null) {
      if (t == JsonToken.START_ARRAY && depth == 0) {
        depth = 1;
        continue;
      }
      if (t == JsonToken.END_ARRAY && depth == 1) {
        depth = 0;
        continue;
      }
      if (t != JsonToken.START_OBJECT) {
        reached[0] = p.currentTokenLocation().getByteOffset();
        throw new IOException("expected a JSON object, found " + t);
      }
      int start = base + (int) p.currentTokenLocation().getByteOffset();
      reached[0] = start - base;
      Object tree = null;
      if (rows.needsTree()) {
        tree = KustoValues.readTree(p);
      } else {
        p.skipChildren();
      }
      int end = base + (int) p.currentLocation().getByteOffset();
      reached[0] = end - base;
      if (rows.keepsRawRecord()) {
        tree = new DynamicJson(data, start, end - start);
      }
      rows.addJson(tree, RowDigest.of(data, start, end));
    }
    return data.length;
  }

  // --- CSV-like formats

  private static void parseDelimited(byte[] data, char sep, RowBuilder rows, boolean ignoreFirstRecord) {
    String text = new String(data, java.nio.charset.StandardCharsets.UTF_8);
    int i = 0;
    boolean first = true;
    int n = text.length();
    while (i < n) {
      int start = i;
      List<String> fields = new ArrayList<>();
      StringBuilder cur = new StringBuilder();
      boolean quoted = false;
      boolean wasQuoted = false;
      boolean endOfRecord = false;
      while (i < n && !endOfRecord) {
        char c = text.charAt(i);
        if (quoted) {
          if (c == '"') {
            if (i + 1 < n && text.charAt(i + 1) == '"') {
              cur.append('"');
              i++;
            } else {
              quoted = false;
            }
          } else {
            cur.append(c);
          }
        } else if (c == '"' && cur.length() == 0) {
          quoted = true;
          wasQuoted = true;
        } else if (c == sep) {
          fields.add(wasQuoted ? cur.toString() : cur.toString());
          cur.setLength(0);
          wasQuoted = false;
        } else if (c == '\n') {
          endOfRecord = true;
        } else if (c != '\r') {
          cur.append(c);
        }
        i++;
      }
      fields.add(cur.toString());
      String line = text.substring(start, Math.min(i, n)).strip();
      if (line.isEmpty()) {
        continue;
      }
      if (first && ignoreFirstRecord) {
        first = false;
        continue;
      }
      first = false;
      byte[] lb = line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      rows.addFields(fields, RowDigest.of(lb, 0, lb.length));
    }
  }

  /** Applies the mapping to each record and collects rows and digests. */
  private static final class RowBuilder {
    private final List<Column> columns;
    private final boolean digestOnly;
    private final int[] targetIndex;
    private final IngestionMapping.ColumnMapping[] sources;
    private final List<Object[]> rows = new ArrayList<>();
    private long[] digests = new long[64];
    private int count;
    private int bad;
    private String firstError;
    private final int rootDynamicOnly;

    RowBuilder(IngestionMapping mapping, List<Column> columns, boolean digestOnly) {
      this.columns = columns;
      this.digestOnly = digestOnly;
      if (mapping != null) {
        sources = mapping.columns().toArray(new IngestionMapping.ColumnMapping[0]);
        targetIndex = new int[sources.length];
        for (int k = 0; k < sources.length; k++) {
          int idx = indexOf(sources[k].column());
          if (idx < 0) {
            throw new IngestionFailure("BadRequest_InconsistentMapping", "Mapping '" + mapping.name()
                + "' refers to column '" + sources[k].column() + "', which the table does not have", true);
          }
          targetIndex[k] = idx;
        }
      } else {
        sources = null;
        targetIndex = null;
      }
      // The common raw-table case ($ into one dynamic column) needs no path walking.
      rootDynamicOnly = sources != null && sources.length == 1 && sources[0].path() != null
          && sources[0].path().isRoot() && columns.get(targetIndex[0]).type() == org.defenderadx.simulator.kql.KqlType.DYNAMIC
          ? targetIndex[0] : -1;
    }

    private int indexOf(String name) {
      for (int k = 0; k < columns.size(); k++) {
        if (columns.get(k).name().equals(name)) {
          return k;
        }
      }
      return -1;
    }

    boolean needsTree() {
      return !digestOnly && rootDynamicOnly < 0;
    }

    /** The whole record goes to one dynamic column: keep its text, parse it only when read. */
    boolean keepsRawRecord() {
      return !digestOnly && rootDynamicOnly >= 0;
    }

    @SuppressWarnings("unchecked")
    void addJson(Object tree, long digest) {
      if (!digestOnly) {
        Object[] row = new Object[columns.size()];
        if (rootDynamicOnly >= 0) {
          row[rootDynamicOnly] = tree;
        } else if (sources != null) {
          for (int k = 0; k < sources.length; k++) {
            IngestionMapping.ColumnMapping m = sources[k];
            Object v = m.constValue() != null ? m.constValue() : m.path() != null ? m.path().evaluate(tree) : null;
            row[targetIndex[k]] = KustoValues.fromJson(v, columns.get(targetIndex[k]).type());
          }
        } else {
          Map<String, Object> obj = (Map<String, Object>) tree;
          for (int k = 0; k < row.length; k++) {
            row[k] = KustoValues.fromJson(obj.get(columns.get(k).name()), columns.get(k).type());
          }
        }
        rows.add(row);
      }
      addDigest(digest);
    }

    void addFields(List<String> fields, long digest) {
      if (!digestOnly) {
        Object[] row = new Object[columns.size()];
        if (sources != null) {
          for (int k = 0; k < sources.length; k++) {
            IngestionMapping.ColumnMapping m = sources[k];
            String v = m.constValue() != null ? m.constValue()
                : m.ordinal() != null && m.ordinal() < fields.size() ? fields.get(m.ordinal()) : null;
            row[targetIndex[k]] = KustoValues.parseText(v, columns.get(targetIndex[k]).type());
          }
        } else {
          for (int k = 0; k < row.length && k < fields.size(); k++) {
            row[k] = KustoValues.parseText(fields.get(k), columns.get(k).type());
          }
        }
        rows.add(row);
      }
      addDigest(digest);
    }

    private void addDigest(long d) {
      if (count == digests.length) {
        digests = Arrays.copyOf(digests, count * 2);
      }
      digests[count++] = d;
    }

    void bad(String why) {
      bad++;
      if (firstError == null) {
        firstError = why;
      }
    }

    ParsedData result(long rawBytes) {
      return new ParsedData(rows, Arrays.copyOf(digests, count), bad, firstError, rawBytes);
    }
  }
}
