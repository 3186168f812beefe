package org.defenderadx.simulator.adx.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.nio.ByteBuffer;
import org.defenderadx.simulator.kql.Catalog;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.KqlType;
import org.defenderadx.simulator.kql.StoredFunction;
import org.defenderadx.simulator.kql.StoredRow;
import org.defenderadx.simulator.kql.TableSource;

/**
 * One database of the ADX stand-in: tables, stored functions (views, and materialized views served as views),
 * recorded principals and policies. Every mutation goes through here so it can be journaled for restarts.
 * Names are case-sensitive, as in Kusto.
 */
public final class Database implements Catalog {

  /** A role assignment recorded by {@code .add database ... <role> (...)}; nothing is enforced. */
  public record Principal(String role, String principal, String notes) {
  }

  /** A stored function with the folder and doc string it was created with. */
  public record FunctionEntry(StoredFunction function, String folder, String docString, boolean materialized,
                              String sourceTable) {
  }

  private final String name;
  private final boolean digestOnly;
  private final Map<String, Table> tables = new ConcurrentHashMap<>();
  private final Map<String, FunctionEntry> functions = new ConcurrentHashMap<>();
  private final List<Principal> principals = new CopyOnWriteArrayList<>();
  private final Map<String, String> policies = new ConcurrentHashMap<>();
  private volatile Journal journal = Journal.NONE;

  public Database(String name, boolean digestOnly) {
    this.name = name;
    this.digestOnly = digestOnly;
  }

  public String name() {
    return name;
  }

  public boolean digestOnly() {
    return digestOnly;
  }

  void journalTo(Journal j) {
    this.journal = j;
  }

  // --- Catalog

  @Override
  public Optional<TableSource> table(String tableName) {
    return Optional.ofNullable(tables.get(tableName));
  }

  @Override
  public Optional<StoredFunction> function(String functionName) {
    FunctionEntry e = functions.get(functionName);
    return e == null ? Optional.empty() : Optional.of(e.function());
  }

  // --- reads

  public Optional<Table> findTable(String tableName) {
    return Optional.ofNullable(tables.get(tableName));
  }

  /** The table, or an IllegalArgumentException naming it. */
  public Table tableNamed(String tableName) {
    Table t = tables.get(tableName);
    if (t == null) {
      throw new NoSuchEntityException("Table '" + tableName + "' could not be found in database '" + name + "'");
    }
    return t;
  }

  public List<Table> tables() {
    List<Table> all = new ArrayList<>(tables.values());
    all.sort((a, b) -> a.name().compareTo(b.name()));
    return all;
  }

  public List<FunctionEntry> functions() {
    List<FunctionEntry> all = new ArrayList<>(functions.values());
    all.sort((a, b) -> a.function().name().compareTo(b.function().name()));
    return all;
  }

  public Optional<FunctionEntry> functionEntry(String functionName) {
    return Optional.ofNullable(functions.get(functionName));
  }

  public List<Principal> principals() {
    return List.copyOf(principals);
  }

  public Map<String, String> policies() {
    return Map.copyOf(policies);
  }

  public Optional<String> policy(String policyName) {
    return Optional.ofNullable(policies.get(policyName.toLowerCase(Locale.ROOT)));
  }

  // --- mutations

  /**
   * Creates a table, or with {@code merge} adds the missing columns at the end of an existing one (so an upgraded
   * table's column order can differ from a fresh one's, as in Kusto). A plain create of an existing table is a no-op.
   */
  public synchronized Table createTable(String tableName, List<Column> columns, String folder, String docString,
                                        boolean merge) {
    if (functions.containsKey(tableName)) {
      throw new IllegalArgumentException("A function or view named '" + tableName + "' already exists in database '"
          + name + "'");
    }
    Table t = tables.get(tableName);
    if (t == null) {
      // The migrator's own state (folder ExportConfig) keeps its rows even in digest-only storage, so a node can
      // run against a digest-only stand-in: it reads its watermarks and audit back.
      t = new Table(tableName, columns, folder, docString, digestOnly && !"ExportConfig".equals(folder));
      tables.put(tableName, t);
    } else if (merge) {
      t.mergeColumns(columns, folder, docString);
    } else {
      return t;
    }
    journal.record(Map.of("op", "table", "table", tableName, "columns", encodeColumns(columns),
        "folder", folder == null ? "" : folder, "docString", docString == null ? "" : docString, "merge", merge));
    return t;
  }

  /** {@code .alter table T (...)}: replaces the schema; rows keep their positions. */
  public synchronized void alterTableColumns(String tableName, List<Column> columns) {
    tableNamed(tableName).replaceColumns(columns);
    journal.record(Map.of("op", "alterColumns", "table", tableName, "columns", encodeColumns(columns)));
  }

  public synchronized boolean dropTable(String tableName) {
    boolean dropped = tables.remove(tableName) != null;
    if (dropped) {
      journal.record(Map.of("op", "dropTable", "table", tableName));
    }
    return dropped;
  }

  public void putMapping(String tableName, IngestionMapping mapping) {
    tableNamed(tableName).putMapping(mapping);
    journal.record(Map.of("op", "mapping", "table", tableName, "name", mapping.name(), "kind", mapping.kind(),
        "text", mapping.text()));
  }

  public boolean dropMapping(String tableName, String kind, String mappingName) {
    boolean dropped = tableNamed(tableName).dropMapping(kind, mappingName);
    if (dropped) {
      journal.record(Map.of("op", "dropMapping", "table", tableName, "name", mappingName, "kind", kind));
    }
    return dropped;
  }

  public synchronized void putFunction(FunctionEntry entry) {
    String fn = entry.function().name();
    if (tables.containsKey(fn)) {
      throw new IllegalArgumentException("A table named '" + fn + "' already exists in database '" + name + "'");
    }
    functions.put(fn, entry);
    Map<String, Object> ev = new LinkedHashMap<>();
    ev.put("op", "function");
    ev.put("name", fn);
    ev.put("body", entry.function().body());
    ev.put("view", entry.function().view());
    ev.put("folder", entry.folder() == null ? "" : entry.folder());
    ev.put("docString", entry.docString() == null ? "" : entry.docString());
    ev.put("materialized", entry.materialized());
    ev.put("sourceTable", entry.sourceTable() == null ? "" : entry.sourceTable());
    journal.record(ev);
  }

  public synchronized boolean dropFunction(String functionName) {
    boolean dropped = functions.remove(functionName) != null;
    if (dropped) {
      journal.record(Map.of("op", "dropFunction", "name", functionName));
    }
    return dropped;
  }

  public void addPrincipal(Principal p) {
    if (!principals.contains(p)) {
      principals.add(p);
      journal.record(Map.of("op", "principal", "role", p.role(), "principal", p.principal(),
          "notes", p.notes() == null ? "" : p.notes()));
    }
  }

  public void putDatabasePolicy(String policyName, String json) {
    policies.put(policyName.toLowerCase(Locale.ROOT), json);
    journal.record(Map.of("op", "dbPolicy", "policy", policyName, "json", json));
  }

  public void putTablePolicy(String tableName, String policyName, String json) {
    tableNamed(tableName).putPolicy(policyName, json);
    journal.record(Map.of("op", "tablePolicy", "table", tableName, "policy", policyName, "json", json));
  }

  /** Adds an extent built from rows in the table's current column order. */
  public Extent appendRows(String tableName, List<Object[]> rows, long[] digests, List<String> tags, Instant now,
                           long originalSize) {
    Table t = tableNamed(tableName);
    List<String> tagList = List.copyOf(tags);
    UUID id = UUID.randomUUID();
    List<StoredRow> stored = null;
    if (!t.digestOnly()) {
      stored = new ArrayList<>(rows.size());
      for (Object[] r : rows) {
        stored.add(new StoredRow(r, now, tagList));
      }
    }
    long count = digests.length;
    Extent e = new Extent(id, now, tagList, stored == null ? null : List.copyOf(stored), digests, count, originalSize);
    addExtent(tableName, e);
    return e;
  }

  synchronized void addExtent(String tableName, Extent e) {
    Table t = tableNamed(tableName);
    t.addExtent(e);
    if (journal != Journal.NONE) {
      journal.record(encodeExtent(tableName, t.columns(), e));
    }
  }

  public synchronized List<Extent> dropExtents(String tableName, Predicate<Extent> which) {
    List<Extent> dropped = tableNamed(tableName).dropExtents(which);
    if (!dropped.isEmpty()) {
      Set<String> ids = new HashSet<>();
      dropped.forEach(e -> ids.add(e.id().toString()));
      journal.record(Map.of("op", "dropExtents", "table", tableName, "ids", List.copyOf(ids)));
    }
    return dropped;
  }

  /** One extent {@link #replaceExtents} moves: from which table, its id there, and the id it takes in the destination. */
  public record ExtentMove(String sourceTable, UUID extentId, UUID newId) {
  }

  /**
   * {@code .replace extents}: drops {@code drop} from the destination and moves {@code moves} into it, as one
   * transaction. Everything is checked before anything changes, and any failed check fails the whole command with
   * nothing changed: an extent to drop that the destination does not hold (ADX documents this failure, e.g. for an
   * extent merged away meanwhile), an extent to move that its source table does not hold, a source column the
   * destination lacks or types differently (documented), and a move from the destination into itself (not documented;
   * refused, the harsher choice). Moved extents keep their tags (the docs do not say either way; kept here, as an
   * extent's tags are its metadata, and the migrator's Repairer checks it after each swap), creation time and rows' ingestion times (unless
   * {@code newIngestionTime} is given) and take a new id, as ADX reports a ResultExtentId for each. The destination's
   * extent list changes in one assignment, so a query of it sees either the old extents or the new ones.
   *
   * @param newIngestionTime the ingestion time for moved rows ({@code setNewIngestionTime=true}), or null to keep theirs
   */
  public synchronized void replaceExtents(String destination, Set<UUID> drop, List<ExtentMove> moves,
                                          Instant newIngestionTime) {
    Table dest = tableNamed(destination);
    Set<UUID> held = new HashSet<>();
    dest.extents().forEach(e -> held.add(e.id()));
    List<UUID> missing = drop.stream().filter(id -> !held.contains(id)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("Cannot replace extents in table '" + destination + "': the extent(s) to drop "
          + missing + " are not in the table (dropped or merged meanwhile?); nothing was changed");
    }
    Map<String, Set<UUID>> bySource = new LinkedHashMap<>();
    List<Extent> moved = new ArrayList<>();
    for (ExtentMove m : moves) {
      if (m.sourceTable().equals(destination)) {
        throw new IllegalArgumentException("Cannot replace extents in table '" + destination + "': extent "
            + m.extentId() + " to move is already in it; nothing was changed");
      }
      Table source = tableNamed(m.sourceTable());
      Extent e = source.extents().stream().filter(x -> x.id().equals(m.extentId())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("Cannot replace extents in table '" + destination
              + "': extent " + m.extentId() + " to move is not in table '" + m.sourceTable() + "'; nothing was changed"));
      if (source.digestOnly() && !dest.digestOnly()) {
        throw new IllegalArgumentException("Cannot move extents of digest-only table '" + m.sourceTable()
            + "' into table '" + destination + "', which keeps rows (a limit of the stand-in's storage)");
      }
      int[] positions = positions(source, dest);
      bySource.computeIfAbsent(m.sourceTable(), k -> new HashSet<>()).add(m.extentId());
      moved.add(moved(e, m.newId(), positions, dest.digestOnly(), newIngestionTime));
    }
    for (Map.Entry<String, Set<UUID>> s : bySource.entrySet()) {
      tableNamed(s.getKey()).dropExtents(e -> s.getValue().contains(e.id()));
    }
    dest.swapExtents(drop, moved);
    List<Object> encodedMoves = new ArrayList<>();
    moves.forEach(m -> encodedMoves.add(List.of(m.sourceTable(), m.extentId().toString(), m.newId().toString())));
    journal.record(Map.of("op", "replaceExtents", "table", destination,
        "drop", drop.stream().map(UUID::toString).toList(), "moves", encodedMoves,
        "newIngestionTime", newIngestionTime == null ? "" : KustoValues.formatDateTime(newIngestionTime)));
  }

  /** For each destination column, its index in the source table (or -1); fails on a source column it cannot take. */
  private static int[] positions(Table source, Table dest) {
    for (Column c : source.columns()) {
      Optional<Column> d = dest.column(c.name());
      if (d.isEmpty() || d.get().type() != c.type()) {
        throw new IllegalArgumentException("Cannot move extents of table '" + source.name() + "' into table '"
            + dest.name() + "': its column '" + c.name() + "' (" + c.type().kqlName() + ") is not in '" + dest.name()
            + "' with the same name and type; nothing was changed");
      }
    }
    int[] positions = new int[dest.columns().size()];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = -1;
      for (int j = 0; j < source.columns().size(); j++) {
        if (source.columns().get(j).name().equals(dest.columns().get(i).name())) {
          positions[i] = j;
        }
      }
    }
    return positions;
  }

  private static Extent moved(Extent e, UUID newId, int[] positions, boolean digestOnly, Instant newIngestionTime) {
    Instant createdOn = newIngestionTime == null ? e.createdOn() : newIngestionTime;
    List<StoredRow> rows = null;
    if (e.rows() != null && !digestOnly) {
      rows = new ArrayList<>(e.rows().size());
      for (StoredRow r : e.rows()) {
        Object[] values = new Object[positions.length];
        for (int i = 0; i < positions.length; i++) {
          values[i] = positions[i] < 0 ? null : r.value(positions[i]);
        }
        rows.add(new StoredRow(values, newIngestionTime == null ? r.ingestionTime() : newIngestionTime, e.tags()));
      }
      rows = List.copyOf(rows);
    }
    return new Extent(newId, createdOn, e.tags(), rows, e.digests(), e.rowCount(), e.originalSize());
  }

  // --- journal encoding

  static List<Object> encodeColumns(List<Column> cols) {
    List<Object> out = new ArrayList<>();
    for (Column c : cols) {
      out.add(List.of(c.name(), c.type().kqlName()));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static List<Column> decodeColumns(Object tree) {
    List<Column> out = new ArrayList<>();
    for (Object o : (List<Object>) tree) {
      List<Object> pair = (List<Object>) o;
      out.add(new Column((String) pair.get(0), KqlType.fromName((String) pair.get(1))));
    }
    return out;
  }

  private static Map<String, Object> encodeExtent(String tableName, List<Column> cols, Extent e) {
    Map<String, Object> ev = new LinkedHashMap<>();
    ev.put("op", "extent");
    ev.put("table", tableName);
    ev.put("id", e.id().toString());
    ev.put("createdOn", KustoValues.formatDateTime(e.createdOn()));
    ev.put("tags", e.tags());
    ev.put("originalSize", e.originalSize());
    ev.put("columns", encodeColumns(cols));
    ByteBuffer buf = ByteBuffer.allocate(e.digests().length * 8);
    for (long d : e.digests()) {
      buf.putLong(d);
    }
    ev.put("digests", Base64.getEncoder().encodeToString(buf.array()));
    if (e.rows() != null) {
      List<Object> rows = new ArrayList<>(e.rows().size());
      for (StoredRow r : e.rows()) {
        List<Object> vals = new ArrayList<>(r.values().length);
        for (int i = 0; i < r.values().length; i++) {
          Object v = r.values()[i];
          vals.add(v instanceof UUID || v instanceof java.math.BigDecimal ? v.toString() : v);
        }
        rows.add(vals);
      }
      ev.put("rows", rows);
    }
    return ev;
  }

  @SuppressWarnings("unchecked")
  static Extent decodeExtent(Map<String, Object> ev) {
    List<Column> cols = decodeColumns(ev.get("columns"));
    Instant createdOn = KustoValues.parseDateTime((String) ev.get("createdOn"));
    List<String> tags = List.copyOf((List<String>) ev.get("tags"));
    byte[] raw = Base64.getDecoder().decode((String) ev.get("digests"));
    ByteBuffer buf = ByteBuffer.wrap(raw);
    long[] digests = new long[raw.length / 8];
    for (int i = 0; i < digests.length; i++) {
      digests[i] = buf.getLong();
    }
    List<StoredRow> rows = null;
    if (ev.get("rows") != null) {
      rows = new ArrayList<>();
      for (Object o : (List<Object>) ev.get("rows")) {
        List<Object> vals = (List<Object>) o;
        Object[] typed = new Object[vals.size()];
        for (int i = 0; i < typed.length; i++) {
          typed[i] = KustoValues.fromJson(vals.get(i), cols.get(i).type());
        }
        rows.add(new StoredRow(typed, createdOn, tags));
      }
      rows = List.copyOf(rows);
    }
    return new Extent(UUID.fromString((String) ev.get("id")), createdOn, tags, rows, digests, digests.length,
        ((Number) ev.get("originalSize")).longValue());
  }
}
