package org.defenderadx.migration.common.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ResultCompletenessTest {

  @Test
  void fewerRowsThanTheWindowTotalMeansTruncated() {
    assertThat(ResultCompleteness.of(100_000, OptionalLong.of(150_000))).isEqualTo(ResultCompleteness.TRUNCATED);
    assertThat(ResultCompleteness.of(41_000, OptionalLong.of(41_001))).isEqualTo(ResultCompleteness.TRUNCATED);
  }

  @Test
  void exactlyTheTotalIsCompleteEvenAtTheRowCap() {
    assertThat(ResultCompleteness.of(100_000, OptionalLong.of(100_000))).isEqualTo(ResultCompleteness.COMPLETE);
    assertThat(ResultCompleteness.of(0, OptionalLong.empty())).isEqualTo(ResultCompleteness.COMPLETE);
  }

  @Test
  void moreRowsThanCountedOrRowsWithoutTotalAreInconsistent() {
    assertThat(ResultCompleteness.of(11, OptionalLong.of(10))).isEqualTo(ResultCompleteness.INCONSISTENT);
    assertThat(ResultCompleteness.of(5, OptionalLong.empty())).isEqualTo(ResultCompleteness.INCONSISTENT);
  }

  @Test
  void totalIsReadFromTheRowsAndMustAgree() {
    assertThat(ResultCompleteness.totalOf(Arrays.asList(7L, 7L, null, 7))).isEqualTo(OptionalLong.of(7));
    assertThat(ResultCompleteness.totalOf(Arrays.asList())).isEmpty();
    assertThatThrownBy(() -> ResultCompleteness.totalOf(Arrays.asList(7L, 8L))).hasMessageContaining("disagree");
  }
}
