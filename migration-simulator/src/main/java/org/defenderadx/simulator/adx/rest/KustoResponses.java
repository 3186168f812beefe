package org.defenderadx.simulator.adx.rest;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.defenderadx.simulator.adx.command.TabularResult;
import org.defenderadx.simulator.adx.store.KustoValues;
import org.defenderadx.simulator.kql.Column;

/** Writes Kusto's v1 ({@code {"Tables":[...]}}) and non-progressive v2 (frame array) bodies, and OneApi errors. */
public final class KustoResponses {

  private KustoResponses() {
  }

  /** A v1 body; with more than two tables a TableOfContents is appended, as the SDK expects. */
  public static Buffer v1(List<TabularResult> tables) {
    return write(g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("Tables");
      for (int i = 0; i < tables.size(); i++) {
        writeV1Table(g, "Table_" + i, tables.get(i).columns(), tables.get(i).rows().iterator());
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  private static void writeV1Table(JsonGenerator g, String name, List<Column> columns, Iterator<Object[]> rows)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("TableName", name);
    g.writeArrayFieldStart("Columns");
    for (Column c : columns) {
      g.writeStartObject();
      g.writeStringField("ColumnName", c.name());
      g.writeStringField("DataType", c.type().dotNetName().replace("System.", ""));
      g.writeStringField("ColumnType", c.type().kqlName());
      g.writeEndObject();
    }
    g.writeEndArray();
    writeRows(g, columns, rows, Long.MAX_VALUE);
    g.writeEndObject();
  }

  private static long writeRows(JsonGenerator g, List<Column> columns, Iterator<Object[]> rows, long limit)
      throws IOException {
    g.writeArrayFieldStart("Rows");
    long n = 0;
    while (rows.hasNext() && n < limit) {
      Object[] r = rows.next();
      g.writeStartArray();
      for (int i = 0; i < columns.size(); i++) {
        KustoValues.writeCell(g, i < r.length ? r[i] : null, columns.get(i).type());
      }
      g.writeEndArray();
      n++;
    }
    g.writeEndArray();
    return n;
  }

  /**
   * A v2 frame array: header, QueryProperties, the primary result, QueryCompletionInformation, completion. When the
   * result has more rows than {@code recordLimit}, the rows stop there and the completion frame carries the
   * truncation error, as Kusto does.
   */
  public static Buffer v2(List<Column> columns, Iterator<Object[]> rows, long recordLimit) {
    return write(g -> {
      g.writeStartArray();
      g.writeStartObject();
      g.writeStringField("FrameType", "DataSetHeader");
      g.writeBooleanField("IsProgressive", false);
      g.writeStringField("Version", "v2.0");
      g.writeBooleanField("IsFragmented", false);
      g.writeStringField("ErrorReportingPlacement", "EndOfTable");
      g.writeEndObject();

      g.writeStartObject();
      g.writeStringField("FrameType", "DataTable");
      g.writeNumberField("TableId", 0);
      g.writeStringField("TableKind", "QueryProperties");
      g.writeStringField("TableName", "@ExtendedProperties");
      g.writeRaw(",\"Columns\":[{\"ColumnName\":\"TableId\",\"ColumnType\":\"int\"},{\"ColumnName\":\"Key\","
          + "\"ColumnType\":\"string\"},{\"ColumnName\":\"Value\",\"ColumnType\":\"dynamic\"}],"
          + "\"Rows\":[[1,\"Visualization\",{\"Visualization\":null}]]");
      g.writeEndObject();

      g.writeStartObject();
      g.writeStringField("FrameType", "DataTable");
      g.writeNumberField("TableId", 1);
      g.writeStringField("TableKind", "PrimaryResult");
      g.writeStringField("TableName", "PrimaryResult");
      g.writeArrayFieldStart("Columns");
      for (Column c : columns) {
        g.writeStartObject();
        g.writeStringField("ColumnName", c.name());
        g.writeStringField("ColumnType", c.type().kqlName());
        g.writeEndObject();
      }
      g.writeEndArray();
      writeRows(g, columns, rows, recordLimit);
      g.writeEndObject();
      boolean truncated = rows.hasNext();

      g.writeStartObject();
      g.writeStringField("FrameType", "DataTable");
      g.writeNumberField("TableId", 2);
      g.writeStringField("TableKind", "QueryCompletionInformation");
      g.writeStringField("TableName", "QueryCompletionInformation");
      g.writeRaw(",\"Columns\":[{\"ColumnName\":\"Timestamp\",\"ColumnType\":\"datetime\"},{\"ColumnName\":"
          + "\"ClientRequestId\",\"ColumnType\":\"string\"},{\"ColumnName\":\"Payload\",\"ColumnType\":\"string\"}],"
          + "\"Rows\":[]");
      g.writeEndObject();

      g.writeStartObject();
      g.writeStringField("FrameType", "DataSetCompletion");
      g.writeBooleanField("HasErrors", truncated);
      g.writeBooleanField("Cancelled", false);
      if (truncated) {
        g.writeArrayFieldStart("OneApiErrors");
        writeError(g, new AdxError(200, "LimitsExceeded", "Kusto.Data.Exceptions.KustoServicePartialQueryFailure"
            + "LimitsExceededException", "Query result set has exceeded the internal record count limit "
            + recordLimit + " (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)", true));
        g.writeEndArray();
      }
      g.writeEndObject();
      g.writeEndArray();
    });
  }

  public static Buffer error(AdxError e) {
    return write(g -> writeError(g, e));
  }

  private static void writeError(JsonGenerator g, AdxError e) throws IOException {
    g.writeStartObject();
    g.writeObjectFieldStart("error");
    g.writeStringField("code", e.code());
    g.writeStringField("message", e.status() == 429 ? "Request is throttled."
        : e.status() >= 500 ? "Service is unavailable or failed." : "Request is invalid and cannot be executed.");
    g.writeStringField("@type", e.type());
    g.writeStringField("@message", e.getMessage());
    g.writeObjectFieldStart("@context");
    g.writeStringField("timestamp", KustoValues.formatDateTime(Instant.now()));
    g.writeStringField("activityId", UUID.randomUUID().toString());
    g.writeEndObject();
    g.writeBooleanField("@permanent", e.permanent());
    g.writeEndObject();
    g.writeEndObject();
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static Buffer write(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try (JsonGenerator g = KustoValues.JSON.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }
}
