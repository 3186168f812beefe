package org.defenderadx.migration.common.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimeSourceTest {

  @Test
  void aScaledClockRunsFasterThanRealTime() throws InterruptedException {
    Instant start = Instant.parse("2026-11-01T00:00:00Z");
    long realStart = System.nanoTime(); // before the clock starts, so the bound below holds under any load
    TimeSource t = TimeSource.scaled(start, 600);
    Thread.sleep(50); // lets the scaled clock move; the assertion below holds for any real duration
    Instant now = t.now();
    long realElapsedNanos = System.nanoTime() - realStart;

    assertThat(Duration.between(start, now)).isLessThanOrEqualTo(Duration.ofNanos((long) (realElapsedNanos * 600.0) + 1));
    assertThat(Duration.between(start, now)).isGreaterThanOrEqualTo(Duration.ofMillis(50 * 600));
  }

  @Test
  void realDelaysShrinkByTheScale() {
    TimeSource t = TimeSource.of(java.time.Clock.systemUTC(), 60);

    assertThat(t.realDelayMillis(Duration.ofMinutes(1))).isEqualTo(1000);
    assertThat(t.realDelayMillis(Duration.ofMillis(1))).isEqualTo(1);
    assertThat(t.realDelayMillis(Duration.ofSeconds(-5))).isEqualTo(1);
    assertThat(TimeSource.system().realDelayMillis(Duration.ofSeconds(2))).isEqualTo(2000);
  }

  @Test
  void rejectsNonsenseScales() {
    assertThatThrownBy(() -> TimeSource.scaled(Instant.EPOCH, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TimeSource.scaled(Instant.EPOCH, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
  }
}
