package org.defenderadx.migration.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.defenderadx.migration.common.model.LoadType;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.Bucket;
import org.junit.jupiter.api.Test;

class SnapshotProgressTest {

  private static final Instant AT = Instant.parse("2026-11-15T06:00:00Z");
  private static final SnapshotFingerprint FP = new SnapshotFingerprint(40, Optional.of(AT.minusSeconds(60)));

  @Test
  void aFreshSnapshotReadsEveryBucketInIndexOrder() {
    SnapshotProgress p = SnapshotProgress.start(AT, 4, FP);

    assertThat(p.remaining()).containsExactly(new Bucket(0, 4), new Bucket(1, 4), new Bucket(2, 4), new Bucket(3, 4));
    assertThat(p.complete()).isFalse();
  }

  @Test
  void resumesAfterTheLastBucketDone() {
    SnapshotProgress p = SnapshotProgress.start(AT, 4, FP).after(new Bucket(1, 4));

    assertThat(p.remaining()).containsExactly(new Bucket(2, 4), new Bucket(3, 4));
  }

  @Test
  void aSplitBucketResumesWithItsOutstandingHalvesFirst() {
    // 1/4 was truncated and read as 1/8 (done) and 5/8; 1/8 itself was split into 1/16 (done) and 9/16.
    SnapshotProgress p = SnapshotProgress.start(AT, 4, FP).after(new Bucket(1, 16));

    assertThat(p.remaining()).containsExactly(new Bucket(9, 16), new Bucket(5, 8), new Bucket(2, 4),
        new Bucket(3, 4));
    assertThat(p.after(new Bucket(9, 16)).remaining()).containsExactly(new Bucket(5, 8), new Bucket(2, 4),
        new Bucket(3, 4));
  }

  @Test
  void theBucketsReadCoverEveryResidueExactlyOnceWhateverIsSplit() {
    // Walk a plan where every bucket with an odd index at depth 8 is split once more.
    SnapshotProgress p = SnapshotProgress.start(AT, 8, FP);
    List<Bucket> read = new ArrayList<>();
    while (!p.complete()) {
      Bucket next = p.remaining().get(0);
      if (next.count() == 8 && next.index() % 2 == 1) {
        next = next.children()[0];
      }
      read.add(next);
      p = p.after(next);
    }
    int[] hits = new int[16];
    for (Bucket b : read) {
      for (int r = 0; r < 16; r++) {
        if (r % b.count() == b.index()) {
          hits[r]++;
        }
      }
    }
    assertThat(hits).containsOnly(1);
    assertThat(read).hasSize(12);
  }

  @Test
  void isCompleteOnlyAfterTheLastBucketInOrder() {
    SnapshotProgress p = SnapshotProgress.start(AT, 2, FP);
    assertThat(p.after(new Bucket(1, 2)).complete()).isTrue();
    assertThat(p.after(new Bucket(1, 4)).complete()).isFalse();
    assertThat(p.after(new Bucket(3, 4)).complete()).isTrue();
    assertThat(SnapshotProgress.start(AT, 1, FP).after(new Bucket(0, 1)).complete()).isTrue();
  }

  @Test
  void encodesAndParsesBack() {
    SnapshotProgress p = SnapshotProgress.start(AT, 8, FP).after(new Bucket(3, 16));
    SnapshotProgress empty = SnapshotProgress.start(AT, 1, new SnapshotFingerprint(0, Optional.empty()));

    assertThat(p.encode()).isEqualTo("snapshot:at=2026-11-15T06:00:00.0000000Z;buckets=8;done=3/16;count=40;"
        + "maxIngestion=2026-11-15T05:59:00.0000000Z");
    assertThat(SnapshotProgress.parse(p.encode())).isEqualTo(p);
    assertThat(SnapshotProgress.parse(empty.encode())).isEqualTo(empty);
    assertThatThrownBy(() -> SnapshotProgress.parse("snapshot:at=x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("snapshot:at=x");
  }

  @Test
  void theConfigurationRowCarriesSnapshotProgressInBucketProgress() {
    MigrationConfigRow row = new MigrationConfigRow("DeviceTvmSoftwareInventory", "DeviceTvmSoftwareInventoryRaw",
        "None", Optional.empty(), LoadType.FULL, true, "", OptionalLong.of(3), Duration.ZERO, "", Optional.empty());
    SnapshotProgress p = SnapshotProgress.start(AT, 8, FP).after(new Bucket(2, 8));

    Map<String, Object> during = row.snapshotCommitRow(Optional.empty(), Optional.of(p), 4);
    MigrationConfigRow read = MigrationConfigRow.fromColumns(during);
    assertThat(during.get("LastRefreshedTime")).isNull();
    assertThat(read.snapshotProgress()).contains(p);
    assertThat(read.bucketProgress()).isEmpty();
    assertThat(read.lastCommittedSnapshot()).isEmpty();

    MigrationConfigRow done = MigrationConfigRow.fromColumns(read.snapshotCommitRow(Optional.of(AT), Optional.empty(),
        5));
    assertThat(done.snapshotProgress()).isEmpty();
    assertThat(done.lastCommittedSnapshot()).contains(AT);
    assertThat(done.version()).hasValue(5);
  }
}
