package org.defenderadx.simulator.adx.store;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A dynamic cell kept as the UTF-8 JSON text it was ingested from: a slice of the source buffer, shared by all
 * records of one blob (no copy per record). Raw tables hold millions of whole records that are rarely queried, so
 * they are parsed into a tree only when a scan reads them ({@link Table#scan}), which keeps ingestion fast and
 * memory close to the size of the JSON.
 */
public final class DynamicJson {
  private final byte[] buffer;
  private final int offset;
  private final int length;

  public DynamicJson(byte[] buffer, int offset, int length) {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
  }

  /** The value as the engine sees dynamic values: Map, List, String, Long, Double, Boolean or null. */
  public Object tree() {
    try (JsonParser p = KustoValues.JSON.createParser(buffer, offset, length)) {
      p.nextToken();
      return KustoValues.readTree(p);
    } catch (IOException e) {
      throw new IllegalStateException("A stored record is not valid JSON any more: " + e.getMessage(), e);
    }
  }

  public String text() {
    return new String(buffer, offset, length, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return text();
  }
}
