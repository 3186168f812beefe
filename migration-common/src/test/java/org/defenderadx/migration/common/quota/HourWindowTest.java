package org.defenderadx.migration.common.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class HourWindowTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  private static final long S0 = HourWindow.slotOf(T0);

  private static HourWindow calls(HourWindow w, long slot, int n) {
    for (int i = 0; i < n; i++) {
      w = w.plusCall(slot);
    }
    return w;
  }

  @Test
  void aSlotIsTheMinuteOfTheEpochHoldingTheInstant() {
    assertThat(HourWindow.slotOf(T0.plusSeconds(59).plusNanos(999_999_999))).isEqualTo(S0);
    assertThat(HourWindow.slotOf(T0.plusSeconds(60))).isEqualTo(S0 + 1);
    assertThat(HourWindow.slotOf(Instant.EPOCH.minusNanos(1))).isEqualTo(-1);
    assertThat(HourWindow.startOf(S0 + 1)).isEqualTo(T0.plusSeconds(60));
  }

  @Test
  void countsTheNewestSlotAndTheSixtyBeforeIt() {
    HourWindow w = calls(calls(HourWindow.empty(S0), S0, 3), S0 + 10, 2);

    assertThat(w.calls()).isEqualTo(5);
    assertThat(w.at(S0 + 60).calls()).as("slot S0 is the oldest of 61").isEqualTo(5);
    assertThat(w.at(S0 + 61).calls()).as("slot S0 dropped out").isEqualTo(2);
    assertThat(w.at(S0 + 71).calls()).isZero();
    assertThat(w.at(S0 + 1_000_000).calls()).isZero();
    assertThat(w.at(S0 + 61).newestSlot()).isEqualTo(S0 + 61);
  }

  @Test
  void aClockSteppingBackNeitherMovesTheWindowBackNorLosesACall() {
    HourWindow w = calls(HourWindow.empty(S0 + 5), S0 + 5, 1);

    assertThat(w.at(S0)).isSameAs(w);
    HourWindow more = w.plusCall(S0);
    assertThat(more.newestSlot()).isEqualTo(S0 + 5);
    assertThat(more.calls()).isEqualTo(2);
  }

  @Test
  void thereIsRoomNowWhileTheCountStaysBelowTheLimit() {
    HourWindow w = calls(HourWindow.empty(S0), S0, 9);

    assertThat(w.firstSlotWithRoom(S0, 10)).isEqualTo(S0);
    assertThat(w.firstSlotWithRoom(S0 + 30, 10)).isEqualTo(S0 + 30);
  }

  @Test
  void aFullWindowHasRoomWhenItsOldestCountedSlotDropsOut() {
    HourWindow w = calls(calls(calls(HourWindow.empty(S0), S0 + 2, 4), S0 + 7, 3), S0 + 40, 3);

    assertThat(w.firstSlotWithRoom(S0 + 40, 10)).isEqualTo(S0 + 2 + 61);
    assertThat(w.firstSlotWithRoom(S0 + 62, 10)).isEqualTo(S0 + 63);
    assertThat(w.firstSlotWithRoom(S0 + 63, 10)).isEqualTo(S0 + 63);
  }

  @Test
  void anOverfullWindowWaitsForAsManySlotsAsItNeedsToDropOut() {
    // Ten calls counted under a limit since lowered to 6: the two oldest slots (4 + 3) must go.
    HourWindow w = calls(calls(calls(HourWindow.empty(S0), S0 + 2, 4), S0 + 7, 3), S0 + 40, 3);

    assertThat(w.firstSlotWithRoom(S0 + 40, 6)).isEqualTo(S0 + 7 + 61);
    assertThat(w.firstSlotWithRoom(S0 + 40, 1)).isEqualTo(S0 + 40 + 61);
  }

  @Test
  void cappingASlotAtTheLimitChangesNoWait() {
    HourWindow w = calls(calls(HourWindow.empty(S0), S0, 50), S0 + 3, 2);
    HourWindow capped = w.cappedAt(20);

    assertThat(capped.busiestSlot()).isEqualTo(20);
    assertThat(capped.firstSlotWithRoom(S0 + 3, 20)).isEqualTo(w.firstSlotWithRoom(S0 + 3, 20)).isEqualTo(S0 + 61);
    assertThat(w.cappedAt(50)).isSameAs(w);
  }

  @Test
  void isAnImmutableValue() {
    int[] counts = new int[HourWindow.SLOTS];
    counts[HourWindow.SLOTS - 1] = 7;
    HourWindow w = HourWindow.of(S0, counts);
    counts[0] = 99;
    w.counts()[1] = 99;

    assertThat(w.calls()).isEqualTo(7);
    assertThat(w).isEqualTo(calls(HourWindow.empty(S0), S0, 7)).hasSameHashCodeAs(calls(HourWindow.empty(S0), S0, 7));
    assertThat(w).isNotEqualTo(calls(HourWindow.empty(S0 + 1), S0 + 1, 7));
    assertThat(w.counts()[HourWindow.SLOTS - 1]).isEqualTo(7);
  }

  @Test
  void rejectsPartsNoClockCouldHaveCounted() {
    assertThatThrownBy(() -> HourWindow.of(S0, new int[60])).hasMessageContaining("61");
    assertThatThrownBy(() -> HourWindow.of(S0, new int[62])).hasMessageContaining("61");
    int[] negative = new int[HourWindow.SLOTS];
    negative[3] = -1;
    assertThatThrownBy(() -> HourWindow.of(S0, negative)).hasMessageContaining("-1");
    assertThatThrownBy(() -> HourWindow.of(Long.MAX_VALUE, new int[HourWindow.SLOTS])).hasMessageContaining("slot");
    assertThatThrownBy(() -> HourWindow.of(Long.MIN_VALUE, new int[HourWindow.SLOTS])).hasMessageContaining("slot");
  }

  @Test
  void noneKeepsNoSlotsAndCountsNoCall() {
    assertThat(HourWindow.NONE.kept()).isFalse();
    assertThat(HourWindow.NONE.counts()).isEmpty();
    assertThat(HourWindow.NONE.at(S0)).isSameAs(HourWindow.NONE);
    assertThat(HourWindow.NONE.firstSlotWithRoom(S0, 1)).isEqualTo(S0);
    assertThatThrownBy(() -> HourWindow.NONE.plusCall(S0)).isInstanceOf(IllegalStateException.class);
  }
}
