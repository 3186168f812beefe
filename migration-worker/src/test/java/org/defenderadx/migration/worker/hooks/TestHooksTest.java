package org.defenderadx.migration.worker.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.defenderadx.migration.common.time.TimeSource;
import org.junit.jupiter.api.Test;

/** The test hooks: unset they change nothing; set they parse, and a malformed value fails naming the property. */
class TestHooksTest {

  @Test
  void unsetHooksChangeNothing() {
    assertThat(TestHooks.clock("")).isEmpty();
    assertThat(TestHooks.crashAt("")).isEmpty();
  }

  @Test
  void theClockHookStartsAtTheInstantOnTheScale() {
    TimeSource time = TestHooks.clock("2026-11-01T00:00:00Z@60").orElseThrow();

    assertThat(time.scale()).isEqualTo(60.0);
    assertThat(time.now()).isBetween(Instant.parse("2026-11-01T00:00:00Z"),
        Instant.parse("2026-11-01T00:00:00Z").plus(Duration.ofHours(1)));
  }

  @Test
  void theCrashHookNamesAPointAndItsOccurrence() {
    assertThat(TestHooks.crashAt("after-send:2")).contains(new TestHooks.CrashAt("after-send", 2));
  }

  @Test
  void malformedHooksFailNamingTheProperty() {
    assertThatThrownBy(() -> TestHooks.clock("2026-11-01T00:00:00Z"))
        .hasMessageContaining("-Dmigration.clock=2026-11-01T00:00:00Z").hasMessageContaining("<ISO instant>@<scale>");
    assertThatThrownBy(() -> TestHooks.clock("2026-11-01T00:00:00Z@0")).hasMessageContaining("positive scale");
    assertThatThrownBy(() -> TestHooks.crashAt("after-send")).hasMessageContaining("-Dmigration.test.crashAt");
    assertThatThrownBy(() -> TestHooks.crashAt("after-send:0")).hasMessageContaining("<point>:<n>");
  }
}
