package org.defenderadx.simulator.adx.store;

import java.nio.charset.StandardCharsets;

/**
 * A dynamic cell kept as the UTF-8 JSON text it was ingested from. Raw tables hold millions of whole records that
 * are rarely queried, so they are parsed into a tree only when a scan reads them ({@link Table#scan}), which keeps
 * ingestion fast and memory close to the size of the JSON.
 */
public record DynamicJson(byte[] utf8) {

  /** The value as the engine sees dynamic values: Map, List, String, Long, Double, Boolean or null. */
  public Object tree() {
    return KustoValues.parseJson(text());
  }

  public String text() {
    return new String(utf8, StandardCharsets.UTF_8);
  }
}
