package org.defenderadx.migration.common.typed;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.kql.KustoTypes;
import org.defenderadx.migration.common.model.ConfigRowLimits;

/** Source schemas read as typed-table columns, compared with what a typed table holds, and converted from raw. */
public final class TypedColumns {

  /** More columns than any Advanced Hunting table has (a few dozen): a schema past it is refused. */
  public static final int MAX_COLUMNS = 1_000;

  private static final Set<String> TYPES = Set.of("string", "datetime", "long", "int", "bool", "real", "decimal",
      "dynamic", "guid", "timespan");

  private TypedColumns() {
  }

  /**
   * A source schema's columns as typed-table columns, and what was left out: our own query columns (two leading
   * underscores, which KQL reserves), names that are not plain identifiers or would collide with the provenance
   * columns (one leading underscore), and types no service names (kept as dynamic, so no value is lost).
   */
  public record Observed(Map<String, String> columns, List<String> problems) {
  }

  public static Observed observe(String sourceTable, Map<String, String> schema) {
    Map<String, String> columns = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> e : schema.entrySet()) {
      String name = e.getKey();
      if (name != null && name.startsWith("__")) {
        continue;
      }
      if (name == null || !KqlIdentifiers.isValid(name) || name.startsWith("_")) {
        problems.add("column '" + ConfigRowLimits.printable(String.valueOf(name)) + "' of " + sourceTable
            + " is not a plain identifier (or starts with '_', kept for provenance): left out of the typed table"
            + " (its values stay in the raw table)");
        continue;
      }
      if (columns.size() >= MAX_COLUMNS) {
        problems.add(sourceTable + " has more than " + MAX_COLUMNS + " columns: the rest are left out of the typed"
            + " table (their values stay in the raw table)");
        break;
      }
      String type = KustoTypes.scalar(e.getValue()).orElse(null);
      if (type == null) {
        problems.add("column " + name + " of " + sourceTable + " has the unknown type "
            + ConfigRowLimits.printable(String.valueOf(e.getValue())) + ": typed as dynamic");
        type = "dynamic";
      }
      columns.put(name, type);
    }
    return new Observed(columns, problems);
  }

  /** How a typed table differs from a source schema: columns to add, and columns whose type changed. */
  public record Difference(Map<String, String> added, List<TypeChange> changed) {
    public boolean isEmpty() {
      return added.isEmpty() && changed.isEmpty();
    }
  }

  /** A column the source now types differently from the typed table; the typed table keeps its type. */
  public record TypeChange(String column, String typedAs, String sourceSays) {
    public String describe(String sourceTable) {
      return "schema drift: column " + column + " of " + sourceTable + " is " + sourceSays + " at the source but "
          + typedAs + " in the typed table; the typed column keeps its type (values that do not convert are null"
          + " there) and every value is kept in the raw table";
    }
  }

  /** @param typed the typed table's Defender columns; @param source the source's, both as {@link #observe} gives */
  public static Difference difference(Map<String, String> typed, Map<String, String> source) {
    Map<String, String> added = new LinkedHashMap<>();
    List<TypeChange> changed = new ArrayList<>();
    source.forEach((name, type) -> {
      String had = typed.get(name);
      if (had == null) {
        added.put(name, type);
      } else if (!had.equals(type)) {
        changed.add(new TypeChange(name, had, type));
      }
    });
    return new Difference(added, changed);
  }

  /** The type checked: one of Kusto's scalar types, spelled as Kusto does. */
  static String requireType(String type) {
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException("not a Kusto scalar type: " + ConfigRowLimits.printable(String.valueOf(type)));
    }
    return type;
  }

  /**
   * The KQL that turns a raw dynamic value into a column of {@code type}. The to*() functions read a value sent as
   * text or as a number alike; a dynamic value sent as JSON text is parsed, one sent as an object is kept.
   */
  static String conversion(String type, String value) {
    return switch (type) {
      case "string" -> "tostring(" + value + ")";
      case "datetime" -> "todatetime(" + value + ")";
      case "long" -> "tolong(" + value + ")";
      case "int" -> "toint(" + value + ")";
      case "bool" -> "tobool(" + value + ")";
      case "real" -> "toreal(" + value + ")";
      case "decimal" -> "todecimal(" + value + ")";
      case "guid" -> "toguid(" + value + ")";
      case "timespan" -> "totimespan(" + value + ")";
      case "dynamic" -> "iff(gettype(" + value + ") == 'string', parse_json(tostring(" + value + ")), " + value + ")";
      default -> throw new IllegalArgumentException("not a Kusto scalar type: " + type);
    };
  }
}
