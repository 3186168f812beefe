package org.defenderadx.migration.worker.defender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class WindowBlobWriterTest {

  private static final Provenance PROVENANCE =
      new Provenance("contoso", "DeviceProcessEvents", "t=contoso;tbl=DeviceProcessEvents;lo=a;hi=b", null);

  private static JsonObject row(int i) {
    return new JsonObject()
        .put("Timestamp", "2026-11-01T00:00:0" + (i % 10) + ".1234567Z")
        .put("DeviceName", "host-" + i + " d\u00e9j\u00e0 \u4e2d\u6587 \ud83d\ude00")
        .put("ProcessCommandLine", "cmd /c \"echo \\\"quoted\\\"\"\nsecond line\ttab \\\\ backslash")
        .putNull("AccountSid")
        .put("AdditionalFields", new JsonObject().put("nested", new JsonArray().add(1).add(2.5e-7).add(new JsonObject().put("deep", true))))
        .put("BigNumber", 12345678901234567L)
        .put("Precise", new java.math.BigDecimal("0.10000000000000000555"))
        .put("__SourceIngestionTime", "2026-11-01T00:00:00.000000" + (9 - i % 10) + "Z")
        .put("__WindowTotal", 3);
  }

  private static String graphBody(List<JsonObject> rows) {
    JsonArray results = new JsonArray();
    rows.forEach(results::add);
    return new JsonObject()
        .put("@odata.context", "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults")
        .put("schema", new JsonArray()
            .add(new JsonObject().put("name", "Timestamp").put("type", "DateTime"))
            .add(new JsonObject().put("name", "DeviceName").put("type", "String")))
        .put("results", results)
        .encode();
  }

  private static List<JsonObject> run(String body, int seed) throws IOException {
    WindowBlobWriter writer = new WindowBlobWriter(PROVENANCE, 0);
    HuntingResultStreamParser parser = new HuntingResultStreamParser(writer);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    Random random = new Random(seed);
    for (int off = 0; off < bytes.length; ) {
      int n = Math.min(bytes.length - off, 1 + random.nextInt(64)); // splits multi-byte characters too
      parser.feed(bytes, off, n);
      off += n;
    }
    parser.end();
    assertThat(parser.rows()).isEqualTo(writer.rows());
    return decode(writer.finish());
  }

  static List<JsonObject> decode(byte[] gzip) throws IOException {
    return lines(new String(new GZIPInputStream(new ByteArrayInputStream(gzip)).readAllBytes(), StandardCharsets.UTF_8));
  }

  private static List<JsonObject> lines(String text) {
    List<JsonObject> rows = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        rows.add(new JsonObject(line));
      }
    }
    return rows;
  }

  @Test
  void copiesEveryRowWithProvenanceAndWithoutTheWindowTotal() throws IOException {
    List<JsonObject> source = List.of(row(0), row(1), row(2));
    for (int seed = 0; seed < 20; seed++) {
      List<JsonObject> out = run(graphBody(source), seed);

      assertCopiedWithProvenance(source, out);
    }
  }

  /** Each source row, without {@code __WindowTotal} and with the provenance added, in order. */
  private static void assertCopiedWithProvenance(List<JsonObject> source, List<JsonObject> out) {
    assertThat(out).hasSize(source.size());
    for (int i = 0; i < source.size(); i++) {
      JsonObject expected = source.get(i).copy();
      expected.remove("__WindowTotal");
      expected.put("__TenantId", "contoso").put("__SourceTable", "DeviceProcessEvents")
          .put("__WindowId", PROVENANCE.unitId());
      assertThat(out.get(i)).isEqualTo(expected);
    }
  }

  @Test
  void keepsNumbersExactly() throws IOException {
    String line = decodeFirstLine(graphBody(List.of(row(0))));

    assertThat(line).contains("\"BigNumber\":12345678901234567", "\"Precise\":0.10000000000000000555");
  }

  private static String decodeFirstLine(String body) throws IOException {
    WindowBlobWriter writer = new WindowBlobWriter(PROVENANCE, 0);
    HuntingResultStreamParser parser = new HuntingResultStreamParser(writer);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    parser.feed(bytes, 0, bytes.length);
    parser.end();
    return new String(new GZIPInputStream(new ByteArrayInputStream(writer.finish())).readAllBytes(), StandardCharsets.UTF_8)
        .split("\n")[0];
  }

  @Test
  void reportsTheWindowTotalAndTheIngestionTimeRange() throws IOException {
    WindowBlobWriter writer = new WindowBlobWriter(PROVENANCE, 0);
    HuntingResultStreamParser parser = new HuntingResultStreamParser(writer);
    byte[] bytes = graphBody(List.of(row(0), row(1), row(2))).getBytes(StandardCharsets.UTF_8);
    parser.feed(bytes, 0, bytes.length);
    parser.end();

    assertThat(writer.windowTotal()).isEqualTo(3);
    assertThat(writer.minSourceIngestionTime()).isEqualTo("2026-11-01T00:00:00.0000007Z");
    assertThat(writer.maxSourceIngestionTime()).isEqualTo("2026-11-01T00:00:00.0000009Z");
    assertThat(writer.schema()).extracting(HuntingResultStreamParser.SchemaColumn::name).containsExactly("Timestamp", "DeviceName");
    assertThat(writer.uncompressedBytes()).isGreaterThan(bytes.length / 2);
  }

  @Test
  void readsTheLegacyShapeAndCamelCaseHelperColumns() throws IOException {
    JsonObject r = row(5);
    r.remove("__WindowTotal");
    r.put("__windowTotal", 1);
    String legacy = new JsonObject()
        .put("Stats", new JsonObject().put("ExecutionTime", 0.1).put("resource_usage", new JsonObject().put("cache", new JsonArray())))
        .put("Schema", new JsonArray().add(new JsonObject().put("Name", "Timestamp").put("Type", "DateTime")))
        .put("Results", new JsonArray().add(r))
        .encode();

    WindowBlobWriter writer = new WindowBlobWriter(PROVENANCE, 0);
    HuntingResultStreamParser parser = new HuntingResultStreamParser(writer);
    byte[] bytes = legacy.getBytes(StandardCharsets.UTF_8);
    parser.feed(bytes, 0, bytes.length);
    parser.end();

    assertThat(writer.windowTotal()).isEqualTo(1);
    assertThat(writer.schema()).containsExactly(new HuntingResultStreamParser.SchemaColumn("Timestamp", "DateTime"));
    assertThat(decode(writer.finish()).get(0).containsKey("__windowTotal")).isFalse();
  }

  @Test
  void anEmptyResultIsZeroRows() throws IOException {
    assertThat(run(graphBody(List.of()), 1)).isEmpty();
  }

  @Test
  void aTruncatedBodyIsAnError() {
    String body = graphBody(List.of(row(0), row(1)));

    assertThatThrownBy(() -> run(body.substring(0, body.length() / 2), 3))
        .isInstanceOf(IOException.class);
  }

  @Test
  void aBodyWithoutResultsIsAnError() {
    assertThatThrownBy(() -> run("{\"error\":{\"code\":\"BadRequest\",\"message\":\"x\"}}", 3))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no 'results'");
  }

  @Test
  void stampsSnapshotRowsWithTheirSnapshotTime() throws IOException {
    WindowBlobWriter writer = new WindowBlobWriter(
        new Provenance("", "DeviceTvmSoftwareInventory", "snap-1/b=0/4", "2026-11-26T00:00:00.0000000Z"), 0);
    HuntingResultStreamParser parser = new HuntingResultStreamParser(writer);
    byte[] bytes = graphBody(List.of(new JsonObject().put("DeviceId", "d1"))).getBytes(StandardCharsets.UTF_8);
    parser.feed(bytes, 0, bytes.length);
    parser.end();

    assertThat(decode(writer.finish())).containsExactly(new JsonObject().put("DeviceId", "d1").put("__TenantId", "")
        .put("__SourceTable", "DeviceTvmSoftwareInventory").put("__WindowId", "snap-1/b=0/4")
        .put("__SnapshotTime", "2026-11-26T00:00:00.0000000Z"));
  }

  private static String text(String body, int seed) throws IOException {
    WindowBlobWriter writer = new WindowBlobWriter(PROVENANCE, 0);
    HuntingResultStreamParser parser = new HuntingResultStreamParser(writer);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    Random random = new Random(seed);
    for (int off = 0; off < bytes.length; ) {
      int n = Math.min(bytes.length - off, 1 + random.nextInt(64));
      parser.feed(bytes, off, n);
      off += n;
    }
    parser.end();
    byte[] blob = writer.finish();
    String text = new String(new GZIPInputStream(new ByteArrayInputStream(blob)).readAllBytes(), StandardCharsets.UTF_8);
    assertThat(writer.uncompressedBytes()).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
    return text;
  }

  private static final String PROVENANCE_JSON = "\"__TenantId\":\"contoso\",\"__SourceTable\":\"DeviceProcessEvents\","
      + "\"__WindowId\":\"t=contoso;tbl=DeviceProcessEvents;lo=a;hi=b\"";

  private static String graphRows(String... rows) {
    return "{\"schema\":[],\"results\":[" + String.join(",", rows) + "]}";
  }

  @Test
  void copiesEachRowAsSentWithItsProvenanceBeforeTheClosingBrace() throws IOException {
    String row = "{\"DeviceName\":\"h\\u00e9\\\"x\\\"\",\"Score\":1.50,\"Empty\":{},\"__WindowTotal\":2}";

    for (int seed = 0; seed < 10; seed++) {
      assertThat(text(graphRows(row, row), seed)).isEqualTo(
          ("{\"DeviceName\":\"h\\u00e9\\\"x\\\"\",\"Score\":1.50,\"Empty\":{}," + PROVENANCE_JSON + "}\n").repeat(2));
    }
  }

  @Test
  void cutsTheWindowTotalWhereverItStands() throws IOException {
    String body = graphRows(
        "{\"__WindowTotal\":5,\"A\":1}",
        "{\"A\":1, \"__windowtotal\" : \"5\" ,\"B\":[1,{\"__WindowTotal\":9}]}",
        "{ \"__WindowTotal\":5 }",
        "{\"A\":1,\"__WindowTotal\":5,\"__WindowTotal\":5}",
        "{\"__WindowTotal\":5,\"__WindowTotal\":5,\"A\":1}",
        "{\"A\":1,\"__WindowTotal\":{\"not\":\"ours\"}}",
        "{}");

    for (int seed = 0; seed < 10; seed++) {
      assertThat(text(body, seed).split("\n")).containsExactly(
          "{\"A\":1," + PROVENANCE_JSON + "}",
          "{\"A\":1 ,\"B\":[1,{\"__WindowTotal\":9}]," + PROVENANCE_JSON + "}",
          "{ " + PROVENANCE_JSON + "}",
          "{\"A\":1," + PROVENANCE_JSON + "}",
          "{\"A\":1," + PROVENANCE_JSON + "}",
          "{\"A\":1,\"__WindowTotal\":{\"not\":\"ours\"}," + PROVENANCE_JSON + "}",
          "{" + PROVENANCE_JSON + "}");
    }
  }

  @Test
  void putsEveryRowOfAPrettyPrintedResponseOnOneLine() throws IOException {
    List<JsonObject> source = List.of(row(0), row(1), row(2));
    JsonObject body = new JsonObject(graphBody(source));
    for (String lineBreak : List.of("\n", "\r\n", "\r")) {
      String pretty = body.encodePrettily().replace("\n", lineBreak);

      String text = text(pretty, 7);

      assertThat(text).doesNotContain("\r");
      List<JsonObject> out = lines(text);

      assertCopiedWithProvenance(source, out);
    }
  }

  @Test
  void copiesARowThatSpansManyChunks() throws IOException {
    String big = "x\u00e9".repeat(100_000); // 300 KB of UTF-8, over four 64 KiB chunks
    String body = graphRows("{\"A\":1}", "{\"Big\":\"" + big + "\",\"__WindowTotal\":3}", "{\"B\":2}");
    WindowBlobWriter writer = new WindowBlobWriter(PROVENANCE, 0);
    HuntingResultStreamParser parser = new HuntingResultStreamParser(writer);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    for (int off = 0; off < bytes.length; off += 64 * 1024) {
      parser.feed(bytes, off, Math.min(64 * 1024, bytes.length - off));
    }
    parser.end();

    assertThat(decode(writer.finish())).containsExactly(
        new JsonObject("{\"A\":1," + PROVENANCE_JSON + "}"),
        new JsonObject("{\"Big\":\"" + big + "\"," + PROVENANCE_JSON + "}"),
        new JsonObject("{\"B\":2," + PROVENANCE_JSON + "}"));
    assertThat(writer.windowTotal()).isEqualTo(3);
  }
}
