package org.defenderadx.migration.common.window;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WindowScheduleTest {

  private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
  private final WindowSchedule sevenDays = new WindowSchedule(Duration.ofDays(7), Duration.ofMinutes(10),
      Duration.ofMinutes(5));

  @Test
  void aNeverLoadedTableStartsAtTheConfiguredLookback() {
    assertThat(sevenDays.horizonStart(NOW, false)).isEqualTo(NOW.minus(Duration.ofDays(7)).plus(Duration.ofMinutes(10)));
  }

  @Test
  void aLoadedTableContinuesAsFarBackAsTheSourceHoldsSoAPauseLongerThanTheLookbackLosesNothing() {
    assertThat(sevenDays.horizonStart(NOW, true)).isEqualTo(NOW.minus(Duration.ofDays(30)).plus(Duration.ofMinutes(10)));
  }

  @Test
  void aLookbackOfThirtyDaysIsTheSameEitherWay() {
    WindowSchedule thirty = WindowSchedule.thirtyDays(Duration.ofMinutes(10), Duration.ofMinutes(5));
    assertThat(thirty.horizonStart(NOW, true)).isEqualTo(thirty.horizonStart(NOW, false));
  }
}
