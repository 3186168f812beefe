package org.defenderadx.migration.common.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.defenderadx.migration.common.model.SnapshotFingerprint;
import org.defenderadx.migration.common.window.Bucket;
import org.defenderadx.migration.common.window.SnapshotPaging;
import org.junit.jupiter.api.Test;

class HourlyCountCheckTest {
  private static final Instant H0 = Instant.parse("2026-11-01T00:00:00Z");
  private static final Instant H1 = Instant.parse("2026-11-01T01:00:00Z");
  private static final Instant H2 = Instant.parse("2026-11-01T02:00:00Z");

  @Test
  void reportsMissingAndDuplicatedHoursOldestFirst() {
    var mismatches = HourlyCountCheck.compare(Map.of(H0, 10L, H1, 5L, H2, 7L), Map.of(H0, 10L, H1, 6L));
    assertThat(mismatches).containsExactly(
        new HourlyCountCheck.Mismatch(H1, 5, 6), new HourlyCountCheck.Mismatch(H2, 7, 0));
    assertThat(mismatches.get(0).duplicated()).isEqualTo(1);
    assertThat(mismatches.get(1).missing()).isEqualTo(7);
  }

  @Test
  void exactCopyHasNoMismatch() {
    assertThat(HourlyCountCheck.compare(Map.of(H0, 3L), Map.of(H0, 3L))).isEmpty();
  }

  @Test
  void fingerprintDiffersWhenCountOrNewestIngestionChanges() {
    SnapshotFingerprint a = new SnapshotFingerprint(10, Optional.of(H0));
    assertThat(a.differsFrom(Optional.empty())).isTrue();
    assertThat(a.differsFrom(Optional.of(new SnapshotFingerprint(10, Optional.of(H0))))).isFalse();
    assertThat(a.differsFrom(Optional.of(new SnapshotFingerprint(10, Optional.of(H1))))).isTrue();
    assertThat(a.differsFrom(Optional.of(new SnapshotFingerprint(11, Optional.of(H0))))).isTrue();
  }

  @Test
  void snapshotBucketsAreListedInReadingOrder() {
    assertThat(SnapshotPaging.buckets(4)).containsExactly(new Bucket(0, 4), new Bucket(1, 4), new Bucket(2, 4),
        new Bucket(3, 4));
  }
}
