package org.defenderadx.migration.common.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Merging cells into units, recording them, and planning inside them. */
class PlannedUnitsTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  private static final Duration H = Duration.ofHours(1);
  private final WindowGrid hourly = new WindowGrid(H);
  private final WindowPlanner planner = new WindowPlanner(hourly);
  private final WindowSplitter splitter = new WindowSplitter(hourly);

  private static Instant h(long n) {
    return T0.plus(H.multipliedBy(n));
  }

  private static List<Window> windows(List<CellMerger.Unit> units) {
    return units.stream().map(CellMerger.Unit::window).toList();
  }

  @Test
  void mergesSparseHoursUpToTheTargetAndCutsADenseHourIntoEqualParts() {
    Map<Instant, Long> rows = Map.of(h(0), 10L, h(1), 20L, h(2), 30L, h(3), 250L, h(5), 40L);
    List<CellMerger.Unit> units = new CellMerger(hourly, 100).merge(h(0), h(8), rows, 100, 10);

    Instant third = T0.plus(Duration.ofMinutes(200));
    Instant twoThirds = T0.plus(Duration.ofMinutes(220));
    assertThat(windows(units)).containsExactly(Window.of(h(0), h(3)), Window.of(h(3), third),
        Window.of(third, twoThirds), Window.of(twoThirds, h(5)), Window.of(h(5), h(8)));
    assertThat(units).extracting(CellMerger.Unit::estimatedRows).containsExactly(60L, 84L, 84L, 84L, 40L);
  }

  @Test
  void onADailyGridCountsByTheHour() {
    WindowGrid daily = new WindowGrid(Duration.ofDays(1));
    Map<Instant, Long> rows = new TreeMap<>();
    for (int i = 0; i < 72; i++) {
      rows.put(h(i), 10L);
    }
    List<CellMerger.Unit> units = new CellMerger(daily, 100).merge(h(0), h(72), rows, 250, 10);
    assertThat(windows(units)).containsExactly(Window.of(h(0), h(25)), Window.of(h(25), h(50)),
        Window.of(h(50), h(72)));
  }

  @Test
  void mergingDependsOnlyOnTheStartAndTheCounts() {
    Map<Instant, Long> rows = new TreeMap<>();
    for (int i = 0; i < 48; i++) {
      rows.put(h(i), (long) (i * 37 % 50) * (i % 7 == 0 ? 9 : 1));
    }
    CellMerger merger = new CellMerger(hourly, 100);
    List<Window> all = windows(merger.merge(h(0), h(48), rows, 120, 1000));
    // Resuming at any unit boundary reproduces the rest of the units.
    for (Window u : all) {
      List<Window> rest = windows(merger.merge(u.lo(), h(48), rows, 120, 1000));
      assertThat(rest).isEqualTo(all.subList(all.indexOf(u), all.size()));
    }
    for (int i = 1; i < all.size(); i++) {
      assertThat(all.get(i).lo()).isEqualTo(all.get(i - 1).hi());
    }
    assertThat(all.get(all.size() - 1).hi()).isEqualTo(h(48));
  }

  @Test
  void boundsUnitsByWidthAndCount() {
    List<Window> units = windows(new CellMerger(hourly, 3).merge(h(0), h(10), Map.of(), 100, 2));
    assertThat(units).containsExactly(Window.of(h(0), h(3)), Window.of(h(3), h(6)));
    // Starting inside a bin: the bin's rows count whole.
    Instant mid = T0.plus(Duration.ofMinutes(30));
    assertThat(windows(new CellMerger(hourly, 3).merge(mid, h(2), Map.of(h(0), 80L, h(1), 30L), 100, 5)))
        .containsExactly(Window.of(mid, h(1)), Window.of(h(1), h(2)));
  }

  @Test
  void splitsAUnitOfSeveralCellsAtACellBoundaryAndACellAtItsTickMidpoint() {
    assertThat(splitter.split(Window.of(h(0), h(5)))).containsExactly(Window.of(h(0), h(2)), Window.of(h(2), h(5)));
    assertThat(splitter.split(Window.of(h(0), h(1))))
        .containsExactly(Window.of(h(0), T0.plus(Duration.ofMinutes(30))), Window.of(T0.plus(Duration.ofMinutes(30)), h(1)));
    // Without a grid every window halves at its tick midpoint, as before units existed.
    assertThat(new WindowSplitter().split(Window.of(h(0), h(5))).get(0).hi()).isEqualTo(T0.plus(Duration.ofMinutes(150)));
  }

  @Test
  void largestNodeOfAUnitStartingAtAPointWalksTheSplitTree() {
    Window unit = Window.of(h(0), h(5));
    assertThat(splitter.largestNodeStartingAt(unit, h(0))).isEqualTo(unit);
    assertThat(splitter.largestNodeStartingAt(unit, h(2))).isEqualTo(Window.of(h(2), h(5)));
    assertThat(splitter.largestNodeStartingAt(unit, h(1))).isEqualTo(Window.of(h(1), h(2)));
    assertThat(splitter.largestNodeStartingAt(unit, h(3))).isEqualTo(Window.of(h(3), h(5)));
    // For a single cell it is the grid's own tree.
    Instant mid = T0.plus(Duration.ofMinutes(30));
    assertThat(splitter.largestNodeStartingAt(Window.of(h(0), h(1)), mid)).isEqualTo(hourly.largestWindowStartingAt(mid));
    assertThatThrownBy(() -> splitter.largestNodeStartingAt(unit, h(5))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void plansRecordedUnitsAndStopsAtFreshGroundAskingForUnits() {
    PlannedUnits units = new PlannedUnits(List.of(Window.of(h(0), h(4)), Window.of(h(4), h(5))), Optional.of(h(0)));

    WindowPlan plan = planner.plan(Optional.of(WindowProgress.at(h(0))), h(-100), h(20), 10, units);

    assertThat(plan.windows()).containsExactly(Window.of(h(0), h(4)), Window.of(h(4), h(5)));
    assertThat(plan.needsUnitsAt()).contains(h(5));
    assertThat(plan.caughtUp()).isFalse();
  }

  @Test
  void resumesInsideAUnitWithTheNodesTheInterruptedRunWouldHaveFetched() {
    Window unit = Window.of(h(0), h(6));
    PlannedUnits units = new PlannedUnits(List.of(unit), Optional.of(h(0)));
    // The unit was cut at the row cap: its halves [0, 3) and [3, 6); [0, 3) split again into [0, 1) and [1, 3).
    List<Window> first = splitter.split(unit);
    List<Window> second = splitter.split(first.get(0));
    Instant committed = second.get(0).hi();

    WindowPlan plan = planner.plan(Optional.of(WindowProgress.at(committed)), h(-100), h(20), 10, units);

    assertThat(plan.windows()).containsExactly(second.get(1), first.get(1));
    assertThat(plan.needsUnitsAt()).contains(h(6));
  }

  @Test
  void beforeFreshGroundPlansPlainCellsAsExportsBeforeUnitsDid() {
    PlannedUnits units = new PlannedUnits(List.of(Window.of(h(3), h(8))), Optional.of(h(10)));

    WindowPlan plan = planner.plan(Optional.of(WindowProgress.at(h(0))), h(-100), h(20), 20, units);

    assertThat(plan.windows()).containsExactly(Window.of(h(0), h(1)), Window.of(h(1), h(2)), Window.of(h(2), h(3)),
        Window.of(h(3), h(8)), Window.of(h(8), h(9)), Window.of(h(9), h(10)));
    assertThat(plan.needsUnitsAt()).contains(h(10));
  }

  @Test
  void neverAsksForUnitsBeforeTheCellCloses() {
    PlannedUnits units = new PlannedUnits(List.of(), Optional.of(h(0)));
    WindowPlan plan = planner.plan(Optional.of(WindowProgress.at(h(0))), h(-100), h(0).plus(Duration.ofMinutes(59)),
        10, units);
    assertThat(plan.windows()).isEmpty();
    assertThat(plan.needsUnitsAt()).isEmpty();
    assertThat(plan.caughtUp()).isTrue();
  }

  @Test
  void withoutRecordsPlansPlainCellsEverywhere() {
    WindowPlan plan = planner.plan(Optional.of(WindowProgress.at(h(0))), h(-100), h(3), 10, PlannedUnits.NONE);
    assertThat(plan.windows()).hasSize(3);
    assertThat(plan.needsUnitsAt()).isEmpty();
    assertThat(plan.caughtUp()).isTrue();
  }

  @Test
  void theNewestRecordWinsWhereRecordsOverlap() {
    List<PlannedUnits.Recorded> records = new ArrayList<>();
    records.add(new PlannedUnits.Recorded(Window.of(h(0), h(6)), T0));
    records.add(new PlannedUnits.Recorded(Window.of(h(6), h(9)), T0));
    records.add(new PlannedUnits.Recorded(Window.of(h(2), h(4)), T0.plusSeconds(60)));

    PlannedUnits units = PlannedUnits.resolve(records, Optional.empty());

    assertThat(units.units()).containsExactly(Window.of(h(2), h(4)), Window.of(h(6), h(9)));
    assertThat(units.containing(h(1))).isEmpty();
    assertThat(units.nextStartAfter(h(4))).contains(h(6));
    assertThatThrownBy(() -> units.with(List.of(Window.of(h(3), h(5))))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void countingBinsLieOnTheGrid() {
    assertThat(hourly.countingBin()).isEqualTo(H);
    assertThat(new WindowGrid(Duration.ofDays(1)).countingBin()).isEqualTo(H);
    assertThat(new WindowGrid(Duration.ofMinutes(7)).countingBin()).isEqualTo(Duration.ofMinutes(1));
    assertThat(new WindowGrid(Duration.ofMinutes(90)).countingBin()).isEqualTo(Duration.ofMinutes(30));
    assertThat(new WindowGrid(Duration.ofDays(2)).binsPerCell()).isEqualTo(48);
  }

  @Test
  void targetsTheEffectiveCapMeasuredOrAssumed() {
    MergePolicy policy = MergePolicy.of(100_000, 50L * 1024 * 1024);
    assertThat(policy.targetRows(OptionalLong.empty())).isEqualTo((long) (50L * 1024 * 1024 / 4096 * 0.8));
    assertThat(policy.targetRows(OptionalLong.of(100))).isEqualTo(80_000);
    // A census row per counting bin, under 90% of the row cap: a 7-minute grid counts by the minute.
    assertThat(MergePolicy.of(1000, 1L << 30).censusCells(new WindowGrid(Duration.ofDays(1)))).isEqualTo(900 / 24);
    assertThat(MergePolicy.of(1000, 1L << 30).censusCells(new WindowGrid(Duration.ofMinutes(7)))).isEqualTo(900 / 7);
  }
}
