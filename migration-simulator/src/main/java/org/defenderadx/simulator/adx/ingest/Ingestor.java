package org.defenderadx.simulator.adx.ingest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.defenderadx.simulator.adx.store.Database;
import org.defenderadx.simulator.adx.store.Extent;
import org.defenderadx.simulator.adx.store.IngestionMapping;
import org.defenderadx.simulator.adx.store.KustoValues;
import org.defenderadx.simulator.adx.store.Table;
import org.defenderadx.simulator.kql.KqlEngine;
import org.defenderadx.simulator.kql.StoredRow;

/**
 * Shared by streaming ingestion, the data-management loop and {@code .ingest inline}: resolves the mapping,
 * parses the source and appends the rows of one or more sources as one extent stamped with the injected clock.
 */
public final class Ingestor {
  private final Clock clock;
  private final UpdatePolicies updatePolicies;

  /** Without update policies (they need the query engine). */
  public Ingestor(Clock clock) {
    this(clock, null);
  }

  /** With update policies run through the engine on every append. */
  public Ingestor(Clock clock, KqlEngine engine) {
    this.clock = clock;
    this.updatePolicies = engine == null ? null : new UpdatePolicies(engine);
  }

  /**
   * The mapping to apply: a reference to a mapping created on the table, an inline mapping's JSON, or none.
   *
   * @throws IngestionFailure when the reference names no mapping of the format's kind
   */
  public static IngestionMapping resolveMapping(Database db, Table table, String format, String reference,
                                                String inline) {
    String kind = DataFormatParser.mappingKind(format);
    if (reference != null && !reference.isBlank()) {
      return table.mapping(kind, reference).orElseThrow(() -> new IngestionFailure(
          "BadRequest_MappingReferenceWasNotFound", "Mapping reference '" + reference + "' of kind '"
          + capitalise(kind) + "' in table '" + table.name() + "' of database '" + db.name()
          + "' could not be found", true));
    }
    if (inline != null && !inline.isBlank()) {
      try {
        return IngestionMapping.parse("inline", kind, inline);
      } catch (IllegalArgumentException e) {
        throw new IngestionFailure("BadRequest_InvalidMapping", e.getMessage(), true);
      }
    }
    return null;
  }

  public ParsedData parse(Database db, String tableName, byte[] uncompressed, String format, String mappingReference,
                          String inlineMapping, boolean ignoreFirstRecord) {
    Table table = db.findTable(tableName).orElseThrow(() -> new IngestionFailure("BadRequest_TableNotExist",
        "Table '" + tableName + "' could not be found in database '" + db.name() + "'", true));
    IngestionMapping mapping = resolveMapping(db, table, format, mappingReference, inlineMapping);
    return DataFormatParser.parse(uncompressed, format, mapping, table.columns(), table.digestOnly(),
        ignoreFirstRecord);
  }

  /** Appends the good rows of all parts as one extent with the given tags; null when there are none. */
  public Extent append(Database db, String tableName, List<ParsedData> parts, List<String> tags) {
    int total = 0;
    long bytes = 0;
    for (ParsedData p : parts) {
      total += p.goodRecords();
      bytes += p.rawBytes();
    }
    if (total == 0) {
      return null;
    }
    List<Object[]> rows = new ArrayList<>(total);
    long[] digests = new long[total];
    int at = 0;
    for (ParsedData p : parts) {
      rows.addAll(p.rows());
      System.arraycopy(p.digests(), 0, digests, at, p.digests().length);
      at += p.digests().length;
    }
    return appendWithPolicies(db, tableName, rows, digests, tags, bytes);
  }

  /**
   * Appends rows (in the table's column order) as one extent, then what the update policies sourcing from the table
   * make of them, each target as its own extent. A failing transactional policy appends nothing.
   */
  public Extent appendWithPolicies(Database db, String tableName, List<Object[]> rows, long[] digests,
                                   List<String> tags, long originalSize) {
    Instant now = KustoValues.truncateToTicks(clock.instant());
    Table table = db.tableNamed(tableName);
    List<UpdatePolicies.TargetRows> targets = List.of();
    if (updatePolicies != null && !table.digestOnly() && !rows.isEmpty()) {
      List<StoredRow> stored = new ArrayList<>(rows.size());
      List<String> tagList = List.copyOf(tags);
      for (Object[] r : rows) {
        stored.add(new StoredRow(r, now, tagList));
      }
      targets = updatePolicies.plan(db, tableName, stored, tagList, now);
    }
    Extent e = db.appendRows(tableName, table.digestOnly() ? List.of() : rows, digests, tags, now, originalSize);
    for (UpdatePolicies.TargetRows t : targets) {
      if (!t.rows().rows().isEmpty()) {
        db.appendRows(t.table(), t.rows().rows(), t.rows().digests(), t.tags(), now, 0);
      }
    }
    return e;
  }

  /** Gunzips when the bytes carry the gzip magic number, whatever the name or header said. */
  public static byte[] decompressIfGzip(byte[] data) {
    if (data.length < 2 || (data[0] & 0xFF) != 0x1F || (data[1] & 0xFF) != 0x8B) {
      return data;
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data), 64 * 1024)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IngestionFailure("BadRequest_InvalidBlob", "The gzip stream is corrupt: " + e.getMessage(), true);
    }
  }

  static String capitalise(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }


}
