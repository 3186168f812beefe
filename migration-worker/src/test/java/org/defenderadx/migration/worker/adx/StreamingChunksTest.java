package org.defenderadx.migration.worker.adx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class StreamingChunksTest {

  private static byte[] blob(List<String> records) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(String.join("\n", records).getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static List<String> records(int n, int size) {
    List<String> records = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = "{\"__WindowId\":\"w1\",\"n\":" + i + ",\"pad\":\"";
      records.add(id + "x".repeat(Math.max(0, size - id.length() - 2)) + "\"}");
    }
    return records;
  }

  @Test
  void cutsAtRecordBoundariesWithinTheLimitAndKeepsEveryRecordInOrder() throws Exception {
    List<String> records = records(100, 300);

    List<StreamingChunks.Chunk> chunks = StreamingChunks.split(blob(records), 1_000);

    List<String> back = new ArrayList<>();
    for (StreamingChunks.Chunk c : chunks) {
      byte[] plain = StreamingChunks.gunzip(c.gzip());
      assertThat(plain.length).isLessThanOrEqualTo(1_000);
      List<String> lines = List.of(new String(plain, StandardCharsets.UTF_8).split("\n"));
      assertThat(lines).hasSize((int) c.records());
      back.addAll(lines);
    }
    assertThat(back).containsExactlyElementsOf(records);
    assertThat(chunks).hasSize(34); // three 300-byte records and their newlines fit 1,000 bytes
  }

  @Test
  void aBlobWithinTheLimitIsOneRequest() throws Exception {
    List<StreamingChunks.Chunk> chunks = StreamingChunks.split(blob(records(10, 100)), 4_000_000);

    assertThat(chunks).singleElement().satisfies(c -> assertThat(c.records()).isEqualTo(10));
  }

  @Test
  void aRecordLargerThanARequestMayBeIsRefusedWithTheReason() throws Exception {
    byte[] blob = blob(records(3, 2_000));

    assertThatThrownBy(() -> StreamingChunks.split(blob, 1_000))
        .hasMessageContaining("larger than a streaming request").hasMessageContaining("queued");
  }

  @Test
  void anEmptyBlobHasNoRequests() throws Exception {
    assertThat(StreamingChunks.split(blob(List.of()), 1_000)).isEmpty();
  }
}
