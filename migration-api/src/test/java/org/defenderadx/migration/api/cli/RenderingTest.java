package org.defenderadx.migration.api.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.defenderadx.migration.api.bus.OpsTime;
import org.junit.jupiter.api.Test;

/** migrationctl's text output and time arguments. */
class RenderingTest {

  @Test
  void columnsAreAlignedToTheWidestCell() {
    String out = new TextTable("A", "LONGER").row("wide cell", 1).row("x", null).render();
    assertThat(out).isEqualTo("A          LONGER\nwide cell  1\nx          -\n");
  }

  @Test
  void progressBarsFillInProportion() {
    assertThat(StatusView.bar(0)).isEqualTo("[" + "-".repeat(24) + "]");
    assertThat(StatusView.bar(0.25)).isEqualTo("[" + "#".repeat(6) + "-".repeat(18) + "]");
    assertThat(StatusView.bar(1.7)).isEqualTo("[" + "#".repeat(24) + "]");
  }

  @Test
  void timesAreInstantsDatesNowOrSpansBack() {
    Instant now = Instant.parse("2026-11-26T12:00:00Z");
    assertThat(OpsTime.parse("2026-11-01T03:00:00Z", now)).isEqualTo(Instant.parse("2026-11-01T03:00:00Z"));
    assertThat(OpsTime.parse("2026-11-01", now)).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
    assertThat(OpsTime.parse("now", now)).isEqualTo(now);
    assertThat(OpsTime.parse("2h", now)).isEqualTo(Instant.parse("2026-11-26T10:00:00Z"));
    assertThat(OpsTime.parse("-7d", now)).isEqualTo(Instant.parse("2026-11-19T12:00:00Z"));
    assertThatThrownBy(() -> OpsTime.parse("yesterday", now)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("yesterday");
    assertThat(OpsTime.span(185)).isEqualTo("3m05s");
    assertThat(OpsTime.span(3900)).isEqualTo("1h05m");
  }

  @Test
  void aConfigurationWithClusteringOffIsNotJoined() throws Exception {
    java.nio.file.Path conf = java.nio.file.Files.createTempFile("application", ".yaml");
    java.nio.file.Files.writeString(conf, "cluster:\n  enabled: true\n  name: prod\n  host: 10.0.0.4\n  port: 5701\n"
        + "  members: [10.0.0.5:5701]\n");
    ClusterTarget t = ClusterTarget.fromConfig(conf);
    assertThat(t.name()).isEqualTo("prod");
    assertThat(t.members()).containsExactly("10.0.0.4:5701", "10.0.0.5:5701");
    java.nio.file.Files.writeString(conf, "cluster:\n  enabled: false\n");
    assertThatThrownBy(() -> ClusterTarget.fromConfig(conf)).hasMessageContaining("cluster.enabled: false");
  }
}
