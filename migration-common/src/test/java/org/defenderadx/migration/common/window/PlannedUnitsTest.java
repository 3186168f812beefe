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
  void mergesSparseHoursUpToTheTargetAndCutsTheHourThatDoesNotFitWhereTheTargetIsReached() {
    Map<Instant, Long> rows = Map.of(h(0), 10L, h(1), 20L, h(2), 30L, h(3), 250L, h(5), 40L);
    List<CellMerger.Unit> units = new CellMerger(hourly, 100).merge(h(0), h(8), rows, 100, 10);

    // 60 rows in the first three hours; 40 more are the first 40/250 of hour 3 (576 s), and so on.
    Instant a = h(3).plusSeconds(576);
    Instant b = h(3).plusSeconds(576 + 1440);
    Instant c = h(3).plusSeconds(576 + 2 * 1440);
    assertThat(windows(units)).containsExactly(Window.of(h(0), a), Window.of(a, b), Window.of(b, c),
        Window.of(c, h(8)));
    assertThat(units).extracting(CellMerger.Unit::estimatedRows).containsExactly(100L, 100L, 100L, 50L);
  }

  @Test
  void aBurstSharingOneInstantIsNeverCutAndStandsAloneWhenLargerThanTheTarget() {
    Instant burst = h(1).plus(Duration.ofMinutes(15));
    Map<Instant, Long> rows = Map.of(h(0), 50L, h(1), 400L);
    Map<Instant, CellMerger.Peak> peaks = Map.of(h(0), new CellMerger.Peak(h(0).plus(Duration.ofMinutes(30)), 30L),
        h(1), new CellMerger.Peak(burst, 250L));

    List<CellMerger.Unit> units = new CellMerger(hourly, 100).merge(h(0), h(2), rows, peaks, 100, 100);

    // Hour 0 (50 rows, 30 of them at one instant) and the first quarter of hour 1's other 150 rows (37) fill the
    // first unit; the burst of 250 rows is one tick of its own; the 113 rows after it fill the rest.
    assertThat(units.get(0)).isEqualTo(new CellMerger.Unit(Window.of(h(0), burst), 87));
    assertThat(units.get(1)).isEqualTo(new CellMerger.Unit(Window.of(burst, burst.plusNanos(100)), 250));
    assertThat(units.subList(2, units.size())).allSatisfy(u -> assertThat(u.estimatedRows()).isLessThanOrEqualTo(100));
    assertThat(units.stream().mapToLong(CellMerger.Unit::estimatedRows).sum()).isEqualTo(450);
    assertThat(units.get(units.size() - 1).window().hi()).isEqualTo(h(2));
    // A peak that fits the target stays inside a unit, whole.
    List<CellMerger.Unit> wide = new CellMerger(hourly, 100).merge(h(0), h(2), rows, peaks, 1000, 100);
    assertThat(wide).containsExactly(new CellMerger.Unit(Window.of(h(0), h(2)), 450));
  }

  @Test
  void everyUnitButTheLastCarriesTheTargetAndTheUnitsCarryEveryCountedRow() {
    java.util.Random random = new java.util.Random(7);
    for (int trial = 0; trial < 200; trial++) {
      Map<Instant, Long> rows = new TreeMap<>();
      long total = 0;
      for (int i = 0; i < 96; i++) {
        long n = random.nextInt(4) == 0 ? 0 : random.nextInt(random.nextBoolean() ? 50 : 3000);
        rows.put(h(i), n);
        total += n;
      }
      long target = 100 + random.nextInt(2000);
      List<CellMerger.Unit> units = new CellMerger(hourly, 1000).merge(h(0), h(96), rows, target, 100_000);
      assertThat(units.get(0).window().lo()).isEqualTo(h(0));
      assertThat(units.get(units.size() - 1).window().hi()).isEqualTo(h(96));
      long sum = 0;
      for (int i = 0; i < units.size(); i++) {
        CellMerger.Unit u = units.get(i);
        sum += u.estimatedRows();
        assertThat(u.estimatedRows()).isLessThanOrEqualTo(target);
        if (i > 0) {
          assertThat(u.window().lo()).isEqualTo(units.get(i - 1).window().hi());
        }
        if (i < units.size() - 1) {
          // Cuts fall on whole seconds: a second of the densest hour holds at most 3000 / 3600 rows.
          assertThat(u.estimatedRows()).isGreaterThanOrEqualTo(target - 1);
        }
      }
      assertThat(sum).isEqualTo(total);
    }
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
    // Resuming at any unit boundary on a bin's edge reproduces the rest of the units (inside a bin, the bin's rows
    // count whole: the safe side).
    for (Window u : all) {
      if (!hourly.cellStart(u.lo()).equals(u.lo())) {
        continue;
      }
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
    // Starting inside a bin: the bin's rows count whole (80), so the unit takes 20 of hour 1's 30 rows.
    Instant mid = T0.plus(Duration.ofMinutes(30));
    Instant cut = h(1).plus(Duration.ofMinutes(40));
    assertThat(windows(new CellMerger(hourly, 3).merge(mid, h(2), Map.of(h(0), 80L, h(1), 30L), 100, 5)))
        .containsExactly(Window.of(mid, cut), Window.of(cut, h(2)));
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
    assertThat(policy.targetRows(OptionalLong.empty())).isEqualTo((long) (50L * 1024 * 1024 / 4096 * 0.9));
    assertThat(policy.targetRows(OptionalLong.of(100))).isEqualTo(90_000);
    assertThat(policy.targetRows(OptionalLong.of(1000), 0.95)).isEqualTo((long) (50L * 1024 * 1024 / 1000 * 0.95));
    assertThat(policy.load(50_000, 10L * 1024 * 1024)).isEqualTo(0.5);
    assertThat(policy.load(1_000, 50L * 1024 * 1024)).isEqualTo(1.0);
    // An instant of 3.6 caps' worth of bytes is read in 4 pages (0.9 each); of 3.9, in 8 (4 would take 0.975 each).
    long rowBytes = 50L * 1024 * 1024 / 10_000;
    assertThat(policy.instantPages(36_000, rowBytes)).isEqualTo(4);
    assertThat(policy.instantPages(39_000, rowBytes)).isEqualTo(8);
    assertThat(policy.instantPages(9_000, rowBytes)).isEqualTo(1);
    // A census row per counting bin, under 90% of the row cap: a 7-minute grid counts by the minute.
    assertThat(MergePolicy.of(1000, 1L << 30).censusCells(new WindowGrid(Duration.ofDays(1)))).isEqualTo(900 / 24);
    assertThat(MergePolicy.of(1000, 1L << 30).censusCells(new WindowGrid(Duration.ofMinutes(7)))).isEqualTo(900 / 7);
  }
}
