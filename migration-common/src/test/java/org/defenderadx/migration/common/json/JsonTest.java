package org.defenderadx.migration.common.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void quotedStringsParseBackExactly() {
    Random r = new Random(3);
    for (int n = 0; n < 2_000; n++) {
      StringBuilder sb = new StringBuilder();
      for (int i = r.nextInt(16); i > 0; i--) {
        sb.append((char) (r.nextBoolean() ? r.nextInt(0x80) : r.nextInt(0xD800)));
      }
      assertThat(Json.parse(Json.quote(sb.toString()))).isEqualTo(sb.toString());
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void readsNestedErrorBodies() {
    Map<String, Object> parsed = (Map<String, Object>) Json.parse("{ \"error\": { \"code\": \"429\", \"n\": 2.5,"
        + " \"ok\": true, \"x\": null, \"list\": [1, \"a\"] } }");
    Map<String, Object> error = (Map<String, Object>) parsed.get("error");
    assertThat(error).containsEntry("code", "429").containsEntry("n", new BigDecimal("2.5"))
        .containsEntry("ok", true).containsEntry("x", null)
        .containsEntry("list", List.of(new BigDecimal("1"), "a"));
    assertThat(error.keySet()).containsExactly("code", "n", "ok", "x", "list");
  }

  @Test
  void rejectsText() {
    assertThatThrownBy(() -> Json.parse("Service Unavailable")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Json.parse("{\"a\":1} x")).isInstanceOf(IllegalArgumentException.class);
  }
}
