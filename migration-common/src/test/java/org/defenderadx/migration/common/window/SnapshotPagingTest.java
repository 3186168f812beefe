package org.defenderadx.migration.common.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SnapshotPagingTest {

  @ParameterizedTest
  @CsvSource({"0, 50000, 1", "1, 50000, 1", "50000, 50000, 1", "50001, 50000, 2", "100000, 50000, 2",
      "100001, 50000, 4", "272388, 50000, 8", "65536, 1, 65536", "40000, 1, 65536"})
  void bucketCountIsTheNextPowerOfTwoOfTheCallsNeeded(long rows, long target, int expected) {
    assertThat(SnapshotPaging.bucketCount(rows, target)).isEqualTo(expected);
  }

  @Test
  void targetUsesTheSmallerOfRowAndByteCapsWithTheMargin() {
    // 50 MB / 2 KB rows = 26214 rows, below the 100k row cap; half of it as margin.
    assertThat(SnapshotPaging.targetRowsPerCall(100_000, 52_428_800, 2_000, 0.5)).isEqualTo(13_107);
    assertThat(SnapshotPaging.targetRowsPerCall(100_000, 52_428_800, 100, 0.8)).isEqualTo(80_000);
    assertThat(SnapshotPaging.bucketCount(272_388, 100_000, 52_428_800, 2_000, 0.5)).isEqualTo(32);
  }

  @Test
  void rejectsNonsenseInputs() {
    assertThatThrownBy(() -> SnapshotPaging.targetRowsPerCall(100, 100, 0, 0.5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SnapshotPaging.targetRowsPerCall(100, 100, 1, 1.5))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
