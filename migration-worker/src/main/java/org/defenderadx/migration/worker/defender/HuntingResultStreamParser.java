package org.defenderadx.migration.worker.defender;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses an Advanced Hunting response as it arrives, chunk by chunk, so that a 50 MB result is never held whole.
 * Accepts both shapes: Graph ({@code schema}/{@code results}, {@code name}/{@code type}) and legacy
 * ({@code Stats}/{@code Schema}/{@code Results}, {@code Name}/{@code Type}), keys matched case-insensitively.
 * Each result row's tokens are handed to a {@link RowSink} as they are parsed.
 */
public final class HuntingResultStreamParser {

  /** Receives the parsed schema and, token by token, each row. Not thread-safe; called on the feeding thread. */
  public interface RowSink {
    void schema(List<SchemaColumn> columns);

    /** A row object begins. */
    void rowStart() throws IOException;

    /**
     * One token inside the row (field names, values, nested structures). {@code depth} is 0 for the row's own
     * field names and scalar values, 1 for the start and end of a nested value and what is directly inside it, and so on.
     */
    void rowToken(JsonParser parser, JsonToken token, int depth) throws IOException;

    /** The row object ended. */
    void rowEnd() throws IOException;
  }

  /** A column of the result schema, with the .NET or KQL type name the service gave. */
  public record SchemaColumn(String name, String type) {
  }

  private enum Section { TOP, SCHEMA, RESULTS, SKIP }

  private static final JsonFactory JSON = new JsonFactory();

  private final JsonParser parser;
  private final ByteArrayFeeder feeder;
  private final RowSink sink;

  private int depth;          // nesting depth in the whole document
  private Section section = Section.TOP;
  private int sectionDepth;   // depth at which the current section's array opened
  private int skipDepth;
  private String pendingTopKey;
  private final List<SchemaColumn> schema = new ArrayList<>();
  private String schemaName;
  private String schemaType;
  private String schemaField;
  private boolean inRow;
  private long rows;
  private boolean sawResults;

  public HuntingResultStreamParser(RowSink sink) {
    try {
      this.parser = JSON.createNonBlockingByteArrayParser();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    this.sink = sink;
  }

  /** Feeds the next chunk of the body; parses as far as it can. */
  public void feed(byte[] bytes, int offset, int length) throws IOException {
    feeder.feedInput(bytes, offset, offset + length);
    drain();
  }

  /** Marks the end of the body; fails if the document is incomplete or has no result rows section. */
  public void end() throws IOException {
    feeder.endOfInput();
    drain();
    if (depth != 0) {
      throw new IOException("the response ended in the middle of the JSON document (" + rows + " rows read)");
    }
    if (!sawResults) {
      throw new IOException("the response has no 'results' (or 'Results') array");
    }
  }

  public long rows() {
    return rows;
  }

  public List<SchemaColumn> schemaColumns() {
    return List.copyOf(schema);
  }

  private void drain() throws IOException {
    JsonToken t;
    while ((t = parser.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
      handle(t);
    }
  }

  private void handle(JsonToken t) throws IOException {
    if (t.isStructStart()) {
      depth++;
    }
    switch (section) {
      case TOP -> top(t);
      case SCHEMA -> schema(t);
      case RESULTS -> results(t);
      case SKIP -> {
        if (t.isStructEnd() && depth == skipDepth) {
          section = Section.TOP;
        }
      }
    }
    if (t.isStructEnd()) {
      depth--;
    }
  }

  private void top(JsonToken t) {
    if (t == JsonToken.FIELD_NAME && depth == 1) {
      pendingTopKey = currentName().toLowerCase(Locale.ROOT);
      return;
    }
    if (depth == 2 && t == JsonToken.START_ARRAY && pendingTopKey != null) {
      sectionDepth = depth;
      if (pendingTopKey.equals("schema")) {
        section = Section.SCHEMA;
      } else if (pendingTopKey.equals("results")) {
        section = Section.RESULTS;
        sawResults = true;
      } else {
        section = Section.SKIP;
        skipDepth = depth;
      }
      pendingTopKey = null;
      return;
    }
    if (depth == 2 && t == JsonToken.START_OBJECT) { // e.g. legacy Stats
      section = Section.SKIP;
      skipDepth = depth;
      pendingTopKey = null;
    }
  }

  private void schema(JsonToken t) throws IOException {
    if (t == JsonToken.END_ARRAY && depth == sectionDepth) {
      section = Section.TOP;
      sink.schema(List.copyOf(schema));
      return;
    }
    if (depth == sectionDepth + 1) {
      switch (t) {
        case START_OBJECT -> {
          schemaName = null;
          schemaType = null;
        }
        case FIELD_NAME -> schemaField = currentName().toLowerCase(Locale.ROOT);
        case VALUE_STRING -> {
          if ("name".equals(schemaField)) {
            schemaName = parser.getText();
          } else if ("type".equals(schemaField)) {
            schemaType = parser.getText();
          }
        }
        case END_OBJECT -> schema.add(new SchemaColumn(schemaName, schemaType));
        default -> {
        }
      }
    }
  }

  private void results(JsonToken t) throws IOException {
    if (!inRow) {
      if (t == JsonToken.END_ARRAY && depth == sectionDepth) {
        section = Section.TOP;
      } else if (t == JsonToken.START_OBJECT && depth == sectionDepth + 1) {
        inRow = true;
        sink.rowStart();
      } else if (t != JsonToken.END_ARRAY) {
        throw new IOException("a result row is not a JSON object");
      }
      return;
    }
    if (t == JsonToken.END_OBJECT && depth == sectionDepth + 1) {
      inRow = false;
      rows++;
      sink.rowEnd();
      return;
    }
    sink.rowToken(parser, t, depth - sectionDepth - 1);
  }

  private String currentName() {
    try {
      return parser.currentName();
    } catch (Exception e) {
      return "";
    }
  }
}
