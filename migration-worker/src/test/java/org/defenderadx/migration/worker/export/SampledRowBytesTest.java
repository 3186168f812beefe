package org.defenderadx.migration.worker.export;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The census's sampled row size comes from an untrusted answer: only a believable number sizes units. */
class SampledRowBytesTest {

  @Test
  void anAverageLengthIsARowsBytesWithTheCommaBetweenRows() {
    assertThat(HourlyCounts.sampledRowBytes(2116.4)).hasValue(2117);
    assertThat(HourlyCounts.sampledRowBytes(410L)).hasValue(411);
  }

  @Test
  void aMissingOrUnbelievableValueIsNoSize() {
    assertThat(HourlyCounts.sampledRowBytes(null)).isEmpty();
    assertThat(HourlyCounts.sampledRowBytes("2117")).isEmpty();
    assertThat(HourlyCounts.sampledRowBytes(Double.NaN)).isEmpty();
    assertThat(HourlyCounts.sampledRowBytes(Double.POSITIVE_INFINITY)).isEmpty();
    assertThat(HourlyCounts.sampledRowBytes(0.4)).isEmpty();
    assertThat(HourlyCounts.sampledRowBytes(-5)).isEmpty();
    assertThat(HourlyCounts.sampledRowBytes((double) HourlyCounts.MAX_SAMPLED_ROW_BYTES + 1)).isEmpty();
  }
}
