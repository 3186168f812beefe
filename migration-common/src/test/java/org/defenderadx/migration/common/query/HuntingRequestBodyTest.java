package org.defenderadx.migration.common.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.defenderadx.migration.common.json.Json;
import org.defenderadx.migration.common.model.ApiFlavour;
import org.defenderadx.migration.common.window.Window;
import org.junit.jupiter.api.Test;

class HuntingRequestBodyTest {
  private static final String QUERY = "let __lo = datetime(2026-11-01T00:00:00.0000000Z);\nT | where A == \"x\\\\y\" "
      + "and B == 'caf\u00e9 \u0435'";

  @Test
  void graphBodyCarriesQueryAndTimespan() {
    String body = HuntingRequestBody.json(ApiFlavour.GRAPH, QUERY, Optional.of("P30D"));
    assertThat(Json.parse(body)).isEqualTo(Map.of("Query", QUERY, "Timespan", "P30D"));
  }

  @Test
  void legacyBodiesCarryOnlyTheQuery() {
    for (ApiFlavour legacy : new ApiFlavour[] {ApiFlavour.XDR, ApiFlavour.MDE}) {
      String body = HuntingRequestBody.json(legacy, QUERY, Optional.of("P30D"));
      assertThat(Json.parse(body)).isEqualTo(Map.of("Query", QUERY));
    }
  }

  @Test
  void bodyIsPureAsciiWithoutRawLineBreaks() {
    String body = HuntingRequestBody.json(ApiFlavour.GRAPH, QUERY + "\r\n\u2028", Optional.empty());
    assertThat(body.chars()).allMatch(c -> c >= 0x20 && c <= 0x7e);
    assertThat(body).contains("\\n").contains("\\u00e9").contains("\\u0435");
  }

  @Test
  void timespanWidensTheWindowToWholeSecondsAndAllowsForLateTimestamps() {
    Window w = Window.of(Instant.parse("2026-11-01T00:00:00.5Z"), Instant.parse("2026-11-01T01:00:00.0000001Z"));
    assertThat(HuntingRequestBody.timespanFor(w, Duration.ofDays(30), Duration.ofDays(1)))
        .isEqualTo("2026-10-02T00:00:00Z/2026-11-02T01:00:01Z");
    assertThat(HuntingRequestBody.interval(Instant.parse("2026-11-01T00:00:00Z"),
        Instant.parse("2026-11-01T01:00:00Z"))).isEqualTo("2026-11-01T00:00:00Z/2026-11-01T01:00:00Z");
  }
}
