package org.defenderadx.migration.worker.defender;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.defenderadx.migration.common.query.HuntingQueries;

/**
 * Turns one window's result rows into one gzip'd multi-JSON blob for ADX (one JSON object per line, ingested with the
 * {@code DynamicJsonMap} mapping into {@code Records}). Each row is copied as the service sent it, with the query's
 * {@code __WindowTotal} helper member cut out and the row's {@link Provenance} added before its closing brace, so
 * neither the response nor the blob's uncompressed text is ever held whole, and no row is decoded and re-encoded.
 */
public final class WindowBlobWriter implements HuntingResultStreamParser.RowSink, AutoCloseable {

  private static final JsonFactory JSON = new JsonFactory();
  private static final int BUFFER = 64 * 1024;

  private final Provenance provenance;
  private final ByteArrayOutputStream compressed;
  private final OutputStream out;
  /** {@code ,"__TenantId":...}} and a line break: what ends every row that kept a member of its own. */
  private final byte[] provenanceEnd;

  private List<HuntingResultStreamParser.SchemaColumn> schema = List.of();
  private long rows;
  private long uncompressedBytes;
  private long windowTotal = -1;
  private int members; // the current row's own members, those kept
  private int[] cuts = new int[4]; // the current row's __WindowTotal members: where each name and its value end
  private int cutCount;
  /** Which member riding along the row comes next: 0 none, else one of the RIDING constants. */
  private int ridingValueNext;
  private static final int TOTAL = 1;
  private static final int SOURCE_COUNT = 2;
  private static final int SOURCE_NEWEST = 3;
  private long sourceCount = -1;
  private String sourceNewest;
  private boolean ingestionTimeValueNext;
  private String minIngestionTime;
  private String maxIngestionTime;
  private boolean closed;

  public WindowBlobWriter(Provenance provenance, int expectedCompressedBytes) throws IOException {
    this.provenance = provenance;
    this.compressed = new ByteArrayOutputStream(Math.max(1024, expectedCompressedBytes));
    // Rows are a few KB: batching them keeps the deflater's calls (and its per-call overhead) few.
    this.out = new BufferedOutputStream(new FastGzipOutputStream(compressed), BUFFER);
    this.provenanceEnd = provenanceEnd(provenance);
  }

  private static byte[] provenanceEnd(Provenance provenance) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField(Provenance.TENANT, provenance.tenantKey());
      g.writeStringField(Provenance.SOURCE_TABLE, provenance.sourceTable());
      g.writeStringField(Provenance.UNIT_ID, provenance.unitId());
      if (provenance.snapshotTime() != null) {
        g.writeStringField(Provenance.SNAPSHOT_TIME, provenance.snapshotTime());
      }
      g.writeEndObject();
    }
    byte[] object = bytes.toByteArray(); // {"__TenantId":...}
    byte[] end = Arrays.copyOf(object, object.length + 1);
    end[0] = ',';
    end[object.length] = '\n';
    return end;
  }

  @Override
  public void schema(List<HuntingResultStreamParser.SchemaColumn> columns) {
    this.schema = columns;
  }

  @Override
  public void member(JsonParser parser, IntSupplier end) throws IOException {
    String name = parser.currentName();
    if (name.length() > 2 && name.charAt(0) == '_' && name.charAt(1) == '_') {
      int riding = Provenance.WINDOW_TOTAL.equalsIgnoreCase(name) ? TOTAL
          : HuntingQueries.SOURCE_COUNT.equalsIgnoreCase(name) ? SOURCE_COUNT
          : HuntingQueries.SOURCE_NEWEST.equalsIgnoreCase(name) ? SOURCE_NEWEST : 0;
      if (riding != 0) {
        if (2 * cutCount + 2 > cuts.length) {
          cuts = Arrays.copyOf(cuts, cuts.length * 2);
        }
        cuts[2 * cutCount++] = end.getAsInt();
        ridingValueNext = riding;
        return;
      }
      ingestionTimeValueNext = Provenance.SOURCE_INGESTION_TIME.equalsIgnoreCase(name);
    }
    members++;
  }

  @Override
  public void value(JsonParser parser, JsonToken token, IntSupplier end) throws IOException {
    if (ridingValueNext != 0) {
      int riding = ridingValueNext;
      ridingValueNext = 0;
      if (token.isStructStart()) { // not ours: kept as it is
        cutCount--;
        members++;
        return;
      }
      cuts[2 * cutCount - 1] = end.getAsInt();
      if (riding == SOURCE_NEWEST) {
        sourceNewest = token == JsonToken.VALUE_STRING ? parser.getText() : null;
        return;
      }
      long v = token == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue()
          : token == JsonToken.VALUE_STRING ? Long.parseLong(parser.getText().trim()) : -1;
      if (riding == TOTAL) {
        windowTotal = v;
      } else {
        sourceCount = v;
      }
    } else if (ingestionTimeValueNext) {
      ingestionTimeValueNext = false;
      if (token == JsonToken.VALUE_STRING) {
        noteIngestionTime(parser.getText());
      }
    }
  }

  @Override
  public void row(byte[] text, int length, boolean lineBreaks) throws IOException {
    int end = cutCount == 0 ? length - 1 : cut(text, length); // where the closing brace is
    if (lineBreaks) { // one row per line; outside strings a line break is only whitespace
      for (int i = 0; i < end; i++) {
        if (text[i] == '\n' || text[i] == '\r') {
          text[i] = ' ';
        }
      }
    }
    out.write(text, 0, end);
    int skipComma = members == 0 ? 1 : 0;
    out.write(provenanceEnd, skipComma, provenanceEnd.length - skipComma);
    uncompressedBytes += end + provenanceEnd.length - skipComma;
    rows++;
    members = 0;
    cutCount = 0;
  }

  /**
   * Takes the cut members out of the row's text in place, each with the comma before it, or, when no kept member
   * precedes it, the comma after it; returns where the closing brace is now. Only whitespace and commas are looked
   * at outside the cut names and values, so no string is ever scanned.
   */
  private int cut(byte[] text, int length) {
    int write = 0;
    int read = 0;
    for (int c = 0; c < cutCount; c++) {
      int nameEnd = cuts[2 * c];
      int valueEnd = cuts[2 * c + 1];
      // The name decodes to one of ours (__WindowTotal, ...), so its only quote bytes are its own two.
      int open = nameEnd - 1;
      while (text[open] != '"') { // (in case the parser's position is past the colon)
        open--;
      }
      open--;
      while (text[open] != '"') {
        open--;
      }
      int before = open - 1;
      while (before >= read && isWhitespace(text[before])) {
        before--;
      }
      int from;
      int to = valueEnd;
      if (before >= read && text[before] == ',') {
        from = before;
      } else {
        from = open;
        while (isWhitespace(text[to])) {
          to++;
        }
        if (text[to] == ',') {
          to++;
        }
      }
      if (write == read) { // nothing cut yet: what goes before stays where it is
        write = from;
      } else {
        System.arraycopy(text, read, text, write, from - read);
        write += from - read;
      }
      read = to;
    }
    System.arraycopy(text, read, text, write, length - read);
    return write + length - read - 1;
  }

  private static boolean isWhitespace(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  // ISO-8601 strings with the same number of fractional digits compare correctly as text.
  private void noteIngestionTime(String t) {
    if (minIngestionTime == null || t.compareTo(minIngestionTime) < 0) {
      minIngestionTime = t;
    }
    if (maxIngestionTime == null || t.compareTo(maxIngestionTime) > 0) {
      maxIngestionTime = t;
    }
  }

  /** Whose rows these are: the tenant, table and window named in errors about them. */
  public Provenance provenance() {
    return provenance;
  }

  /** Rows written so far. */
  public long rows() {
    return rows;
  }

  /** The {@code __WindowTotal} the query reported (the same on every row), or -1 if no row carried it. */
  public long windowTotal() {
    return windowTotal;
  }

  /** The snapshot source's row count riding on the rows ({@code __SourceCount}), or -1 if none carried it. */
  public long sourceCount() {
    return sourceCount;
  }

  /** The snapshot source's newest ingestion time riding on the rows ({@code __SourceNewest}), or null. */
  public String sourceNewest() {
    return sourceNewest;
  }

  /** Uncompressed JSON bytes written so far. */
  public long uncompressedBytes() {
    return uncompressedBytes;
  }

  public List<HuntingResultStreamParser.SchemaColumn> schema() {
    return schema;
  }

  public String minSourceIngestionTime() {
    return minIngestionTime;
  }

  public String maxSourceIngestionTime() {
    return maxIngestionTime;
  }

  /** Finishes the gzip stream and returns the blob. */
  public byte[] finish() throws IOException {
    close();
    return compressed.toByteArray();
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      out.close();
    }
  }

  private static final class FastGzipOutputStream extends GZIPOutputStream {
    FastGzipOutputStream(OutputStream out) throws IOException {
      super(out, 64 * 1024);
      // Speed over ratio: the hot path must outrun what the API quota can deliver.
      def.setLevel(Deflater.BEST_SPEED);
    }
  }
}
