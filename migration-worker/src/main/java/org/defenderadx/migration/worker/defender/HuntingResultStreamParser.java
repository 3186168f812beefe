package org.defenderadx.migration.worker.defender;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * Parses an Advanced Hunting response as it arrives, chunk by chunk, so that a 50 MB result is never held whole.
 * Accepts both shapes: Graph ({@code schema}/{@code results}, {@code name}/{@code type}) and legacy
 * ({@code Stats}/{@code Schema}/{@code Results}, {@code Name}/{@code Type}), keys matched case-insensitively.
 * Every result row is validated by the parser and handed to a {@link RowSink} as the exact text the service sent,
 * with its own members (not those of nested values) pointed out on the way: re-encoding the row token by token cost
 * more CPU than the parse itself.
 *
 * <p>Nothing in the body is trusted for size: a row's text is never held beyond {@code maxRowBytes} (nor, by the
 * parser's own constraints, any single string), and the schema never beyond {@link #MAX_SCHEMA_COLUMNS} columns, so a
 * call's memory is bounded whatever comes back. A body that is not a hunting response fails with
 * {@link NotAHuntingResponseException}, a row too large with {@link RowTooLargeException}.
 */
public final class HuntingResultStreamParser {

  /** Advanced Hunting tables have a few dozen columns; a schema of more is not one. */
  static final int MAX_SCHEMA_COLUMNS = 10_000;
  /** The row limit when none is given. */
  public static final long DEFAULT_MAX_ROW_BYTES = 16_000_000L;

  /** The body is JSON, but not shaped like a hunting response (no object, no results array, rows not objects). */
  public static final class NotAHuntingResponseException extends IOException {
    NotAHuntingResponseException(String message) {
      super(message);
    }
  }

  /** One result row is larger than the limit; it was not read further. */
  public static final class RowTooLargeException extends IOException {
    RowTooLargeException(String message) {
      super(message);
    }
  }

  /** Receives the parsed schema and each row. Not thread-safe; called on the feeding thread. */
  public interface RowSink {
    void schema(List<SchemaColumn> columns);

    /**
     * One of the current row's own members begins (members of nested values are not shown): the parser is on its
     * name ({@link JsonParser#currentName()}); {@code end} tells, if asked, where in the row's text the name's
     * closing quote is followed.
     */
    void member(JsonParser parser, IntSupplier end) throws IOException;

    /**
     * The first token of that member's value: a scalar, or the start of a nested object or array; {@code end} tells,
     * if asked, where in the row's text that token is followed.
     */
    void value(JsonParser parser, JsonToken token, IntSupplier end) throws IOException;

    /**
     * The row is complete and valid JSON: {@code text[0..length)} runs from its opening {@code '{'} to its closing
     * {@code '}'}, exactly as sent. The sink may change the array in place; it is reused for the next row.
     *
     * @param lineBreaks whether the text holds a line break (whitespace between tokens, as JSON strings cannot)
     */
    void row(byte[] text, int length, boolean lineBreaks) throws IOException;
  }

  /** A column of the result schema, with the .NET or KQL type name the service gave. */
  public record SchemaColumn(String name, String type) {
  }

  private enum Section { TOP, SCHEMA, RESULTS, SKIP }

  private final long maxRowBytes;
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
  private boolean memberValueNext;
  private long rows;
  private boolean sawRoot;
  private boolean sawResults;

  // The chunk being parsed, and where it starts in the whole body (the parser's byte offsets are absolute).
  private byte[] chunk;
  private int chunkOffset;
  private int chunkLength;
  private long chunkStart;
  // The current row's text so far, copied from the chunks it spans; copyFrom is the absolute offset not yet copied.
  private byte[] rowText = new byte[8 * 1024];
  private int rowLength;
  private long rowStart;
  private long copyFrom;
  private int rowLine;
  // Jackson's token start offsets are not exact for every token in non-blocking mode; the position after one is.
  private final IntSupplier rowOffset;

  public HuntingResultStreamParser(RowSink sink) {
    this(sink, DEFAULT_MAX_ROW_BYTES);
  }

  /** @param maxRowBytes the largest row (its JSON text) read; a larger one fails the body */
  public HuntingResultStreamParser(RowSink sink, long maxRowBytes) {
    this.maxRowBytes = maxRowBytes;
    // No string may be longer than a row: Jackson would otherwise buffer one up to its own default (20M chars).
    JsonFactory json = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
        .maxStringLength((int) Math.min(Integer.MAX_VALUE - 1024, maxRowBytes)).build()).build();
    try {
      this.parser = json.createNonBlockingByteArrayParser();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    this.sink = sink;
    this.rowOffset = () -> (int) (parser.currentLocation().getByteOffset() - rowStart);
  }

  /** Feeds the next chunk of the body; parses as far as it can. */
  public void feed(byte[] bytes, int offset, int length) throws IOException {
    chunkStart += chunkLength;
    chunk = bytes;
    chunkOffset = offset;
    chunkLength = length;
    feeder.feedInput(bytes, offset, offset + length);
    drain();
    if (inRow) { // the row goes on in the next chunk, and this one is the caller's again
      copyRowText(chunkStart + length);
    }
  }

  /** The bytes held for the current row: never more than the row limit (plus one doubling step's rounding). */
  int rowBufferBytes() {
    return rowText.length;
  }

  /** Marks the end of the body; fails if the document is incomplete or has no result rows section. */
  public void end() throws IOException {
    feeder.endOfInput();
    drain();
    if (!sawRoot) {
      throw new NotAHuntingResponseException("the body is empty");
    }
    if (depth != 0) {
      throw new IOException("the response ended in the middle of the JSON document (" + rows + " rows read)");
    }
    if (!sawResults) {
      throw new NotAHuntingResponseException("the response has no 'results' (or 'Results') array");
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
    try {
      while ((t = parser.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
        handle(t);
      }
    } catch (StreamConstraintsException e) {
      if (inRow) {
        throw new RowTooLargeException("result row " + (rows + 1) + " breaks the parser's limit: "
            + e.getOriginalMessage());
      }
      throw new NotAHuntingResponseException("the body breaks the parser's limit: " + e.getOriginalMessage());
    } catch (JsonParseException e) {
      if (!sawResults) { // garbage from the start is not a hunting response; a break among the rows is a bad read
        throw new NotAHuntingResponseException("the body is not JSON: " + e.getOriginalMessage());
      }
      throw e;
    }
  }

  private void handle(JsonToken t) throws IOException {
    if (!sawRoot) {
      sawRoot = true;
      if (t != JsonToken.START_OBJECT) {
        throw new NotAHuntingResponseException("the body is a JSON " + describe(t) + ", not an object");
      }
    }
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
        case END_OBJECT -> {
          if (schema.size() == MAX_SCHEMA_COLUMNS) {
            throw new NotAHuntingResponseException("the schema has more than " + MAX_SCHEMA_COLUMNS + " columns");
          }
          schema.add(new SchemaColumn(schemaName, schemaType));
        }
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
        JsonLocation afterBrace = parser.currentLocation();
        rowStart = afterBrace.getByteOffset() - 1;
        rowLine = afterBrace.getLineNr();
        copyFrom = rowStart;
        rowLength = 0;
      } else if (t != JsonToken.END_ARRAY) {
        throw new NotAHuntingResponseException("result row " + (rows + 1) + " is a JSON " + describe(t)
            + ", not an object");
      }
      return;
    }
    int rowDepth = sectionDepth + 1;
    if (t == JsonToken.END_OBJECT && depth == rowDepth) {
      inRow = false;
      rows++;
      JsonLocation afterBrace = parser.currentLocation();
      copyRowText(afterBrace.getByteOffset());
      if (rowText[0] != '{' || rowText[rowLength - 1] != '}') {
        throw new IllegalStateException("row " + rows + " was not delimited where the parser said it was");
      }
      sink.row(rowText, rowLength, afterBrace.getLineNr() != rowLine);
      return;
    }
    if (t == JsonToken.FIELD_NAME && depth == rowDepth) {
      sink.member(parser, rowOffset);
      memberValueNext = true;
    } else if (memberValueNext) {
      memberValueNext = false;
      sink.value(parser, t, rowOffset);
    }
  }

  /** Appends the current chunk's bytes of the row up to absolute offset {@code to}; fails past the row limit. */
  private void copyRowText(long to) throws RowTooLargeException {
    long n = to - copyFrom;
    if (rowLength + n > maxRowBytes) {
      throw new RowTooLargeException("result row " + (rows + 1) + " is larger than " + maxRowBytes + " bytes ("
          + (rowLength + n) + " read of it so far)");
    }
    if (rowLength + n > rowText.length) {
      rowText = Arrays.copyOf(rowText, (int) Math.min(maxRowBytes, Math.max(rowText.length * 2L, rowLength + n)));
    }
    System.arraycopy(chunk, chunkOffset + (int) (copyFrom - chunkStart), rowText, rowLength, (int) n);
    rowLength += (int) n;
    copyFrom = to;
  }

  private static String describe(JsonToken t) {
    return switch (t) {
      case START_ARRAY -> "array";
      case VALUE_STRING -> "string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
      case VALUE_TRUE, VALUE_FALSE -> "boolean";
      case VALUE_NULL -> "null";
      default -> t.name();
    };
  }

  private String currentName() {
    try {
      return parser.currentName();
    } catch (Exception e) {
      return "";
    }
  }
}
