package org.defenderadx.simulator.kql;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.defenderadx.simulator.kql.engine.Temporal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TemporalLiteralTest {

  @ParameterizedTest
  @CsvSource({
      "2026-11-01T00:00:00.0000000Z, 2026-11-01T00:00:00Z",
      "2026-11-01, 2026-11-01T00:00:00Z",
      "2026-11-01 10:30, 2026-11-01T10:30:00Z",
      "2026-11-01T10:30:05.1234567Z, 2026-11-01T10:30:05.1234567Z",
      "2026-11-01T10:30:05.123456789Z, 2026-11-01T10:30:05.1234567Z",
      "1900-01-01T00:00:00.000000Z, 1900-01-01T00:00:00Z",
      "2000-01-01T00:0:00.5966667Z, 2000-01-01T00:00:00.5966667Z",
      "2026-11-01T02:00:00+02:00, 2026-11-01T00:00:00Z",
      "2026-11-01T00:00:00.5, 2026-11-01T00:00:00.5Z",
      "'Sun, 01 Nov 2026 00:00:00 GMT', 2026-11-01T00:00:00Z"})
  void parsesTheDatetimeFormsKustoAccepts(String text, String expected) {
    assertThat(Temporal.parse(text)).isEqualTo(Instant.parse(expected));
  }

  @ParameterizedTest
  @CsvSource({"2026-13-01", "2026-11-01T25:00", "yesterday", "''"})
  void rejectsWhatIsNotADatetime(String text) {
    assertThat(Temporal.parse(text)).isNull();
  }

  @ParameterizedTest
  @CsvSource({"2026-11-01T00:00:00Z, 2026-11-01T00:00:00.0000000Z",
      "2026-11-01T00:00:00.1234567Z, 2026-11-01T00:00:00.1234567Z",
      "0001-01-01T00:00:00Z, 0001-01-01T00:00:00.0000000Z"})
  void formatsWithSevenFractionalDigits(String instant, String expected) {
    assertThat(Temporal.format(Instant.parse(instant))).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"1.02:03:04.5, PT26H3M4.5S", "02:03, PT2H3M", "-00:00:01, PT-1S", "1d, PT24H", "90s, PT1M30S",
      "0.5h, PT30M", "100ms, PT0.1S", "1tick, PT0.0000001S", "2, PT48H"})
  void parsesTimespans(String text, String expected) {
    assertThat(Temporal.parseDuration(text)).isEqualTo(Duration.parse(expected));
  }

  @ParameterizedTest
  @CsvSource({"PT26H3M4.5S, 1.02:03:04.5000000", "PT1H, 01:00:00", "PT-1S, -00:00:01", "PT0.0000001S, 00:00:00.0000001"})
  void formatsTimespansAsKustoDoes(String duration, String expected) {
    assertThat(Temporal.format(Duration.parse(duration))).isEqualTo(expected);
  }
}
