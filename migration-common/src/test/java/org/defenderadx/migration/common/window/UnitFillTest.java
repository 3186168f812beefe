package org.defenderadx.migration.common.window;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The share of the effective cap a table's units aim at, learned from its own units. */
class UnitFillTest {

  @Test
  void aimsAtTheInitialShareUntilEnoughUnitsWereFetched() {
    UnitFill fill = UnitFill.NEW;
    for (int i = 0; i < UnitFill.TO_LEARN - 1; i++) {
      fill = fill.fetched(0.85, 0.85);
      assertThat(fill.share()).isEqualTo(UnitFill.INITIAL);
    }
    assertThat(fill.fetched(0.85, 0.85).share()).isEqualTo(UnitFill.MOST);
  }

  @Test
  void countsThatHoldAimCloseToTheCapAndCountsThatGrowKeepTheRoomTheyNeed() {
    UnitFill exact = UnitFill.NEW;
    UnitFill growing = UnitFill.NEW;
    for (int i = 0; i < 20; i++) {
      exact = exact.fetched(0.85, 0.85 * (1 + i % 3 / 100.0));
      growing = growing.fetched(0.85, 0.85 * 1.2);
    }
    assertThat(exact.share()).isBetween(0.93, UnitFill.MOST);
    // Units took up to 20% more than promised: aim at 0.97 / 1.2 of the cap.
    assertThat(growing.share()).isCloseTo(0.97 / 1.2, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void aCutUnitLowersTheShareUntilItAgesOut() {
    UnitFill fill = UnitFill.NEW;
    for (int i = 0; i < 10; i++) {
      fill = fill.fetched(0.9, 0.9);
    }
    assertThat(fill.share()).isEqualTo(UnitFill.MOST);
    fill = fill.cut(0.95);
    assertThat(fill.share()).isLessThan(0.97 * 0.95 / 1.1 + 1e-9);
    for (int i = 0; i < UnitFill.KEPT - 1; i++) {
      fill = fill.fetched(0.8, 0.8);
    }
    assertThat(fill.share()).isLessThan(0.97 * 0.95 / 1.1 + 1e-9);
    for (int i = 0; i < 1; i++) {
      fill = fill.fetched(0.8, 0.8);
    }
    assertThat(fill.share()).isEqualTo(UnitFill.MOST);
    assertThat(fill.overshoots()).hasSize(UnitFill.KEPT);
  }

  @Test
  void neverAimsBelowTheLeastShareNorLearnsFromNonsense() {
    UnitFill fill = UnitFill.NEW;
    for (int i = 0; i < 10; i++) {
      fill = fill.cut(0.1);
    }
    assertThat(fill.share()).isEqualTo(UnitFill.LEAST);
    assertThat(UnitFill.NEW.fetched(0, 1)).isEqualTo(UnitFill.NEW);
    assertThat(UnitFill.NEW.fetched(Double.NaN, 1)).isEqualTo(UnitFill.NEW);
    assertThat(UnitFill.NEW.cut(-1)).isEqualTo(UnitFill.NEW);
  }
}
