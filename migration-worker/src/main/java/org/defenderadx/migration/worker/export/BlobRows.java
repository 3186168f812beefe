package org.defenderadx.migration.worker.export;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The rows of a small result the fetcher gathered into a blob (gzip'd multi-JSON, one object per line): a census,
 * a fingerprint, a schema. Not for window blobs, which go to ADX unread.
 */
final class BlobRows {
  private BlobRows() {
  }

  /** Every row of {@code gzip} (none for an empty blob); fails with {@link IllegalStateException} if unreadable. */
  static List<JsonObject> of(byte[] gzip) {
    List<JsonObject> rows = new ArrayList<>();
    if (gzip.length == 0) {
      return rows;
    }
    String text;
    try {
      text = new String(new GZIPInputStream(new ByteArrayInputStream(gzip)).readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("unreadable result: " + e.getMessage(), e);
    }
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        rows.add(new JsonObject(line));
      }
    }
    return rows;
  }
}
