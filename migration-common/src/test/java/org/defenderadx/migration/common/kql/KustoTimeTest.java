package org.defenderadx.migration.common.kql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KustoTimeTest {

  @Test
  void literalCarriesSevenFractionalDigitsAndZ() {
    assertThat(KustoTime.literal(Instant.parse("2026-11-01T00:00:00Z")))
        .isEqualTo("datetime(2026-11-01T00:00:00.0000000Z)");
    assertThat(KqlLiterals.datetime(Instant.parse("2026-11-01T00:00:00.1234567Z")))
        .isEqualTo("datetime(2026-11-01T00:00:00.1234567Z)");
  }

  @Test
  void truncatesToTheTickNotToMicroseconds() {
    Instant t = Instant.parse("2026-11-01T00:00:00.123456789Z");
    assertThat(KustoTime.truncate(t)).isEqualTo(Instant.parse("2026-11-01T00:00:00.1234567Z"));
    assertThat(KustoTime.format(t)).isEqualTo("2026-11-01T00:00:00.1234567Z");
  }

  @ParameterizedTest
  @CsvSource({
      "2026-11-01T00:00:00.1Z, 2026-11-01T00:00:00.1000000Z",
      "2026-11-01T00:00:00.1234567Z, 2026-11-01T00:00:00.1234567Z",
      "2026-11-01T00:00:00.1234567, 2026-11-01T00:00:00.1234567Z",
      "2026-11-01T00:00:00Z, 2026-11-01T00:00:00.0000000Z",
      "2026-11-01 13:14:15.000001, 2026-11-01T13:14:15.0000010Z",
      "datetime(2026-11-01T00:00:00.0000001Z), 2026-11-01T00:00:00.0000001Z",
      "2026-11-01, 2026-11-01T00:00:00.0000000Z"})
  void parsesKustoDatetimeStrings(String text, String expected) {
    assertThat(KustoTime.format(KustoTime.parse(text))).isEqualTo(expected);
  }

  @Test
  void rejectsMoreThanSevenDigitsAndForeignShapes() {
    assertThatThrownBy(() -> KustoTime.parse("2026-11-01T00:00:00.12345678Z"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KustoTime.parse("2026-11-01T00:00:00+02:00")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KustoTime.parse("2026-13-01T00:00:00Z")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KustoTime.parse("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void randomInstantsRoundTripThroughTextAndTicks() {
    Random random = new Random(7);
    for (int i = 0; i < 5_000; i++) {
      long seconds = -62_135_596_800L + (long) (random.nextDouble() * 315_537_897_599L);
      Instant t = Instant.ofEpochSecond(seconds, random.nextInt(1_000_000_000));
      Instant ticked = KustoTime.truncate(t);
      assertThat(KustoTime.parse(KustoTime.format(t))).isEqualTo(ticked);
      assertThat(KustoTime.fromTicks(KustoTime.toTicks(t))).isEqualTo(ticked);
      assertThat(Duration.between(ticked, t).toNanos()).isBetween(0L, 99L);
    }
  }

  @Test
  void ticksBeforeTheEpochRoundDown() {
    Instant t = Instant.parse("1969-12-31T23:59:59.99999995Z");
    assertThat(KustoTime.toTicks(t)).isEqualTo(-1);
    assertThat(KustoTime.fromTicks(-1)).isEqualTo(Instant.parse("1969-12-31T23:59:59.9999999Z"));
  }

  @ParameterizedTest
  @CsvSource({
      "01:00:00, PT1H",
      "1.02:03:04.5, PT26H3M4.5S",
      "-00:00:30, PT-30S",
      "00:00:00.0000001, PT0.0000001S",
      "2h, PT2H",
      "30m, PT30M",
      "1.5d, PT36H",
      "P2D, PT48H",
      "time(3.00:00:00), PT72H"})
  void parsesTimespans(String text, String iso) {
    assertThat(KustoTimespan.parse(text)).isEqualTo(Duration.parse(iso));
  }

  @Test
  void timespanFormatRoundTrips() {
    Duration d = Duration.parse("PT26H3M4.1234567S");
    assertThat(KustoTimespan.format(d)).isEqualTo("1.02:03:04.1234567");
    assertThat(KustoTimespan.parse(KustoTimespan.format(d))).isEqualTo(d);
    assertThat(KustoTimespan.parse(KustoTimespan.format(d.negated()))).isEqualTo(d.negated());
    assertThat(KqlLiterals.timespan(Duration.ofMinutes(5))).isEqualTo("time(00:05:00.0000000)");
  }

  @Test
  void refusesInstantsOutsideKustosRange() {
    assertThatThrownBy(() -> KustoTime.format(Instant.parse("+10000-01-01T00:00:00Z")))
        .hasMessageContaining("range");
    assertThat(KustoTime.format(KustoTime.MAX)).isEqualTo("9999-12-31T23:59:59.9999999Z");
    assertThat(KustoTime.format(KustoTime.MIN)).isEqualTo("0001-01-01T00:00:00.0000000Z");
  }
}
