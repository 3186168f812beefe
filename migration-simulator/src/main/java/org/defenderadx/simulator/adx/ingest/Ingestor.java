package org.defenderadx.simulator.adx.ingest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.defenderadx.simulator.adx.store.Database;
import org.defenderadx.simulator.adx.store.Extent;
import org.defenderadx.simulator.adx.store.IngestionMapping;
import org.defenderadx.simulator.adx.store.KustoValues;
import org.defenderadx.simulator.adx.store.Table;

/**
 * Shared by streaming ingestion, the data-management loop and {@code .ingest inline}: resolves the mapping,
 * parses the source and appends the rows of one or more sources as one extent stamped with the injected clock.
 */
public final class Ingestor {
  private final Clock clock;

  public Ingestor(Clock clock) {
    this.clock = clock;
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
    return db.appendRows(tableName, rows, digests, tags, KustoValues.truncateToTicks(clock.instant()), bytes);
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
