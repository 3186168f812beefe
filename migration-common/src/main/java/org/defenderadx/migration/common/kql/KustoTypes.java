package org.defenderadx.migration.common.kql;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Kusto type names as the services spell them. */
public final class KustoTypes {
  private KustoTypes() {
  }

  /**
   * Whether {@code type} names a datetime: {@code getschema} says "datetime" (ColumnType) or "System.DateTime"
   * (DataType); hunting results say "DateTime".
   */
  public static boolean isDatetime(String type) {
    String t = type == null ? "" : type.toLowerCase(Locale.ROOT);
    return t.equals("datetime") || t.equals("system.datetime") || t.equals("date");
  }

  /** Every spelling the services use, lower-cased, to the Kusto scalar type it names. */
  private static final Map<String, String> SCALAR = Map.ofEntries(
      Map.entry("string", "string"), Map.entry("system.string", "string"),
      Map.entry("datetime", "datetime"), Map.entry("date", "datetime"), Map.entry("system.datetime", "datetime"),
      Map.entry("long", "long"), Map.entry("int64", "long"), Map.entry("system.int64", "long"),
      Map.entry("uint32", "long"), Map.entry("uint64", "long"),
      Map.entry("int", "int"), Map.entry("int32", "int"), Map.entry("system.int32", "int"),
      Map.entry("int16", "int"), Map.entry("uint16", "int"), Map.entry("byte", "int"),
      Map.entry("bool", "bool"), Map.entry("boolean", "bool"), Map.entry("system.boolean", "bool"),
      Map.entry("sbyte", "bool"), Map.entry("system.sbyte", "bool"),
      Map.entry("real", "real"), Map.entry("double", "real"), Map.entry("single", "real"),
      Map.entry("system.double", "real"),
      Map.entry("decimal", "decimal"), Map.entry("system.data.sqltypes.sqldecimal", "decimal"),
      Map.entry("system.decimal", "decimal"),
      Map.entry("dynamic", "dynamic"), Map.entry("object", "dynamic"), Map.entry("system.object", "dynamic"),
      Map.entry("guid", "guid"), Map.entry("system.guid", "guid"),
      Map.entry("timespan", "timespan"), Map.entry("time", "timespan"), Map.entry("system.timespan", "timespan"));

  /**
   * The Kusto scalar type ({@code string}, {@code datetime}, {@code long}, ...) a schema's type name means, whichever
   * service spelled it: {@code getschema}'s ColumnType, its .NET DataType, or a hunting result's .NET name (the
   * legacy API's {@code SByte} is a bool). Empty for a name none of them uses.
   */
  public static Optional<String> scalar(String type) {
    return type == null ? Optional.empty() : Optional.ofNullable(SCALAR.get(type.strip().toLowerCase(Locale.ROOT)));
  }
}
