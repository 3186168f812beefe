package org.defenderadx.simulator.adx.command;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.defenderadx.simulator.adx.ingest.IngestionFailure;
import org.defenderadx.simulator.adx.ingest.Ingestor;
import org.defenderadx.simulator.adx.ingest.ParsedData;
import org.defenderadx.simulator.adx.ingest.QueryRows;
import org.defenderadx.simulator.adx.store.Cluster;
import org.defenderadx.simulator.adx.store.Database;
import org.defenderadx.simulator.adx.store.Extent;
import org.defenderadx.simulator.adx.store.IngestionMapping;
import org.defenderadx.simulator.adx.store.KustoValues;
import org.defenderadx.simulator.adx.store.Table;
import org.defenderadx.simulator.kql.Catalog;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.defenderadx.simulator.kql.KqlEngine;
import org.defenderadx.simulator.kql.KqlType;
import org.defenderadx.simulator.kql.QueryContext;
import org.defenderadx.simulator.kql.QueryResult;
import org.defenderadx.simulator.kql.StoredFunction;
import org.defenderadx.simulator.kql.StoredRow;
import org.defenderadx.simulator.kql.TableSource;

/**
 * Parses and executes management commands against the stand-in's databases. The tabular part of
 * {@code .set-or-append T <| query} and of piped {@code .show} commands runs through the shared KQL engine; everything
 * else is handled here. An unknown command is rejected with a permanent error naming it.
 */
public final class CommandExecutor {
  private static final String SHOW_RESULT_TABLE = "__CommandResult";

  private final Cluster cluster;
  private final Ingestor ingestor;
  private final KqlEngine engine;
  private final Clock clock;
  private final Supplier<IngestionEndpoints> ingestionEndpoints;

  public CommandExecutor(Cluster cluster, Ingestor ingestor, KqlEngine engine, Clock clock,
                         Supplier<IngestionEndpoints> ingestionEndpoints) {
    this.cluster = cluster;
    this.ingestor = ingestor;
    this.engine = engine;
    this.clock = clock;
    this.ingestionEndpoints = ingestionEndpoints;
  }

  /** Runs one command in the context of a database. */
  public TabularResult execute(String dbName, String csl) {
    String command = csl.strip();
    CommandCursor c = new CommandCursor(command);
    String verb = CommandCursor.lower(c.readWord());
    return switch (verb) {
      case ".create", ".create-merge", ".create-or-alter", ".alter", ".alter-merge" -> createOrAlter(dbName, verb, c);
      case ".drop" -> drop(dbName, c);
      case ".show" -> showPiped(dbName, command);
      case ".get" -> get(c, command);
      case ".add" -> addPrincipal(dbName, c);
      case ".execute" -> executeScript(dbName, c);
      case ".set-or-append", ".append", ".set", ".set-or-replace" -> ingestFromQuery(dbName, verb, c);
      case ".ingest" -> ingestInline(dbName, c);
      case ".delete" -> deletePolicy(dbName, c);
      case ".replace" -> replaceExtents(dbName, c);
      default -> throw unknown(command);
    };
  }

  private static CommandException unknown(String command) {
    String head = command.lines().findFirst().orElse(command);
    if (head.length() > 80) {
      head = head.substring(0, 80) + "...";
    }
    return new CommandException("Unknown or unsupported command: '" + head + "' is not supported by the ADX stand-in");
  }

  // ------------------------------------------------------------------ create / alter

  private TabularResult createOrAlter(String dbName, String verb, CommandCursor c) {
    Database db = cluster.database(dbName);
    String what = CommandCursor.lower(c.readWord());
    switch (what) {
      case "table": {
        String table = c.readName();
        if (c.acceptWord("ingestion")) {
          return createMapping(db, table, verb, c);
        }
        if (c.acceptWord("policy")) {
          return alterTablePolicy(db, table, verb, c);
        }
        if (c.acceptWord("docstring")) {
          String doc = c.readString();
          Table t = db.tableNamed(table);
          db.createTable(table, List.of(), t.folder(), doc, true);
          return schemaResult(db, db.tableNamed(table));
        }
        if (c.acceptWord("folder")) {
          String folder = c.readString();
          Table t = db.tableNamed(table);
          db.createTable(table, List.of(), folder, t.docString(), true);
          return schemaResult(db, db.tableNamed(table));
        }
        List<Column> columns = readColumns(c);
        Map<String, String> props = c.readWithProperties();
        return schemaResult(db, defineTable(db, verb, table, columns, props));
      }
      case "tables": {
        if (c.peekSymbol("(")) {
          List<String> names = c.readStringList();
          c.expectWord("policy");
          String policy = c.readWord();
          String json = c.readString();
          TabularResult.Builder b = policyResultBuilder();
          for (String n : names) {
            db.putTablePolicy(n, policy, mergePolicy(verb, db.tableNamed(n).policy(policy), json));
            b.row(policy, dbName + "." + n, db.tableNamed(n).policy(policy).orElse(""), "", "Table");
          }
          return b.build();
        }
        List<Object[]> rows = new ArrayList<>();
        TabularResult last = null;
        do {
          String table = c.readName();
          List<Column> columns = readColumns(c);
          last = schemaResult(db, defineTable(db, verb, table, columns, Map.of()));
          rows.addAll(last.rows());
        } while (c.acceptSymbol(","));
        Map<String, String> props = c.readWithProperties();
        if (!props.isEmpty()) {
          for (Object[] r : rows) {
            Table t = db.tableNamed((String) r[0]);
            db.createTable(t.name(), List.of(), props.get("folder"), props.get("docstring"), true);
          }
        }
        return new TabularResult(last.columns(), rows);
      }
      case "function":
        return createFunction(db, verb, c);
      case "materialized-view":
        return createMaterializedView(db, verb, c);
      case "database": {
        String name = c.readName();
        Database target = cluster.database(name);
        c.expectWord("policy");
        String policy = c.readWord();
        String json = c.peekString() ? c.readString() : shorthandPolicy(policy, c);
        target.putDatabasePolicy(policy, mergePolicy(verb, target.policy(policy), json));
        return policyResultBuilder().row(policy, name, target.policy(policy).orElse(""), "", "Database").build();
      }
      default:
        throw unknown(c.text());
    }
  }

  private static Table defineTable(Database db, String verb, String table, List<Column> columns,
                                   Map<String, String> props) {
    String folder = props.get("folder");
    String doc = props.get("docstring");
    switch (verb) {
      case ".create":
        return db.createTable(table, columns, folder, doc, false);
      case ".create-merge":
        return db.createTable(table, columns, folder, doc, true);
      case ".alter-merge":
        db.tableNamed(table);
        return db.createTable(table, columns, folder, doc, true);
      case ".alter":
      case ".create-or-alter":
        if (db.findTable(table).isEmpty()) {
          if (verb.equals(".alter")) {
            db.tableNamed(table);
          }
          return db.createTable(table, columns, folder, doc, false);
        }
        db.alterTableColumns(table, columns);
        if (folder != null || doc != null) {
          db.createTable(table, List.of(), folder, doc, true);
        }
        return db.tableNamed(table);
      default:
        throw new CommandException("Unsupported verb for tables: " + verb);
    }
  }

  private static List<Column> readColumns(CommandCursor c) {
    String inner = c.readBalanced('(', ')');
    CommandCursor ic = new CommandCursor(inner);
    List<Column> cols = new ArrayList<>();
    while (!ic.atEnd()) {
      String name = ic.readName();
      ic.expectSymbol(":");
      String type = ic.readWord();
      try {
        cols.add(new Column(name, KqlType.fromName(type)));
      } catch (IllegalArgumentException e) {
        throw new CommandException("Column '" + name + "' has an unknown type '" + type + "'");
      }
      ic.acceptSymbol(",");
    }
    return cols;
  }

  private TabularResult createMapping(Database db, String table, String verb, CommandCursor c) {
    String kind = CommandCursor.lower(c.readWord());
    c.expectWord("mapping");
    String name = c.readString();
    String text = c.readString();
    c.readWithProperties();
    Table t = db.tableNamed(table);
    if (verb.equals(".create") && t.mapping(kind, name).isPresent()) {
      throw new CommandException("Mapping '" + name + "' of kind '" + kind + "' already exists on table '" + table
          + "'; use .create-or-alter");
    }
    if (verb.equals(".alter") && t.mapping(kind, name).isEmpty()) {
      throw new CommandException("Mapping '" + name + "' of kind '" + kind + "' does not exist on table '" + table + "'");
    }
    IngestionMapping m;
    try {
      m = IngestionMapping.parse(name, kind, text.strip());
    } catch (IllegalArgumentException e) {
      throw new CommandException("Invalid ingestion mapping '" + name + "': " + e.getMessage());
    }
    for (IngestionMapping.ColumnMapping cm : m.columns()) {
      if (t.column(cm.column()).isEmpty()) {
        throw new CommandException("Mapping '" + name + "' refers to column '" + cm.column()
            + "', which table '" + table + "' does not have");
      }
    }
    db.putMapping(table, m);
    return mappingResult(db, t, List.of(m));
  }

  private TabularResult mappingResult(Database db, Table t, List<IngestionMapping> ms) {
    TabularResult.Builder b = TabularResult.of("Name", KqlType.STRING, "Kind", KqlType.STRING, "Mapping",
        KqlType.STRING, "LastUpdatedOn", KqlType.DATETIME, "Database", KqlType.STRING, "Table", KqlType.STRING);
    for (IngestionMapping m : ms) {
      b.row(m.name(), capitalise(m.kind()), m.text(), clock.instant(), db.name(), t.name());
    }
    return b.build();
  }

  private TabularResult createFunction(Database db, String verb, CommandCursor c) {
    boolean ifNotExists = (c.acceptWord("ifnotexists") || c.acceptWord("if_not_exists"));
    Map<String, String> props = c.readWithProperties();
    String name = c.readName();
    String params = c.readBalanced('(', ')').strip();
    if (!params.isEmpty()) {
      throw new CommandException("Function '" + name + "': functions with parameters are not supported by the ADX "
          + "stand-in (only views and parameterless functions)");
    }
    String body = c.readBalanced('{', '}').strip();
    Optional<Database.FunctionEntry> existing = db.functionEntry(name);
    if (existing.isPresent() && (ifNotExists || verb.equals(".create") && ifNotExists)) {
      return functionResult(List.of(existing.get()));
    }
    if (existing.isPresent() && verb.equals(".create")) {
      throw new CommandException("Function '" + name + "' already exists in database '" + db.name() + "'");
    }
    if (existing.isEmpty() && verb.equals(".alter")) {
      throw new CommandException("Function '" + name + "' does not exist in database '" + db.name() + "'");
    }
    boolean view = "true".equalsIgnoreCase(props.getOrDefault("view", "false"));
    Database.FunctionEntry e = new Database.FunctionEntry(new StoredFunction(name, body, view), props.get("folder"),
        props.get("docstring"), false, null);
    db.putFunction(e);
    return functionResult(List.of(e));
  }

  private static TabularResult functionResult(List<Database.FunctionEntry> es) {
    TabularResult.Builder b = TabularResult.of("Name", KqlType.STRING, "Parameters", KqlType.STRING, "Body",
        KqlType.STRING, "Folder", KqlType.STRING, "DocString", KqlType.STRING);
    for (Database.FunctionEntry e : es) {
      b.row(e.function().name(), "()", "{" + e.function().body() + "}", nz(e.folder()), nz(e.docString()));
    }
    return b.build();
  }

  private TabularResult createMaterializedView(Database db, String verb, CommandCursor c) {
    c.acceptWord("async");
    boolean ifNotExists = (c.acceptWord("ifnotexists") || c.acceptWord("if_not_exists"));
    Map<String, String> props = c.readWithProperties();
    String name = c.readName();
    c.expectWord("on");
    String kind = CommandCursor.lower(c.readWord());
    if (!kind.equals("table") && !kind.equals("materialized-view")) {
      throw new CommandException("Materialized view '" + name + "': expected 'on table <name>'");
    }
    String source = c.readName();
    String body = c.readBalanced('{', '}').strip();
    Optional<Database.FunctionEntry> existing = db.functionEntry(name);
    if (existing.isPresent() && ifNotExists) {
      return materializedViewResult(db, List.of(existing.get()));
    }
    if (existing.isPresent() && verb.equals(".create")) {
      throw new CommandException("Materialized view '" + name + "' already exists in database '" + db.name() + "'");
    }
    if (db.findTable(source).isEmpty() && db.functionEntry(source).isEmpty()) {
      db.tableNamed(source);
    }
    // Served as a view over the source: always up to date, which is what a materialized view converges to.
    Database.FunctionEntry e = new Database.FunctionEntry(new StoredFunction(name, body, true), props.get("folder"),
        props.get("docstring"), true, source);
    db.putFunction(e);
    return materializedViewResult(db, List.of(e));
  }

  private static TabularResult materializedViewResult(Database db, List<Database.FunctionEntry> es) {
    TabularResult.Builder b = TabularResult.of("Name", KqlType.STRING, "SourceTable", KqlType.STRING, "Query",
        KqlType.STRING, "IsEnabled", KqlType.BOOL, "IsHealthy", KqlType.BOOL, "Folder", KqlType.STRING, "DocString",
        KqlType.STRING, "DatabaseName", KqlType.STRING);
    for (Database.FunctionEntry e : es) {
      b.row(e.function().name(), e.sourceTable(), e.function().body(), true, true, nz(e.folder()), nz(e.docString()),
          db.name());
    }
    return b.build();
  }

  private TabularResult alterTablePolicy(Database db, String table, String verb, CommandCursor c) {
    String policy = c.readWord();
    String json = c.peekString() ? c.readString() : shorthandPolicy(policy, c);
    Table t = db.tableNamed(table);
    db.putTablePolicy(table, policy, mergePolicy(verb, t.policy(policy), json));
    return policyResultBuilder().row(policy, db.name() + "." + table, t.policy(policy).orElse(""), "", "Table").build();
  }

  /**
   * The keyword forms of common policies, as JSON: {@code retention softdelete = 3650d recoverability = enabled},
   * {@code caching hot = 31d}, {@code streamingingestion enable|disable}.
   */
  private static String shorthandPolicy(String policy, CommandCursor c) {
    Map<String, Object> json = new LinkedHashMap<>();
    String p = CommandCursor.lower(policy);
    while (!c.atEnd()) {
      String key = CommandCursor.lower(c.readWord());
      if (key.isEmpty()) {
        throw new CommandException("Policy '" + policy + "': cannot read '" + c.snippet() + "'");
      }
      if (!c.acceptSymbol("=")) {
        switch (key) {
          case "enable" -> json.put("IsEnabled", true);
          case "disable" -> json.put("IsEnabled", false);
          default -> throw new CommandException("Policy '" + policy + "': unknown keyword '" + key + "'");
        }
        continue;
      }
      String value = c.peekString() ? c.readString() : c.readWord();
      switch (p + "." + key) {
        case "retention.softdelete" -> json.put("SoftDeletePeriod",
            KustoValues.formatTimespan(KustoValues.parseTimespan(value)));
        case "retention.recoverability" -> json.put("Recoverability", capitalise(CommandCursor.lower(value)));
        case "caching.hot" -> json.put("DataHotSpan", KustoValues.formatTimespan(KustoValues.parseTimespan(value)));
        default -> json.put(key, value);
      }
    }
    if (json.isEmpty()) {
      throw new CommandException("Policy '" + policy + "': expected the policy as a string literal (@'{...}') or "
          + "in keyword form");
    }
    return KustoValues.toJsonText(json);
  }

  @SuppressWarnings("unchecked")
  private static String mergePolicy(String verb, Optional<String> existing, String json) {
    Object update;
    try {
      update = KustoValues.parseJson(json);
    } catch (IllegalArgumentException e) {
      throw new CommandException("The policy is not valid JSON: " + e.getMessage());
    }
    if (verb.equals(".alter-merge") && existing.isPresent()
        && KustoValues.parseJson(existing.get()) instanceof Map<?, ?> old && update instanceof Map<?, ?> upd) {
      Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) old);
      merged.putAll((Map<String, Object>) upd);
      return KustoValues.toJsonText(merged);
    }
    if (verb.equals(".alter-merge") && existing.isPresent()
        && KustoValues.parseJson(existing.get()) instanceof List<?> old && update instanceof List<?> upd) {
      // An array policy (update): the new objects are appended to the existing ones, with no deduplication.
      List<Object> merged = new ArrayList<>(old);
      merged.addAll(upd);
      return KustoValues.toJsonText(merged);
    }
    return KustoValues.toJsonText(update);
  }

  private static TabularResult.Builder policyResultBuilder() {
    return TabularResult.of("PolicyName", KqlType.STRING, "EntityName", KqlType.STRING, "Policy", KqlType.STRING,
        "ChildEntities", KqlType.STRING, "EntityType", KqlType.STRING);
  }

  private TabularResult deletePolicy(String dbName, CommandCursor c) {
    Database db = cluster.database(dbName);
    String what = CommandCursor.lower(c.readWord());
    if (what.equals("table")) {
      String table = c.readName();
      c.expectWord("policy");
      String policy = c.readWord();
      db.putTablePolicy(table, policy, "null");
      return policyResultBuilder().row(policy, dbName + "." + table, "null", "", "Table").build();
    }
    throw unknown(c.text());
  }

  // ------------------------------------------------------------------ drop

  private TabularResult drop(String dbName, CommandCursor c) {
    Database db = cluster.database(dbName);
    String what = CommandCursor.lower(c.readWord());
    switch (what) {
      case "table": {
        String table = c.readName();
        if (c.acceptWord("ingestion")) {
          String kind = CommandCursor.lower(c.readWord());
          c.expectWord("mapping");
          String name = c.readString();
          if (!db.dropMapping(table, kind, name)) {
            throw new CommandException("Mapping '" + name + "' of kind '" + kind + "' does not exist on table '"
                + table + "'");
          }
          return mappingResult(db, db.tableNamed(table), db.tableNamed(table).mappings());
        }
        boolean ifExists = (c.acceptWord("ifexists") || c.acceptWord("if_exists"));
        if (!db.dropTable(table) && !ifExists) {
          throw new CommandException("Table '" + table + "' could not be found in database '" + dbName + "'");
        }
        return showTables(db);
      }
      case "tables": {
        List<String> names = c.readStringList();
        boolean ifExists = (c.acceptWord("ifexists") || c.acceptWord("if_exists"));
        for (String n : names) {
          if (!db.dropTable(n) && !ifExists) {
            throw new CommandException("Table '" + n + "' could not be found in database '" + dbName + "'");
          }
        }
        return showTables(db);
      }
      case "function":
      case "materialized-view": {
        String name = c.readName();
        boolean ifExists = (c.acceptWord("ifexists") || c.acceptWord("if_exists"));
        Optional<Database.FunctionEntry> e = db.functionEntry(name);
        boolean wantMaterialized = what.equals("materialized-view");
        if (e.isEmpty() || e.get().materialized() != wantMaterialized) {
          if (ifExists) {
            return functionResult(List.of());
          }
          throw new CommandException((wantMaterialized ? "Materialized view '" : "Function '") + name
              + "' could not be found in database '" + dbName + "'");
        }
        db.dropFunction(name);
        return functionResult(List.of(e.get()));
      }
      case "extents":
      case "extent":
        return dropExtents(db, c);
      default:
        throw unknown(c.text());
    }
  }

  private TabularResult dropExtents(Database db, CommandCursor c) {
    List<String[]> targets = new ArrayList<>();
    if (c.acceptSymbol("<|")) {
      TabularResult listed = execute(db.name(), c.rest());
      int idCol = columnIndex(listed, "ExtentId");
      int tableCol = columnIndex(listed, "TableName");
      for (Object[] r : listed.rows()) {
        targets.add(new String[] {String.valueOf(r[tableCol]), String.valueOf(r[idCol])});
      }
    } else {
      List<String> ids = new ArrayList<>();
      if (c.peekSymbol("(")) {
        ids.addAll(c.readStringList());
      } else if (!c.peekWord().equalsIgnoreCase("from") && !c.peekWord().equalsIgnoreCase("older")) {
        ids.add(c.readWord());
      }
      String table = null;
      if (c.acceptWord("older")) {
        throw new CommandException("'.drop extents older' is not supported by the ADX stand-in");
      }
      if (c.acceptWord("from")) {
        table = c.readName();
      }
      List<String> tables = table != null ? List.of(table) : db.tables().stream().map(Table::name).toList();
      for (String t : tables) {
        for (Extent e : db.tableNamed(t).extents()) {
          if (ids.isEmpty() || ids.contains(e.id().toString())) {
            targets.add(new String[] {t, e.id().toString()});
          }
        }
      }
    }
    TabularResult.Builder b = TabularResult.of("ExtentId", KqlType.GUID, "TableName", KqlType.STRING, "CreatedOn",
        KqlType.DATETIME);
    Map<String, List<String>> byTable = new LinkedHashMap<>();
    for (String[] t : targets) {
      byTable.computeIfAbsent(t[0], k -> new ArrayList<>()).add(t[1]);
    }
    for (Map.Entry<String, List<String>> e : byTable.entrySet()) {
      for (Extent x : db.dropExtents(e.getKey(), ex -> e.getValue().contains(ex.id().toString()))) {
        b.row(x.id(), e.getKey(), x.createdOn());
      }
    }
    return b.build();
  }

  /**
   * {@code .replace extents in table T [with (setNewIngestionTime=true)] <| {ExtentsToDropQuery}, {ExtentsToMoveQuery}}:
   * the first query's {@code ExtentId}s are dropped from T and the second's ({@code ExtentId}, {@code TableName}) are
   * moved into it, in one transaction ({@link Database#replaceExtents}). Each query is a management command (typically
   * {@code .show table X extents | where ...}) or a KQL query. Both queries run first; if an extent they list is gone
   * by the time the transaction applies, the command fails and changes nothing, as ADX does. Not supported here (and
   * refused rather than half-done): {@code async} (the stand-in has no {@code .show operations}) and the
   * {@code extentCreatedOnFrom}/{@code extentCreatedOnTo} properties.
   */
  private TabularResult replaceExtents(String dbName, CommandCursor c) {
    if (c.acceptWord("async")) {
      throw new CommandException("'.replace async extents' is not supported by the ADX stand-in (it has no "
          + ".show operations); run it synchronously");
    }
    c.expectWord("extents");
    c.expectWord("in");
    c.expectWord("table");
    String destination = c.readName();
    Map<String, String> props = c.readWithProperties();
    Instant newIngestionTime = null;
    for (Map.Entry<String, String> p : props.entrySet()) {
      if (!p.getKey().equalsIgnoreCase("setNewIngestionTime")) {
        throw new CommandException("'.replace extents': the property '" + p.getKey() + "' is not supported by the "
            + "ADX stand-in (only setNewIngestionTime)");
      }
      if ("true".equalsIgnoreCase(p.getValue())) {
        newIngestionTime = clock.instant();
      }
    }
    c.expectSymbol("<|");
    String toDrop = c.readBalanced('{', '}');
    c.expectSymbol(",");
    String toMove = c.readBalanced('{', '}');
    if (!c.atEnd()) {
      throw new CommandException("'.replace extents': unexpected text after the two queries: '" + c.snippet() + "'");
    }
    Database db = cluster.database(dbName);
    db.tableNamed(destination);
    TabularResult dropped = commandOrQuery(db, toDrop);
    TabularResult moving = commandOrQuery(db, toMove);
    int dropId = columnIndex(dropped, "ExtentId");
    Set<UUID> drop = new LinkedHashSet<>();
    for (Object[] r : dropped.rows()) {
      drop.add(extentId(r[dropId]));
    }
    int moveId = columnIndex(moving, "ExtentId");
    int moveTable = columnIndex(moving, "TableName");
    List<Database.ExtentMove> moves = new ArrayList<>();
    Set<UUID> seen = new HashSet<>();
    for (Object[] r : moving.rows()) {
      UUID id = extentId(r[moveId]);
      if (seen.add(id)) {
        moves.add(new Database.ExtentMove(String.valueOf(r[moveTable]), id, UUID.randomUUID()));
      }
    }
    try {
      db.replaceExtents(destination, drop, moves, newIngestionTime);
    } catch (IllegalArgumentException e) {
      throw new CommandException(e.getMessage());
    }
    TabularResult.Builder b = TabularResult.of("OriginalExtentId", KqlType.STRING, "ResultExtentId", KqlType.STRING,
        "Details", KqlType.STRING);
    moves.forEach(m -> b.row(m.extentId().toString(), m.newId().toString(), ""));
    drop.forEach(id -> b.row(id.toString(), "", ""));
    return b.build();
  }

  /** A management command ({@code .show ...}) or a KQL query, run in the database. */
  private TabularResult commandOrQuery(Database db, String text) {
    String t = text.strip();
    if (t.startsWith(".")) {
      return execute(db.name(), t);
    }
    QueryResult r = engine.execute(t, new QueryContext(db, clock.instant()));
    return new TabularResult(r.columns(), r.toList());
  }

  private static UUID extentId(Object value) {
    try {
      return value instanceof UUID u ? u : UUID.fromString(String.valueOf(value).strip());
    } catch (IllegalArgumentException e) {
      throw new CommandException("'" + value + "' is not an extent id (a guid)");
    }
  }

  private static int columnIndex(TabularResult r, String name) {
    for (int i = 0; i < r.columns().size(); i++) {
      if (r.columns().get(i).name().equals(name)) {
        return i;
      }
    }
    throw new CommandException("The command result has no column '" + name + "'");
  }

  // ------------------------------------------------------------------ show

  /** {@code .show ...} optionally followed by {@code | query}, which runs through the engine over the show result. */
  private TabularResult showPiped(String dbName, String command) {
    int pipe = topLevelPipe(command);
    if (pipe < 0) {
      return show(dbName, new CommandCursor(command));
    }
    TabularResult base = show(dbName, new CommandCursor(command.substring(0, pipe)));
    Catalog catalog = new Catalog() {
      @Override
      public Optional<TableSource> table(String name) {
        return name.equals(SHOW_RESULT_TABLE) ? Optional.of(asTableSource(base)) : Optional.empty();
      }

      @Override
      public Optional<StoredFunction> function(String name) {
        return Optional.empty();
      }
    };
    QueryResult r = engine.execute(SHOW_RESULT_TABLE + " " + command.substring(pipe),
        new QueryContext(catalog, clock.instant()));
    return new TabularResult(r.columns(), r.toList());
  }

  private static int topLevelPipe(String s) {
    int depth = 0;
    int i = 0;
    while (i < s.length()) {
      int after = CommandCursor.skipLiteral(s, i);
      if (after > i) {
        i = after;
        continue;
      }
      char ch = s.charAt(i);
      if (ch == '(' || ch == '[' || ch == '{') {
        depth++;
      } else if (ch == ')' || ch == ']' || ch == '}') {
        depth--;
      } else if (ch == '|' && depth == 0 && (i == 0 || s.charAt(i - 1) != '<')) {
        return i;
      }
      i++;
    }
    return -1;
  }

  private static TableSource asTableSource(TabularResult r) {
    return new TableSource() {
      @Override
      public String name() {
        return SHOW_RESULT_TABLE;
      }

      @Override
      public List<Column> columns() {
        return r.columns();
      }

      @Override
      public Iterator<StoredRow> scan(IngestionTimeRange hint) {
        return r.rows().stream().map(row -> new StoredRow(row, null)).iterator();
      }
    };
  }

  private TabularResult show(String dbName, CommandCursor c) {
    c.expectWord(".show");
    String what = CommandCursor.lower(c.readWord());
    if (what.equals("ingestion") || what.equals("version") || what.equals("databases")) {
      return showClusterLevel(dbName, what, c);
    }
    Database db = cluster.database(dbName);
    switch (what) {
      case "tables":
        if (c.acceptWord("details")) {
          return showTableDetails(db);
        }
        return showTables(db);
      case "table": {
        String table = c.readName();
        Table t = db.tableNamed(table);
        String next = CommandCursor.lower(c.readWord());
        switch (next) {
          case "schema":
            c.expectWord("as");
            c.expectWord("json");
            return schemaResult(db, t);
          case "cslschema":
            return TabularResult.of("TableName", KqlType.STRING, "Schema", KqlType.STRING, "DatabaseName",
                KqlType.STRING, "Folder", KqlType.STRING, "DocString", KqlType.STRING)
                .row(t.name(), cslSchema(t), db.name(), nz(t.folder()), nz(t.docString())).build();
          case "extents":
            return showExtents(db, List.of(t), c);
          case "ingestion": {
            String kind = CommandCursor.lower(c.readWord());
            List<IngestionMapping> ms = t.mappings();
            if (!kind.equals("mappings")) {
              c.expectWord("mappings");
              ms = ms.stream().filter(m -> m.kind().equals(kind)).toList();
            }
            return mappingResult(db, t, ms);
          }
          case "policy": {
            String policy = c.readWord();
            return policyResultBuilder().row(policy, db.name() + "." + t.name(), t.policy(policy).orElse("null"), "",
                "Table").build();
          }
          case "details":
            return showTableDetails(db);
          default:
            throw unknown(c.text());
        }
      }
      case "database": {
        String next = c.peekWord();
        Database target = db;
        if (!next.equalsIgnoreCase("principals") && !next.equalsIgnoreCase("policy")
            && !next.equalsIgnoreCase("extents") && !next.equalsIgnoreCase("schema") && !next.isEmpty()) {
          target = cluster.database(c.readName());
        }
        if (c.acceptWord("principals")) {
          TabularResult.Builder b = TabularResult.of("Role", KqlType.STRING, "PrincipalType", KqlType.STRING,
              "PrincipalDisplayName", KqlType.STRING, "PrincipalObjectId", KqlType.STRING, "PrincipalFQN",
              KqlType.STRING, "Notes", KqlType.STRING);
          for (Database.Principal p : target.principals()) {
            b.row(p.role(), principalType(p.principal()), p.principal(), "", p.principal(), nz(p.notes()));
          }
          return b.build();
        }
        if (c.acceptWord("policy")) {
          String policy = c.readWord();
          return policyResultBuilder().row(policy, target.name(), target.policy(policy).orElse("null"), "",
              "Database").build();
        }
        if (c.acceptWord("extents")) {
          return showExtents(target, target.tables(), c);
        }
        return TabularResult.of("DatabaseName", KqlType.STRING, "PersistentStorage", KqlType.STRING, "Version",
            KqlType.STRING).row(target.name(), "", "v1").build();
      }
      case "functions":
        return functionResult(db.functions().stream().filter(f -> !f.materialized()).toList());
      case "function": {
        String name = c.readName();
        Database.FunctionEntry e = db.functionEntry(name).filter(f -> !f.materialized())
            .orElseThrow(() -> new CommandException("Function '" + name + "' could not be found in database '"
                + dbName + "'"));
        return functionResult(List.of(e));
      }
      case "materialized-views":
        return materializedViewResult(db, db.functions().stream().filter(Database.FunctionEntry::materialized).toList());
      case "materialized-view": {
        String name = c.readName();
        Database.FunctionEntry e = db.functionEntry(name).filter(Database.FunctionEntry::materialized)
            .orElseThrow(() -> new CommandException("Materialized view '" + name + "' could not be found in database '"
                + dbName + "'"));
        return materializedViewResult(db, List.of(e));
      }
      default:
        throw unknown(c.text());
    }
  }

  /** The {@code .show} commands that do not need a database (so none is created for NetDefaultDb). */
  private TabularResult showClusterLevel(String dbName, String what, CommandCursor c) {
    switch (what) {
      case "databases": {
        TabularResult.Builder b = TabularResult.of("DatabaseName", KqlType.STRING, "PersistentStorage",
            KqlType.STRING, "Version", KqlType.STRING, "IsCurrent", KqlType.BOOL);
        for (Database d : cluster.databases()) {
          b.row(d.name(), "", "v1", d.name().equals(dbName));
        }
        return b.build();
      }
      case "ingestion": {
        String next = CommandCursor.lower(c.readWord());
        if (next.equals("resources")) {
          return endpoints().ingestionResources();
        }
        if (next.equals("failures")) {
          return TabularResult.of("OperationId", KqlType.GUID, "Database", KqlType.STRING, "Table", KqlType.STRING,
              "FailedOn", KqlType.DATETIME, "IngestionSourcePath", KqlType.STRING, "Details", KqlType.STRING,
              "FailureKind", KqlType.STRING, "ErrorCode", KqlType.STRING).build();
        }
        throw unknown(c.text());
      }
      case "version":
        return TabularResult.of("BuildVersion", KqlType.STRING, "BuildTime", KqlType.DATETIME, "ServiceType",
            KqlType.STRING, "ProductVersion", KqlType.STRING).row("1.0.0.0", Instant.EPOCH, "Engine",
            "ADX stand-in").build();
      default:
        throw unknown(c.text());
    }
  }

  private static String principalType(String fqn) {
    String p = fqn.toLowerCase(Locale.ROOT);
    return p.startsWith("aadapp") ? "AAD Application" : p.startsWith("aadgroup") ? "AAD Group" : "AAD User";
  }

  private TabularResult showExtents(Database db, List<Table> tables, CommandCursor c) {
    c.acceptWord("hot");
    List<Predicate<Extent>> filters = new ArrayList<>();
    if (c.acceptWord("where")) {
      do {
        c.expectWord("tags");
        String op = CommandCursor.lower(c.readWord());
        if (op.isEmpty() && c.acceptSymbol("!")) {
          op = "!" + CommandCursor.lower(c.readWord());
        }
        String value = c.readString();
        String fop = op;
        filters.add(e -> {
          boolean any = e.tags().stream().anyMatch(t -> fop.endsWith("contains")
              ? t.toLowerCase(Locale.ROOT).contains(value.toLowerCase(Locale.ROOT)) : t.equalsIgnoreCase(value));
          return fop.startsWith("!") ? !any : any;
        });
      } while (c.acceptWord("and"));
    }
    TabularResult.Builder b = TabularResult.of("ExtentId", KqlType.GUID, "DatabaseName", KqlType.STRING, "TableName",
        KqlType.STRING, "MaxCreatedOn", KqlType.DATETIME, "OriginalSize", KqlType.REAL, "ExtentSize", KqlType.REAL,
        "CompressedSize", KqlType.REAL, "IndexSize", KqlType.REAL, "RowCount", KqlType.LONG, "MinCreatedOn",
        KqlType.DATETIME, "Tags", KqlType.STRING);
    for (Table t : tables) {
      for (Extent e : t.extents()) {
        if (filters.stream().allMatch(f -> f.test(e))) {
          b.row(e.id(), db.name(), t.name(), e.createdOn(), (double) e.originalSize(), (double) e.originalSize(),
              (double) e.originalSize(), 0.0, e.rowCount(), e.createdOn(), String.join("\r\n", e.tags()));
        }
      }
    }
    return b.build();
  }

  private static TabularResult showTables(Database db) {
    TabularResult.Builder b = TabularResult.of("TableName", KqlType.STRING, "DatabaseName", KqlType.STRING, "Folder",
        KqlType.STRING, "DocString", KqlType.STRING);
    for (Table t : db.tables()) {
      b.row(t.name(), db.name(), nz(t.folder()), nz(t.docString()));
    }
    return b.build();
  }

  private static TabularResult showTableDetails(Database db) {
    TabularResult.Builder b = TabularResult.of("TableName", KqlType.STRING, "DatabaseName", KqlType.STRING,
        "TotalExtents", KqlType.LONG, "TotalRowCount", KqlType.LONG, "Folder", KqlType.STRING, "DocString",
        KqlType.STRING);
    for (Table t : db.tables()) {
      b.row(t.name(), db.name(), (long) t.extents().size(), t.rowCount(), nz(t.folder()), nz(t.docString()));
    }
    return b.build();
  }

  private static TabularResult schemaResult(Database db, Table t) {
    List<Object> cols = new ArrayList<>();
    for (Column col : t.columns()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Name", col.name());
      m.put("Type", col.type().dotNetName());
      m.put("CslType", col.type().kqlName());
      cols.add(m);
    }
    Map<String, Object> schema = new LinkedHashMap<>();
    schema.put("Name", t.name());
    schema.put("OrderedColumns", cols);
    return TabularResult.of("TableName", KqlType.STRING, "Schema", KqlType.STRING, "DatabaseName", KqlType.STRING,
        "Folder", KqlType.STRING, "DocString", KqlType.STRING)
        .row(t.name(), KustoValues.toJsonText(schema), db.name(), nz(t.folder()), nz(t.docString())).build();
  }

  private static String cslSchema(Table t) {
    StringBuilder sb = new StringBuilder();
    for (Column col : t.columns()) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(col.name()).append(':').append(col.type().kqlName());
    }
    return sb.toString();
  }

  // ------------------------------------------------------------------ .get, .add

  private TabularResult get(CommandCursor c, String command) {
    String next = CommandCursor.lower(c.readWord());
    if (next.equals("ingestion") && c.acceptWord("resources")) {
      return endpoints().ingestionResources();
    }
    if (next.equals("kusto") && c.acceptWord("identity") && c.acceptWord("token")) {
      return TabularResult.of("AuthorizationContext", KqlType.STRING).row(endpoints().identityToken()).build();
    }
    throw unknown(command);
  }

  private IngestionEndpoints endpoints() {
    IngestionEndpoints e = ingestionEndpoints.get();
    if (e == null) {
      throw new CommandException("Queued ingestion is not available: this ADX stand-in was started without Azurite");
    }
    return e;
  }

  /** {@code .add database [D] <role> ('principal', ...) ['notes']}, and the table/view forms; recorded only. */
  private TabularResult addPrincipal(String dbName, CommandCursor c) {
    String entity = CommandCursor.lower(c.readWord());
    Database db = cluster.database(dbName);
    String scope = entity;
    if (!entity.equals("database") && !entity.equals("table") && !entity.equals("materialized-view")
        && !entity.equals("function")) {
      throw unknown(c.text());
    }
    String first = c.readName();
    String role;
    String entityName;
    if (isRole(first) && c.peekSymbol("(")) {
      role = first;
      entityName = entity.equals("database") ? dbName : null;
    } else {
      entityName = first;
      role = c.readWord();
      if (entity.equals("database")) {
        db = cluster.database(first);
      }
    }
    List<String> principals = c.readStringList();
    String notes = c.peekString() ? c.readString() : null;
    TabularResult.Builder b = TabularResult.of("Role", KqlType.STRING, "PrincipalType", KqlType.STRING,
        "PrincipalDisplayName", KqlType.STRING, "PrincipalObjectId", KqlType.STRING, "PrincipalFQN", KqlType.STRING,
        "Notes", KqlType.STRING);
    for (String p : principals) {
      String recordedRole = scope.equals("database") ? role : scope + " " + entityName + " " + role;
      db.addPrincipal(new Database.Principal(recordedRole, p, notes));
    }
    for (Database.Principal p : db.principals()) {
      b.row(p.role(), principalType(p.principal()), p.principal(), "", p.principal(), nz(p.notes()));
    }
    return b.build();
  }

  private static boolean isRole(String w) {
    return Set.of("admins", "users", "viewers", "unrestrictedviewers", "ingestors", "monitors")
        .contains(w.toLowerCase(Locale.ROOT));
  }

  // ------------------------------------------------------------------ scripts

  private TabularResult executeScript(String dbName, CommandCursor c) {
    c.expectWord("database");
    c.expectWord("script");
    Map<String, String> props = c.readWithProperties();
    c.expectSymbol("<|");
    boolean continueOnErrors = "true".equalsIgnoreCase(props.getOrDefault("ContinueOnErrors", "false"));
    boolean throwOnErrors = "true".equalsIgnoreCase(props.getOrDefault("ThrowOnErrors", "false"));
    TabularResult.Builder b = TabularResult.of("OperationId", KqlType.GUID, "CommandType", KqlType.STRING,
        "CommandText", KqlType.STRING, "Result", KqlType.STRING, "Reason", KqlType.STRING);
    boolean failed = false;
    for (String command : ScriptSplitter.split(c.rest())) {
      String type = commandType(command);
      if (failed && !continueOnErrors) {
        b.row(UUID.randomUUID(), type, command, "Skipped", "");
        continue;
      }
      try {
        execute(dbName, command);
        b.row(UUID.randomUUID(), type, command, "Completed", "");
      } catch (RuntimeException e) {
        if (throwOnErrors) {
          throw new CommandException("Script command failed: " + e.getMessage() + " (command: '"
              + command.lines().findFirst().orElse("") + "')");
        }
        failed = true;
        b.row(UUID.randomUUID(), type, command, "Failed", e.getMessage());
      }
    }
    return b.build();
  }

  private static String commandType(String command) {
    CommandCursor c = new CommandCursor(command);
    String verb = c.readWord();
    String what = c.readWord();
    StringBuilder sb = new StringBuilder();
    for (String part : (verb.replace(".", "") + "-" + what).split("-")) {
      if (!part.isEmpty()) {
        sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1).toLowerCase(Locale.ROOT));
      }
    }
    return sb.toString();
  }

  // ------------------------------------------------------------------ ingestion commands

  private TabularResult ingestInline(String dbName, CommandCursor c) {
    c.expectWord("inline");
    c.expectWord("into");
    c.expectWord("table");
    String table = c.readName();
    Map<String, String> props = c.readWithProperties();
    c.expectSymbol("<|");
    String data = c.rest();
    if (data.startsWith("\r\n")) {
      data = data.substring(2);
    } else if (data.startsWith("\n")) {
      data = data.substring(1);
    }
    Database db = cluster.database(dbName);
    db.tableNamed(table);
    String format = props.getOrDefault("format", "csv");
    List<String> tags = tags(props);
    try {
      ParsedData parsed = ingestor.parse(db, table, data.getBytes(StandardCharsets.UTF_8), format,
          props.get("ingestionMappingReference"), props.get("ingestionMapping"),
          "true".equalsIgnoreCase(props.get("ignoreFirstRecord")));
      // The tag check and the append are one step, so two concurrent sends of one tag ingest once.
      synchronized (db) {
        if (alreadyIngested(db, table, props)) {
          return ingestResult(null, false);
        }
        Extent e = ingestor.append(db, table, List.of(parsed), tags);
        return ingestResult(e, parsed.badRecords() > 0);
      }
    } catch (IngestionFailure f) {
      throw new CommandException(f.getMessage());
    }
  }

  private TabularResult ingestFromQuery(String dbName, String verb, CommandCursor c) {
    c.acceptWord("async");
    String table = c.readName();
    Map<String, String> props = c.readWithProperties();
    c.expectSymbol("<|");
    String query = c.rest().strip();
    Database db = cluster.database(dbName);
    if (db.findTable(table).isEmpty() && (verb.equals(".append"))) {
      db.tableNamed(table);
    }
    QueryResult r = engine.execute(query, new QueryContext(db, clock.instant()));
    List<Object[]> resultRows = r.toList();
    synchronized (db) {
      if (alreadyIngested(db, table, props)) {
        return ingestResult(null, false);
      }
      return appendQueryResult(db, verb, table, props, r, resultRows);
    }
  }

  private TabularResult appendQueryResult(Database db, String verb, String table, Map<String, String> props,
                                          QueryResult r, List<Object[]> resultRows) {
    Table t = db.findTable(table).orElse(null);
    if (t == null) {
      t = db.createTable(table, r.columns(), props.get("folder"), props.get("docstring"), false);
    } else if ("true".equalsIgnoreCase(props.get("extend_schema"))) {
      db.createTable(table, r.columns(), null, null, true);
    }
    if (verb.equals(".set-or-replace")) {
      db.dropExtents(table, e -> true);
    }
    QueryRows rows = QueryRows.toTable(r.columns(), resultRows, t.columns(), table);
    Extent e = rows.rows().isEmpty() ? null
        : ingestor.appendWithPolicies(db, table, rows.rows(), rows.digests(), tags(props), 0);
    return ingestResult(e, false);
  }

  private static boolean alreadyIngested(Database db, String table, Map<String, String> props) {
    String ifNotExists = props.get("ingestIfNotExists");
    if (ifNotExists == null || db.findTable(table).isEmpty()) {
      return false;
    }
    for (String tag : jsonStringList(ifNotExists)) {
      if (db.tableNamed(table).hasExtentTagged("ingest-by:" + tag)) {
        return true;
      }
    }
    return false;
  }

  private static List<String> tags(Map<String, String> props) {
    List<String> tags = new ArrayList<>();
    if (props.get("tags") != null) {
      tags.addAll(jsonStringList(props.get("tags")));
    }
    return tags;
  }

  static List<String> jsonStringList(String json) {
    Object v;
    try {
      v = KustoValues.parseJson(json);
    } catch (IllegalArgumentException e) {
      throw new CommandException("Expected a JSON array of strings, got: " + json);
    }
    if (!(v instanceof List<?> l)) {
      throw new CommandException("Expected a JSON array of strings, got: " + json);
    }
    return l.stream().map(String::valueOf).toList();
  }

  private TabularResult ingestResult(Extent e, boolean hasErrors) {
    TabularResult.Builder b = TabularResult.of("ExtentId", KqlType.GUID, "ItemLoaded", KqlType.STRING, "Duration",
        KqlType.TIMESPAN, "HasErrors", KqlType.BOOL, "OperationId", KqlType.GUID);
    if (e != null) {
      b.row(e.id(), "inproc:" + e.id(), Duration.ZERO, hasErrors, UUID.randomUUID());
    }
    return b.build();
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static String capitalise(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
