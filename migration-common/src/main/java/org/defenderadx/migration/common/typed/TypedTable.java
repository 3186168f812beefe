package org.defenderadx.migration.common.typed;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.kql.KqlLiterals;

/**
 * The typed copy of one source table and the KQL that makes and feeds it. An event table's copy has Defender's
 * name ({@code DeviceProcessEvents}); a snapshot table's history is {@code <Table>_History}, and a function with
 * Defender's name returns each tenant's latest committed snapshot of it. Rows come from the raw table through
 * {@code <typed>_FromRaw()}, the query of a transactional update policy, so a raw ingestion and its typed rows
 * commit together or not at all.
 *
 * @param sourceTable Defender's table name
 * @param rawTable    the raw table ({@code Records: dynamic}) the rows are ingested into
 * @param snapshot    whether the table is copied as stamped snapshots
 * @param columns     every column of the typed table in its order in ADX (name to Kusto scalar type): Defender's as
 *                    the source first showed them, the provenance columns, then columns the source added later
 */
public record TypedTable(String sourceTable, String rawTable, boolean snapshot, Map<String, String> columns) {

  /** Provenance columns: KQL reserves names that start with two underscores, and no Defender column starts with one. */
  public static final String TENANT = "_TenantId";
  public static final String UNIT_ID = "_WindowId";
  public static final String SOURCE_INGESTION_TIME = "_SourceIngestionTime";
  public static final String SNAPSHOT_TIME = "_SnapshotTime";
  public static final String FOLDER = "Typed";

  public TypedTable {
    KqlIdentifiers.requireTable(sourceTable);
    KqlIdentifiers.requireTable(rawTable);
    Map<String, String> copy = new LinkedHashMap<>();
    columns.forEach((name, type) -> copy.put(KqlIdentifiers.requireColumn(name), TypedColumns.requireType(type)));
    columns = Collections.unmodifiableMap(copy);
  }

  /** A new typed table: Defender's columns, then the provenance columns. */
  public static TypedTable create(String sourceTable, String rawTable, boolean snapshot,
                                  Map<String, String> defenderColumns) {
    TypedTable bare = new TypedTable(sourceTable, rawTable, snapshot, Map.of());
    Map<String, String> all = new LinkedHashMap<>(defenderColumns);
    bare.provenanceColumns().keySet().forEach(all::remove);
    all.putAll(bare.provenanceColumns());
    return new TypedTable(sourceTable, rawTable, snapshot, all);
  }

  /** Whether a table's columns (as ADX lists them) are those of a typed table we made: it has our provenance. */
  public boolean hasProvenance() {
    return provenanceColumns().entrySet().stream()
        .allMatch(p -> p.getValue().equals(columns.get(p.getKey())));
  }

  /** Defender's columns, in the table's order: every column but the provenance columns. */
  public Map<String, String> defenderColumns() {
    Map<String, String> d = new LinkedHashMap<>(columns);
    provenanceColumns().keySet().forEach(d::remove);
    return d;
  }

  /** The table the rows land in. */
  public String typedTable() {
    return typedTableOf(sourceTable, snapshot);
  }

  /** The typed table of a source table: Defender's name, or {@code <Table>_History} for a snapshot table. */
  public static String typedTableOf(String sourceTable, boolean snapshot) {
    return snapshot ? sourceTable + "_History" : sourceTable;
  }

  /** A raw row's window or snapshot-bucket id, as text ("" for the original script's rows, which have none). */
  public static final String RAW_UNIT_ID = "tostring(Records['__WindowId'])";

  /** The raw rows of this source table: its own, and the original script's (which carry no provenance). */
  public String rawRowsOfSource() {
    return "isempty(tostring(Records['__SourceTable'])) or tostring(Records['__SourceTable']) == " + lit(sourceTable);
  }

  /**
   * The {@code tags} property of an append that tags its extents {@code ingest-by:<tag>} for each tag given. Tags are
   * ids and hashes made by this tool: a quote or backslash in one is refused rather than escaped.
   */
  public static String ingestByTagsProperty(Collection<String> tags) {
    List<String> json = new ArrayList<>();
    for (String tag : tags) {
      if (tag.indexOf('"') >= 0 || tag.indexOf('\\') >= 0 || tag.indexOf('\'') >= 0) {
        throw new IllegalArgumentException("an ingest-by tag with a quote or backslash: " + tag);
      }
      json.add("\"ingest-by:" + tag + "\"");
    }
    return "tags=" + lit("[" + String.join(",", json) + "]");
  }

  /**
   * The update policy's query: one per raw table, since a typed table can be fed by several (one per tenant, when
   * tenants have their own raw tables).
   */
  public String policyFunction() {
    return typedTable() + "_From_" + rawTable;
  }

  /** The provenance columns this table carries after Defender's, with their types. */
  public Map<String, String> provenanceColumns() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put(TENANT, "string");
    p.put(UNIT_ID, "string");
    p.put(SOURCE_INGESTION_TIME, "datetime");
    if (snapshot) {
      p.put(SNAPSHOT_TIME, "datetime");
    }
    return p;
  }

  /** The same table with more columns (a column the source added), kept after the existing ones. */
  public TypedTable withColumns(Map<String, String> added) {
    Map<String, String> all = new LinkedHashMap<>(columns);
    added.forEach(all::putIfAbsent);
    return new TypedTable(sourceTable, rawTable, snapshot, all);
  }

  /** Creates the table, or adds what it lacks; never drops or retypes a column. */
  public String createTableCommand() {
    return ".create-merge table " + typedTable() + " " + columnList(columns) + " with (folder=" + lit(FOLDER)
        + ", docstring=" + lit((snapshot ? "Every committed snapshot of " : "Rows of ") + sourceTable
        + " with Defender's columns and types, filled from " + rawTable + " by an update policy") + ")";
  }

  /** Adds columns the source gained since the table was made. */
  public String addColumnsCommand(Map<String, String> added) {
    return ".alter-merge table " + typedTable() + " " + columnList(added);
  }

  /** The update policy's function: the raw rows as typed rows (regenerated whenever a column is added). */
  public String policyFunctionCommand() {
    return ".create-or-alter function with (folder=" + lit(FOLDER) + ", docstring="
        + lit("The rows of " + rawTable + " as typed rows of " + typedTable() + " (its update policy)") + ") "
        + policyFunction() + "() {\n" + projection("") + "\n}";
  }

  /**
   * This raw table's entry of the transactional update policy: a raw ingestion whose typed rows cannot be made fails
   * as a whole and is retried, so raw and typed never disagree. Ingestion properties (the ingest-by tags) go with the
   * typed rows.
   */
  public String updatePolicyEntry() {
    return "{\"IsEnabled\":true,\"Source\":\"" + rawTable + "\",\"Query\":\"" + policyFunction()
        + "()\",\"IsTransactional\":true,\"PropagateIngestionProperties\":true}";
  }

  /** Adds this raw table's entry to the policy (ADX appends it to the entries of other raw tables). */
  public String addUpdatePolicyCommand() {
    return ".alter-merge table " + typedTable() + " policy update @'[" + updatePolicyEntry() + "]'";
  }

  /** Sets the whole policy: {@code otherEntries} (JSON objects of other raw tables' entries), then this one's. */
  public String setUpdatePolicyCommand(List<String> otherEntries) {
    List<String> all = new ArrayList<>(otherEntries);
    all.add(updatePolicyEntry());
    for (String e : all) {
      if (e.indexOf('\'') >= 0) {
        throw new IllegalArgumentException("an update policy entry with a quote: " + e);
      }
    }
    return ".alter table " + typedTable() + " policy update @'[" + String.join(",", all) + "]'";
  }

  /**
   * For a snapshot table: Defender's name for the latest committed snapshot of every tenant (a snapshot is committed
   * once all its buckets are, with its 'SnapshotCommitted' audit row; a newer one being ingested stays out of sight).
   */
  public String latestSnapshotFunctionCommand() {
    if (!snapshot) {
      throw new IllegalStateException(sourceTable + " is not a snapshot table");
    }
    return ".create-or-alter function with (folder=" + lit(FOLDER) + ", docstring="
        + lit("The latest committed snapshot of " + sourceTable + " per tenant, as in Defender; every snapshot is in "
        + typedTable()) + ") " + sourceTable + "() {\n"
        + "    let latest = MigrationAuditLog\n"
        + "        | where Status == 'SnapshotCommitted' and SourceTable == " + lit(sourceTable) + "\n"
        + "        | summarize " + SNAPSHOT_TIME + " = max(WindowStart) by " + TENANT + " = tostring(TenantId);\n"
        + "    " + typedTable() + "\n"
        + "    | join kind=leftsemi latest on " + TENANT + ", " + SNAPSHOT_TIME + "\n}";
  }

  /**
   * The raw table's rows (those of this source table, and the original script's, which carry no provenance) as
   * typed rows. Whichever API flavour exported a row, each value is converted the same way: datetimes with or
   * without fractional digits, numbers sent as numbers or as text, dynamic values sent as objects or as JSON text.
   *
   * @param rawFilter a condition on the raw rows (built by the caller from checked values), or "" for all of them
   */
  public String projection(String rawFilter) {
    // In the table's own order: an update policy's output must match its target's schema.
    Map<String, String> provenance = provenanceColumns();
    List<String> items = new ArrayList<>();
    columns.forEach((name, type) -> items.add(KqlIdentifiers.quotedColumn(name) + " = " + TypedColumns.conversion(
        type, "Records[" + lit(provenance.containsKey(name) ? "_" + name : name) + "]")));
    return rawTable + "\n| where " + rawRowsOfSource() + (rawFilter.isEmpty() ? "" : "\n| where " + rawFilter)
        + "\n| project " + String.join(",\n    ", items);
  }

  private static String columnList(Map<String, String> columns) {
    List<String> parts = new ArrayList<>();
    columns.forEach((name, type) -> parts.add(KqlIdentifiers.quotedColumn(name) + ":" + type));
    return "(" + String.join(", ", parts) + ")";
  }

  private static String lit(String s) {
    return KqlLiterals.string(s);
  }
}
