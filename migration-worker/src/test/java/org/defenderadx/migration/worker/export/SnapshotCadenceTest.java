package org.defenderadx.migration.worker.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.defenderadx.migration.common.model.LoadType;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.SnapshotFingerprint;
import org.defenderadx.migration.common.model.SnapshotProgress;
import org.junit.jupiter.api.Test;

/** When a snapshot table is due again: the cadence counts from the stamp of its last committed snapshot. */
class SnapshotCadenceTest {

  private static final Instant LAST = Instant.parse("2026-11-14T06:00:00Z");
  private final SnapshotExporter exporter = new SnapshotExporter(null, null, null, null,
      new SnapshotExporter.Options("n", Duration.ofDays(1), 100_000, 50L << 20, 2048, 0.5, 3));

  @Test
  void aCommittedSnapshotIsRetakenOnceItIsACadenceOld() {
    MigrationConfigRow row = row(Optional.of(LAST), OptionalLong.of(4), Optional.empty());

    assertThat(exporter.isDue(row, LAST.plus(Duration.ofDays(1)).minusSeconds(1))).isFalse();
    assertThat(exporter.isDue(row, LAST.plus(Duration.ofDays(1)))).isTrue();
  }

  @Test
  void aTableNeverSnapshottedOrWithASnapshotUnderWayIsDueAtOnce() {
    SnapshotProgress underWay = SnapshotProgress.start(LAST.plusSeconds(60), 4,
        new SnapshotFingerprint(10, Optional.of(LAST)));

    assertThat(exporter.isDue(row(Optional.empty(), OptionalLong.of(1), Optional.empty()), LAST)).isTrue();
    assertThat(exporter.isDue(row(Optional.of(LAST), OptionalLong.of(5), Optional.of(underWay)), LAST)).isTrue();
  }

  @Test
  void theOriginalScriptsWatermarkIsNotASnapshotOfOurs() {
    // Rows of the original script (no Version) carry a watermark, but no stamped snapshot exists yet.
    assertThat(exporter.isDue(row(Optional.of(LAST), OptionalLong.empty(), Optional.empty()), LAST)).isTrue();
  }

  private static MigrationConfigRow row(Optional<Instant> last, OptionalLong version,
                                        Optional<SnapshotProgress> underWay) {
    return new MigrationConfigRow("DeviceTvmSoftwareInventory", "DeviceTvmSoftwareInventoryRaw", "None", last,
        LoadType.FULL, true, "", version, Duration.ZERO, "", Optional.empty(), underWay);
  }
}
