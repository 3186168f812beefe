package org.defenderadx.simulator.adx.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.defenderadx.simulator.kql.KqlType;

/**
 * A named ingestion mapping of a table ({@code .create-or-alter table T ingestion json mapping 'M' '[...]'}).
 * Both the current form ({@code {"column":..,"Properties":{"Path":..}}}) and the legacy one
 * ({@code {"column":..,"path":..,"datatype":..}}) are accepted, with keys in any case.
 *
 * @param kind lower-case: json, csv, ...
 * @param text the mapping as it was given, returned by {@code .show} commands
 */
public record IngestionMapping(String name, String kind, List<ColumnMapping> columns, String text) {

  /** One target column and where its value comes from. */
  public record ColumnMapping(String column, KqlType dataType, JsonPath path, Integer ordinal, String constValue) {
  }

  /** Parses a mapping's JSON text; throws IllegalArgumentException with a Kusto-like reason when it is malformed. */
  @SuppressWarnings("unchecked")
  public static IngestionMapping parse(String name, String kind, String text) {
    Object tree = KustoValues.parseJson(text);
    if (!(tree instanceof List<?> list)) {
      throw new IllegalArgumentException("Mapping '" + name + "' must be a JSON array of column mappings");
    }
    List<ColumnMapping> cols = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof Map)) {
        throw new IllegalArgumentException("Mapping '" + name + "': each entry must be a JSON object");
      }
      Map<String, Object> m = caseInsensitive((Map<String, Object>) o);
      Object column = m.get("column");
      if (column == null) {
        throw new IllegalArgumentException("Mapping '" + name + "': an entry has no 'column'");
      }
      Map<String, Object> props = m.get("properties") instanceof Map
          ? caseInsensitive((Map<String, Object>) m.get("properties")) : new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      Object path = props.getOrDefault("path", m.get("path"));
      Object ordinal = props.getOrDefault("ordinal", m.get("ordinal"));
      Object constValue = props.getOrDefault("constvalue", m.get("constvalue"));
      Object dataType = m.getOrDefault("datatype", props.get("datatype"));
      cols.add(new ColumnMapping(column.toString(),
          dataType == null || dataType.toString().isBlank() ? null : KqlType.fromName(dataType.toString()),
          path == null ? null : JsonPath.compile(path.toString()),
          ordinal == null ? null : Integer.valueOf(ordinal.toString()),
          constValue == null ? null : constValue.toString()));
    }
    return new IngestionMapping(name, kind.toLowerCase(Locale.ROOT), List.copyOf(cols), text);
  }

  private static Map<String, Object> caseInsensitive(Map<String, Object> m) {
    Map<String, Object> r = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    r.putAll(m);
    return r;
  }
}
