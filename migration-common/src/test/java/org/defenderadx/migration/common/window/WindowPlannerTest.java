package org.defenderadx.migration.common.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.defenderadx.migration.common.kql.KustoTime;
import org.junit.jupiter.api.Test;

class WindowPlannerTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  private final WindowPlanner hourly = new WindowPlanner(new WindowGrid(Duration.ofHours(1)));
  private final WindowPlanner eightTicks = new WindowPlanner(new WindowGrid(Duration.ofNanos(800)));

  private static Instant tick(long n) {
    return KustoTime.fromTicks(n);
  }

  @Test
  void plansWholeClosedCellsInOrderFromTheWatermark() {
    WindowPlan plan = hourly.plan(Optional.of(WindowProgress.at(T0)), T0.minus(Duration.ofDays(30)),
        T0.plus(Duration.ofMinutes(200)), 10);

    assertThat(plan.windows()).containsExactly(
        Window.of(T0, T0.plus(Duration.ofHours(1))),
        Window.of(T0.plus(Duration.ofHours(1)), T0.plus(Duration.ofHours(2))),
        Window.of(T0.plus(Duration.ofHours(2)), T0.plus(Duration.ofHours(3))));
    assertThat(plan.caughtUp()).isTrue();
    assertThat(plan.unreachable()).isEmpty();
  }

  @Test
  void doesNotPlanAPartialCellUntilItCloses() {
    Optional<WindowProgress> progress = Optional.of(WindowProgress.at(T0));
    Instant horizon = T0.minus(Duration.ofDays(30));

    assertThat(hourly.plan(progress, horizon, T0.plus(Duration.ofMinutes(59)), 10).windows()).isEmpty();
    assertThat(hourly.plan(progress, horizon, T0.plus(Duration.ofMinutes(60)), 10).windows())
        .containsExactly(Window.of(T0, T0.plus(Duration.ofHours(1))));
  }

  @Test
  void cutsThePlanAtMaxWindowsAndSaysSo() {
    WindowPlan plan = hourly.plan(Optional.of(WindowProgress.at(T0)), T0, T0.plus(Duration.ofDays(1)), 5);
    assertThat(plan.windows()).hasSize(5);
    assertThat(plan.caughtUp()).isFalse();
  }

  @Test
  void neverLoadedTableStartsAtTheCellHoldingTheHorizonStart() {
    Instant horizon = T0.plus(Duration.ofMinutes(17));
    WindowPlan plan = hourly.plan(Optional.empty(), horizon, T0.plus(Duration.ofHours(2)), 10);

    assertThat(plan.windows()).first().isEqualTo(Window.of(T0, T0.plus(Duration.ofHours(1))));
    assertThat(plan.unreachable()).isEmpty();
  }

  @Test
  void watermarkBehindTheHorizonReportsTheUnreachableGap() {
    Instant stale = T0.minus(Duration.ofDays(40)).plusNanos(1234500);
    Instant horizon = T0.plus(Duration.ofMinutes(5));
    WindowPlan plan = hourly.plan(Optional.of(WindowProgress.at(stale)), horizon, T0.plus(Duration.ofHours(1)), 10);

    assertThat(plan.unreachable()).contains(new WindowPlan.Gap(stale, T0));
    assertThat(plan.windows()).containsExactly(Window.of(T0, T0.plus(Duration.ofHours(1))));
  }

  @Test
  void offGridWatermarkResumesWithTheTreeNodesTilingTheRestOfItsCell() {
    WindowPlan plan = eightTicks.plan(Optional.of(WindowProgress.at(tick(3))), tick(0), tick(16), 10);

    assertThat(plan.windows()).containsExactly(
        Window.of(tick(3), tick(4)), Window.of(tick(4), tick(8)), Window.of(tick(8), tick(16)));
  }

  @Test
  void resumesTheRemainingBucketsOfAnInstantBeforeMovingOn() {
    WindowProgress progress = new WindowProgress(tick(5), Optional.of(new Bucket(1, 4)));
    WindowPlan plan = eightTicks.plan(Optional.of(progress), tick(0), tick(8), 10);

    assertThat(plan.windows()).containsExactly(
        new Window(tick(5), tick(6), new Bucket(3, 4)), Window.of(tick(6), tick(8)));
  }

  @Test
  void remainingBucketsAreTheRightSiblingsUpThePath() {
    assertThat(WindowPlanner.remainingBuckets(new Bucket(0, 8)))
        .containsExactly(new Bucket(4, 8), new Bucket(2, 4), new Bucket(1, 2));
    assertThat(WindowPlanner.remainingBuckets(new Bucket(0, 2))).containsExactly(new Bucket(1, 2));
    assertThat(WindowPlanner.remainingBuckets(new Bucket(3, 4))).isEmpty();
  }

  @Test
  void commitOfTheLastBucketOfAnInstantAdvancesTheWatermarkPastIt() {
    assertThat(WindowProgress.after(new Window(tick(5), tick(6), new Bucket(3, 4))))
        .isEqualTo(WindowProgress.at(tick(6)));
    assertThat(WindowProgress.after(new Window(tick(5), tick(6), new Bucket(2, 4))))
        .isEqualTo(new WindowProgress(tick(5), Optional.of(new Bucket(2, 4))));
    assertThat(WindowProgress.after(Window.of(tick(2), tick(4)))).isEqualTo(WindowProgress.at(tick(4)));
  }

  @Test
  void closePointIsTheEarlierClockMinusTheLags() {
    Instant local = T0.plusSeconds(100);
    Instant service = T0.plusSeconds(40);
    assertThat(WindowPlanner.closePoint(local, Optional.of(service), Duration.ofSeconds(30), Duration.ZERO))
        .isEqualTo(T0.plusSeconds(10));
    assertThat(WindowPlanner.closePoint(local, Optional.empty(), Duration.ofSeconds(30), Duration.ofSeconds(60)))
        .isEqualTo(T0.plusSeconds(10));
    assertThat(WindowPlanner.closePoint(local.plusNanos(99), Optional.empty(), Duration.ZERO, Duration.ZERO))
        .isEqualTo(local);
  }

  @Test
  void horizonStartIsNowMinusLookbackPlusMargin() {
    assertThat(WindowPlanner.horizonStart(T0, Duration.ofDays(30), Duration.ofHours(2)))
        .isEqualTo(T0.minus(Duration.ofDays(30)).plus(Duration.ofHours(2)));
  }

  @Test
  void gridRejectsWidthsThatAreNotWholeTicks() {
    assertThatThrownBy(() -> new WindowGrid(Duration.ofNanos(150))).hasMessageContaining("ticks");
    assertThatThrownBy(() -> new WindowGrid(Duration.ZERO)).hasMessageContaining("positive");
  }

  @Test
  void gridTreeNodesAreRecognised() {
    WindowGrid grid = new WindowGrid(Duration.ofNanos(800));
    assertThat(grid.isTreeNode(tick(8), tick(16))).isTrue();
    assertThat(grid.isTreeNode(tick(12), tick(14))).isTrue();
    assertThat(grid.isTreeNode(tick(13), tick(14))).isTrue();
    assertThat(grid.isTreeNode(tick(12), tick(15))).isFalse();
    assertThat(grid.isTreeNode(tick(4), tick(12))).isFalse();
    assertThat(List.of(grid.cellStart(tick(13)), grid.cellEnd(tick(13)))).containsExactly(tick(8), tick(16));
    assertThat(grid.cellStart(tick(-1))).isEqualTo(tick(-8));
  }

  @Test
  void scheduleDerivesHorizonAndClosePoint() {
    WindowSchedule schedule = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5));
    assertThat(schedule.horizonStart(T0)).isEqualTo(T0.minus(Duration.ofDays(30)).plus(Duration.ofHours(1)));
    assertThat(schedule.closePoint(T0, Optional.empty(), Duration.ZERO)).isEqualTo(T0.minus(Duration.ofMinutes(5)));
    assertThatThrownBy(() -> new WindowSchedule(Duration.ofHours(1), Duration.ofHours(2), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
