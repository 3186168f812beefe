package org.defenderadx.simulator.adx.dm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.defenderadx.simulator.adx.store.KustoValues;

/**
 * One ingestion request read from the ready-for-aggregation queue. The Java SDK writes camelCase keys and string
 * enums; the documented format has PascalCase keys and numeric enums: both are accepted.
 */
public record IngestionMessage(String id, String blobPath, long rawDataSize, String database, String table,
                               boolean flushImmediately, ReportLevel reportLevel, ReportMethod reportMethod,
                               StatusEntity statusEntity, String format, String mappingReference,
                               String inlineMapping, List<String> tags, List<String> ingestIfNotExists,
                               boolean ignoreFirstRecord) {

  /** Which outcomes are reported. */
  public enum ReportLevel { FAILURES_ONLY, NONE, FAILURES_AND_SUCCESSES }

  /** Where outcomes are reported. */
  public enum ReportMethod { QUEUE, TABLE, QUEUE_AND_TABLE }

  /** The status-table entity the client created (Pending) and the service updates. */
  public record StatusEntity(String tableUrl, String partitionKey, String rowKey) {
    public String tableName() {
      String path = tableUrl.contains("?") ? tableUrl.substring(0, tableUrl.indexOf('?')) : tableUrl;
      return path.substring(path.lastIndexOf('/') + 1);
    }
  }

  /** The ingest-by tag values among the tags, which seal a blob into a batch of its own. */
  public boolean hasIngestByTag() {
    return tags.stream().anyMatch(t -> t.startsWith("ingest-by:"));
  }

  /** Parses a queue message: base64 of JSON, or plain JSON. */
  @SuppressWarnings("unchecked")
  public static IngestionMessage parse(String messageText) {
    String json = messageText.trim();
    if (!json.startsWith("{")) {
      json = new String(Base64.getDecoder().decode(json), StandardCharsets.UTF_8);
    }
    Object tree = KustoValues.parseJson(json);
    if (!(tree instanceof Map)) {
      throw new IllegalArgumentException("The ingestion message is not a JSON object");
    }
    Map<String, Object> m = ci((Map<String, Object>) tree);
    Map<String, Object> props = m.get("additionalproperties") instanceof Map
        ? ci((Map<String, Object>) m.get("additionalproperties")) : ci(Map.of());
    StatusEntity status = null;
    if (m.get("ingestionstatusintable") instanceof Map) {
      Map<String, Object> s = ci((Map<String, Object>) m.get("ingestionstatusintable"));
      status = new StatusEntity(str(s.get("tableconnectionstring")), str(s.get("partitionkey")),
          str(s.get("rowkey")));
    }
    String blobPath = str(m.get("blobpath"));
    String table = str(m.get("tablename"));
    String db = str(m.get("databasename"));
    if (blobPath == null || table == null || db == null) {
      throw new IllegalArgumentException("The ingestion message lacks blobPath, databaseName or tableName");
    }
    String format = str(props.get("format"));
    return new IngestionMessage(str(m.get("id")), blobPath,
        m.get("rawdatasize") instanceof Number n ? n.longValue() : 0L, db, table,
        Boolean.parseBoolean(String.valueOf(m.get("flushimmediately"))),
        reportLevel(m.get("reportlevel")), reportMethod(m.get("reportmethod")), status,
        format == null ? "csv" : format.toLowerCase(Locale.ROOT),
        str(props.get("ingestionmappingreference")), str(props.get("ingestionmapping")),
        stringList(props.get("tags")), stringList(props.get("ingestifnotexists")),
        Boolean.parseBoolean(String.valueOf(props.get("ignorefirstrecord"))));
  }

  private static ReportLevel reportLevel(Object v) {
    if (v == null) {
      return ReportLevel.FAILURES_ONLY;
    }
    if (v instanceof Number n) {
      return switch (n.intValue()) {
        case 1 -> ReportLevel.NONE;
        case 2 -> ReportLevel.FAILURES_AND_SUCCESSES;
        default -> ReportLevel.FAILURES_ONLY;
      };
    }
    String s = v.toString().replace("_", "").toLowerCase(Locale.ROOT);
    return switch (s) {
      case "none", "1" -> ReportLevel.NONE;
      case "failuresandsuccesses", "all", "2" -> ReportLevel.FAILURES_AND_SUCCESSES;
      default -> ReportLevel.FAILURES_ONLY;
    };
  }

  private static ReportMethod reportMethod(Object v) {
    if (v == null) {
      return ReportMethod.QUEUE;
    }
    if (v instanceof Number n) {
      return switch (n.intValue()) {
        case 1 -> ReportMethod.TABLE;
        case 2 -> ReportMethod.QUEUE_AND_TABLE;
        default -> ReportMethod.QUEUE;
      };
    }
    String s = v.toString().replace("_", "").toLowerCase(Locale.ROOT);
    return switch (s) {
      case "table", "1" -> ReportMethod.TABLE;
      case "queueandtable", "2" -> ReportMethod.QUEUE_AND_TABLE;
      default -> ReportMethod.QUEUE;
    };
  }

  /** Tag lists arrive as a JSON array encoded in a string, or as an array. */
  private static List<String> stringList(Object v) {
    if (v == null) {
      return List.of();
    }
    Object list = v;
    if (v instanceof String s) {
      if (s.isBlank()) {
        return List.of();
      }
      list = KustoValues.parseJson(s);
    }
    List<String> out = new ArrayList<>();
    if (list instanceof List<?> l) {
      for (Object o : l) {
        out.add(String.valueOf(o));
      }
    }
    return List.copyOf(out);
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }

  private static Map<String, Object> ci(Map<String, Object> m) {
    Map<String, Object> r = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    r.putAll(m);
    return r;
  }
}
