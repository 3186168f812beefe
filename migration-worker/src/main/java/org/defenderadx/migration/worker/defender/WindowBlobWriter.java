package org.defenderadx.migration.worker.defender;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Turns one window's result rows into one gzip'd multi-JSON blob for ADX (one JSON object per line, ingested with the
 * {@code DynamicJsonMap} mapping into {@code Records}). Each row is copied token by token as it is parsed, with the
 * row's {@link Provenance} added and the query's {@code __WindowTotal} helper column taken out, so neither the
 * response nor the blob's uncompressed text is ever held whole.
 */
public final class WindowBlobWriter implements HuntingResultStreamParser.RowSink, AutoCloseable {

  private static final JsonFactory JSON = new JsonFactory();

  private final Provenance provenance;
  private final ByteArrayOutputStream compressed;
  private final CountingOutputStream uncompressed;
  private final JsonGenerator out;

  private List<HuntingResultStreamParser.SchemaColumn> schema = List.of();
  private long rows;
  private long windowTotal = -1;
  private boolean dropNextValue;
  private boolean captureIngestionTime;
  private String minIngestionTime;
  private String maxIngestionTime;
  private boolean closed;

  public WindowBlobWriter(Provenance provenance, int expectedCompressedBytes) throws IOException {
    this.provenance = provenance;
    this.compressed = new ByteArrayOutputStream(Math.max(1024, expectedCompressedBytes));
    this.uncompressed = new CountingOutputStream(new FastGzipOutputStream(compressed));
    this.out = JSON.createGenerator(uncompressed, JsonEncoding.UTF8);
    this.out.setPrettyPrinter(new MinimalPrettyPrinter("\n"));
  }

  @Override
  public void schema(List<HuntingResultStreamParser.SchemaColumn> columns) {
    this.schema = columns;
  }

  @Override
  public void rowStart() throws IOException {
    out.writeStartObject();
  }

  @Override
  public void rowToken(JsonParser parser, JsonToken token, int depth) throws IOException {
    if (depth == 0) {
      if (token == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        if (Provenance.WINDOW_TOTAL.equalsIgnoreCase(name)) {
          dropNextValue = true;
          return;
        }
        captureIngestionTime = Provenance.SOURCE_INGESTION_TIME.equalsIgnoreCase(name);
      } else if (dropNextValue) {
        dropNextValue = false;
        if (token == JsonToken.VALUE_NUMBER_INT) {
          windowTotal = parser.getLongValue();
        } else if (token == JsonToken.VALUE_STRING) {
          windowTotal = Long.parseLong(parser.getText().trim());
        }
        return;
      } else if (captureIngestionTime) {
        captureIngestionTime = false;
        if (token == JsonToken.VALUE_STRING) {
          noteIngestionTime(parser.getText());
        }
      }
    }
    out.copyCurrentEventExact(parser);
  }

  @Override
  public void rowEnd() throws IOException {
    out.writeStringField(Provenance.TENANT, provenance.tenantKey());
    out.writeStringField(Provenance.SOURCE_TABLE, provenance.sourceTable());
    out.writeStringField(Provenance.UNIT_ID, provenance.unitId());
    if (provenance.snapshotTime() != null) {
      out.writeStringField(Provenance.SNAPSHOT_TIME, provenance.snapshotTime());
    }
    out.writeEndObject();
    rows++;
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

  /** Rows written so far. */
  public long rows() {
    return rows;
  }

  /** The {@code __WindowTotal} the query reported (the same on every row), or -1 if no row carried it. */
  public long windowTotal() {
    return windowTotal;
  }

  /** Uncompressed JSON bytes written so far. */
  public long uncompressedBytes() {
    return uncompressed.count + Math.max(0, out.getOutputBuffered());
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

  private static final class CountingOutputStream extends FilterOutputStream {
    long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
