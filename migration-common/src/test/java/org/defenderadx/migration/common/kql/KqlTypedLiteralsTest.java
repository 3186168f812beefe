package org.defenderadx.migration.common.kql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KqlTypedLiteralsTest {

  @Test
  void rendersTypedNulls() {
    assertThat(KqlTypedLiterals.of("long", null)).isEqualTo("long(null)");
    assertThat(KqlTypedLiterals.of("datetime", null)).isEqualTo("datetime(null)");
    assertThat(KqlTypedLiterals.of("string", null)).isEqualTo("''");
    assertThat(KqlTypedLiterals.of("dynamic", null)).isEqualTo("dynamic(null)");
  }

  @Test
  void rendersValuesOfEachType() {
    assertThat(KqlTypedLiterals.of("datetime", Instant.parse("2026-11-01T00:00:00.1234567Z")))
        .isEqualTo("datetime(2026-11-01T00:00:00.1234567Z)");
    assertThat(KqlTypedLiterals.of("datetime", "2026-11-01T00:00:00.1234567Z"))
        .isEqualTo("datetime(2026-11-01T00:00:00.1234567Z)");
    assertThat(KqlTypedLiterals.of("long", 42L)).isEqualTo("long(42)");
    assertThat(KqlTypedLiterals.of("int", 7)).isEqualTo("int(7)");
    assertThat(KqlTypedLiterals.of("bool", true)).isEqualTo("true");
    assertThat(KqlTypedLiterals.of("timespan", Duration.ofMinutes(90))).isEqualTo(KqlLiterals.timespan(Duration.ofMinutes(90)));
    assertThat(KqlTypedLiterals.of("string", "it's")).isEqualTo(KqlLiterals.string("it's"));
  }

  @Test
  void rendersDynamicAsJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("calls", 3);
    m.put("why", "quote \" and\nnewline");
    m.put("list", List.of(1, "a"));

    assertThat(KqlTypedLiterals.of("dynamic", m))
        .isEqualTo("dynamic({\"calls\":3,\"why\":\"quote \\\" and\\nnewline\",\"list\":[1,\"a\"]})");
  }

  @Test
  void refusesValuesThatAreNotOfTheType() {
    assertThatThrownBy(() -> KqlTypedLiterals.of("long", "12; .drop table X")).isInstanceOf(NumberFormatException.class);
    assertThatThrownBy(() -> KqlTypedLiterals.of("blob", 1)).hasMessageContaining("no literal for Kusto type 'blob'");
  }
}
