package org.defenderadx.migration.worker.adx;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Cuts a window's gzip'd multi-JSON blob (one record per line, as {@code WindowBlobWriter} writes it) into gzip'd
 * pieces of at most a given number of uncompressed bytes, at record boundaries, for streaming ingestion (4 MB per
 * request). Every record keeps its provenance ({@code __WindowId} and the rest are in the record itself).
 */
public final class StreamingChunks {
  private StreamingChunks() {
  }

  /** One piece: its gzip'd bytes and how many records it holds. */
  public record Chunk(byte[] gzip, long records) {
  }

  /**
   * @throws IllegalArgumentException when a single record is larger than {@code maxBytes}: it cannot be streamed
   */
  public static List<Chunk> split(byte[] gzipBlob, int maxBytes) {
    byte[] plain = gunzip(gzipBlob);
    List<Chunk> chunks = new ArrayList<>();
    int start = 0;
    int lineStart = 0;
    long records = 0;
    int lastEnd = 0; // end of the last complete record that fits in the current chunk
    long lastRecords = 0;
    for (int i = 0; i <= plain.length; i++) {
      if (i < plain.length && plain[i] != '\n') {
        continue;
      }
      int end = i; // the record is [lineStart, end)
      boolean blank = isBlank(plain, lineStart, end);
      if (!blank) {
        if (end - lineStart > maxBytes) {
          throw new IllegalArgumentException("a record of " + (end - lineStart) + " bytes is larger than a streaming "
              + "request may be (" + maxBytes + " bytes); use queued ingestion for this table");
        }
        if (end - start > maxBytes) {
          chunks.add(new Chunk(gzip(plain, start, lastEnd), lastRecords));
          start = lineStart;
          records = 0;
        }
        records++;
        lastEnd = end;
        lastRecords = records;
      }
      lineStart = i + 1;
    }
    if (records > 0) {
      chunks.add(new Chunk(gzip(plain, start, lastEnd), records));
    }
    return chunks;
  }

  private static boolean isBlank(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (!Character.isWhitespace(b[i])) {
        return false;
      }
    }
    return true;
  }

  static byte[] gunzip(byte[] gzip) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("the window's blob is not valid gzip", e);
    }
  }

  private static byte[] gzip(byte[] plain, int from, int to) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, (to - from) / 4));
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(plain, from, to - from);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
