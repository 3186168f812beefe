package org.defenderadx.migration.worker.testing;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reads window blobs (gzip'd multi-JSON) back in tests. */
public final class Blobs {
  private Blobs() {
  }

  public static List<JsonObject> rows(byte[] gzip) {
    if (gzip.length == 0) {
      return List.of();
    }
    try {
      String text = new String(new GZIPInputStream(new ByteArrayInputStream(gzip)).readAllBytes(), StandardCharsets.UTF_8);
      List<JsonObject> rows = new ArrayList<>();
      for (String line : text.split("\n")) {
        if (!line.isBlank()) {
          rows.add(new JsonObject(line));
        }
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
