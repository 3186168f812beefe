package org.defenderadx.simulator.defender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ScaledClockTest {

  /** A base clock the test moves by hand. */
  static final class ManualClock extends Clock {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void simulatedTimeRunsScaleTimesFasterFromItsOriginAndCanJumpAhead() {
    ManualClock base = new ManualClock();
    Instant origin = Instant.parse("2026-11-15T00:00:00Z");
    ScaledClock clock = ScaledClock.start(base, origin, 60);

    base.now = base.now.plusSeconds(2);
    assertThat(clock.instant()).isEqualTo(origin.plus(Duration.ofMinutes(2)));

    clock.advance(Duration.ofHours(1));
    assertThat(clock.instant()).isEqualTo(origin.plus(Duration.ofMinutes(62)));
    assertThat(clock.withZone(ZoneId.of("Europe/Paris")).instant()).isEqualTo(clock.instant());
    assertThat(clock.toBase(Duration.ofMinutes(15))).isEqualTo(Duration.ofSeconds(15));
    assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
  }
}
