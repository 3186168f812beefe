package org.defenderadx.simulator.defender;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.KqlType;
import org.junit.jupiter.api.Test;

class RowDigestTest {

  static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void digestIsSha256OfSortedCompactJsonWithRawUtf8() throws Exception {
    JsonObject row = new JsonObject("{ \"b\" : \"é\\n\\\"q\\\" \\\\\", \"a\": {\"z\": 1, \"y\": [true, null]},"
        + " \"Timestamp\": \"2026-11-01T00:00:00.1000000Z\" }");

    assertThat(RowDigest.canonicalJson(row))
        .isEqualTo("{\"Timestamp\":\"2026-11-01T00:00:00.1000000Z\",\"a\":{\"y\":[true,null],\"z\":1},"
            + "\"b\":\"é\\n\\\"q\\\" \\\\\"}");
    assertThat(RowDigest.of(row)).isEqualTo(sha256(RowDigest.canonicalJson(row)));
  }

  @Test
  void helperColumnsAndTopLevelNullsDoNotChangeTheIdentity() {
    JsonObject served = new JsonObject().put("DeviceId", "d1").put("ReportId", 5).put("LogonID", null)
        .put("__SourceIngestionTime", "2026-11-01T00:00:00.0000000Z").put("__WindowTotal", 12);
    JsonObject stored = new JsonObject().put("ReportId", 5.0).put("DeviceId", "d1");

    assertThat(RowDigest.of(served)).isEqualTo(RowDigest.of(stored));
    assertThat(RowDigest.of(stored.copy().put("ReportId", 6))).isNotEqualTo(RowDigest.of(stored));
  }

  @Test
  void digestOfKqlValuesMatchesDigestOfTheServedJson() {
    List<Column> cols = List.of(new Column("Timestamp", KqlType.DATETIME), new Column("Size", KqlType.LONG),
        new Column("Extra", KqlType.DYNAMIC), new Column("Name", KqlType.STRING));
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("z", 1.5);
    extra.put("a", List.of("x", 2L));
    Object[] values = {Instant.parse("2026-11-01T00:00:00.123456789Z"), 42L, extra, "王伟 🙂"};

    JsonObject served = new JsonObject().put("Timestamp", "2026-11-01T00:00:00.1234567Z").put("Size", 42)
        .put("Extra", new JsonObject().put("a", new io.vertx.core.json.JsonArray().add("x").add(2)).put("z", 1.5))
        .put("Name", "王伟 🙂");

    assertThat(RowDigest.of(cols, values)).isEqualTo(RowDigest.of(served));
  }
}
