package org.defenderadx.migration.common.window;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.defenderadx.migration.common.kql.KustoTime;
import org.junit.jupiter.api.Test;

/**
 * Drives planner and splitter against random data the way the migrator does: take the next window, split it
 * while it holds more rows than the cap, else commit it. Rows are placed at random ticks with heavy instants
 * (many rows sharing one tick) and each row has a random 64-bit hash, as {@code hash_xxhash64} would give.
 */
class WindowPlanningPropertyTest {
  private static final int TRIALS = 300;

  /** A simulated source table: row ticks and row hashes. */
  record Table(long[] ticks, long[] hashes) {
    long rowsIn(Window w) {
      long lo = KustoTime.toTicks(w.lo());
      long hi = KustoTime.toTicks(w.hi());
      long n = 0;
      for (int i = 0; i < ticks.length; i++) {
        if (ticks[i] >= lo && ticks[i] < hi && inBucket(hashes[i], w.bucket())) {
          n++;
        }
      }
      return n;
    }
  }

  // Kusto's % truncates toward zero like Java's, so this is the query's bucket predicate exactly.
  static boolean inBucket(long hash, Bucket b) {
    return Math.abs(hash % b.count()) == b.index();
  }

  record Scenario(WindowGrid grid, Table table, Optional<WindowProgress> start, Instant horizon, Instant close,
      int cap) {
  }

  static Scenario randomScenario(Random r) {
    long[] cellChoices = {1, 2, 3, 7, 8, 16, 100, 1000, 36_000_000_000L};
    long cell = cellChoices[r.nextInt(cellChoices.length)];
    WindowGrid grid = new WindowGrid(KustoTime.durationOfTicks(cell));
    long base = 17_000_000_000_000_000L / cell * cell; // a cell boundary in late 2023
    int cells = 1 + r.nextInt(6);
    long span = cell * cells;
    int rows = r.nextInt(400);
    long[] ticks = new long[rows];
    long[] hashes = new long[rows];
    long heavy = base + (long) (r.nextDouble() * span);
    for (int i = 0; i < rows; i++) {
      ticks[i] = r.nextInt(4) == 0 ? heavy : base + (long) (r.nextDouble() * span);
      hashes[i] = r.nextLong();
    }
    Optional<WindowProgress> start = switch (r.nextInt(3)) {
      case 0 -> Optional.empty();
      case 1 -> Optional.of(WindowProgress.at(KustoTime.fromTicks(base)));
      default -> Optional.of(WindowProgress.at(KustoTime.fromTicks(base + (long) (r.nextDouble() * cell))));
    };
    Instant horizon = KustoTime.fromTicks(base + (long) (r.nextDouble() * cell));
    Instant close = KustoTime.fromTicks(base + span + (long) (r.nextDouble() * cell));
    // cap >= 2: two random hashes agree modulo 2^20 buckets now and then, three practically never.
    return new Scenario(grid, new Table(ticks, hashes), start, horizon, close, 2 + r.nextInt(30));
  }

  /**
   * Runs the copy loop to completion. With {@code crashes} set, the in-memory queue is thrown away at random
   * steps and the planner asked again from the committed progress, with a close point that moves forward over
   * time as a real clock would.
   */
  static List<Window> run(Scenario s, Random crashes) {
    return run(s, crashes, w -> s.table().rowsIn(w) > s.cap());
  }

  static List<Window> run(Scenario s, Random crashes, java.util.function.Predicate<Window> mustSplit) {
    WindowPlanner planner = new WindowPlanner(s.grid());
    WindowSplitter splitter = new WindowSplitter();
    Optional<WindowProgress> progress = s.start();
    Deque<Window> queue = new ArrayDeque<>();
    List<Window> committed = new ArrayList<>();
    long closeTicks = KustoTime.toTicks(s.close());
    long clock = crashes == null ? closeTicks : KustoTime.toTicks(s.horizon());
    for (int step = 0; step < 100_000; step++) {
      if (crashes != null && crashes.nextInt(4) == 0) {
        queue.clear();
        clock = Math.min(closeTicks, clock + 1 + (long) (crashes.nextDouble() * s.grid().cellWidth().toNanos() / 50));
      }
      if (queue.isEmpty()) {
        WindowPlan plan = planner.plan(progress, s.horizon(), KustoTime.fromTicks(clock), 1 + step % 4);
        if (plan.windows().isEmpty()) {
          if (clock == closeTicks) {
            return committed;
          }
          clock = closeTicks;
          continue;
        }
        queue.addAll(plan.windows());
      }
      Window next = queue.pollFirst();
      if (mustSplit.test(next)) {
        List<Window> halves = splitter.split(next);
        queue.addFirst(halves.get(1));
        queue.addFirst(halves.get(0));
      } else {
        committed.add(next);
        progress = Optional.of(WindowProgress.after(next));
      }
    }
    throw new AssertionError("copy loop did not finish");
  }

  @Test
  void windowsPartitionTheRangeExactlyInOrder() {
    Random r = new Random(20261101);
    for (int trial = 0; trial < TRIALS; trial++) {
      Scenario s = randomScenario(r);
      List<Window> committed = run(s, null);

      Instant expectedStart = s.start().map(WindowProgress::watermark)
          .filter(w -> !w.isBefore(s.grid().cellStart(s.horizon())))
          .orElse(s.grid().cellStart(s.horizon()));
      Instant expectedEnd = s.grid().cellStart(s.close());
      if (!expectedStart.isBefore(expectedEnd)) {
        assertThat(committed).isEmpty();
        continue;
      }
      assertThat(committed).isNotEmpty();
      assertThat(committed.get(0).lo()).isEqualTo(expectedStart);
      assertThat(committed.get(committed.size() - 1).hi()).isEqualTo(expectedEnd);
      assertContiguous(committed);
      for (Window w : committed) {
        assertThat(s.grid().isTreeNode(w.lo(), w.hi())).as("tree node %s", w).isTrue();
      }
    }
  }

  @Test
  void randomSplitDecisionsStillPartitionTheRange() {
    Random r = new Random(4242);
    for (int trial = 0; trial < TRIALS; trial++) {
      Scenario s = randomScenario(r);
      Random decisions = new Random(trial);
      // Splits for no data reason at all, as preemption does, down to small buckets.
      List<Window> committed = run(s, null, w -> w.bucket().count() < 8 && decisions.nextInt(3) == 0);
      Instant start = s.start().map(WindowProgress::watermark)
          .filter(w -> !w.isBefore(s.grid().cellStart(s.horizon())))
          .orElse(s.grid().cellStart(s.horizon()));
      Instant end = s.grid().cellStart(s.close());
      if (!start.isBefore(end)) {
        assertThat(committed).isEmpty();
        continue;
      }
      assertThat(committed.get(0).lo()).isEqualTo(start);
      assertThat(committed.get(committed.size() - 1).hi()).isEqualTo(end);
      assertContiguous(committed);
    }
  }

  @Test
  void everyRowInTheRangeIsCopiedExactlyOnce() {
    Random r = new Random(7);
    for (int trial = 0; trial < TRIALS; trial++) {
      Scenario s = randomScenario(r);
      List<Window> committed = run(s, null);
      Table t = s.table();
      long lo = committed.isEmpty() ? 0 : KustoTime.toTicks(committed.get(0).lo());
      long hi = committed.isEmpty() ? 0 : KustoTime.toTicks(committed.get(committed.size() - 1).hi());
      for (int i = 0; i < t.ticks().length; i++) {
        int copies = 0;
        for (Window w : committed) {
          if (t.ticks()[i] >= KustoTime.toTicks(w.lo()) && t.ticks()[i] < KustoTime.toTicks(w.hi())
              && inBucket(t.hashes()[i], w.bucket())) {
            copies++;
          }
        }
        boolean inRange = t.ticks()[i] >= lo && t.ticks()[i] < hi;
        assertThat(copies).as("row %d at tick %d", i, t.ticks()[i]).isEqualTo(inRange ? 1 : 0);
      }
      for (Window w : committed) {
        assertThat(t.rowsIn(w)).isLessThanOrEqualTo(s.cap());
      }
    }
  }

  @Test
  void replanningAfterInterruptionsReproducesTheSameIdentities() {
    Random r = new Random(99);
    for (int trial = 0; trial < TRIALS; trial++) {
      Scenario s = randomScenario(r);
      List<Window> uninterrupted = run(s, null);
      List<Window> interrupted = run(s, new Random(trial));
      assertThat(ids(interrupted)).isEqualTo(ids(uninterrupted));
    }
  }

  private static List<String> ids(List<Window> windows) {
    List<String> ids = new ArrayList<>();
    for (Window w : windows) {
      ids.add(WindowId.of("t", "DeviceProcessEvents", w).text());
    }
    return ids;
  }

  /** Time windows follow each other without gap or overlap; an instant's buckets cover every residue once. */
  private static void assertContiguous(List<Window> committed) {
    Instant cursor = committed.get(0).lo();
    Map<Integer, Integer> residues = new HashMap<>();
    int finestCount = 1;
    for (int i = 0; i < committed.size(); i++) {
      Window w = committed.get(i);
      assertThat(w.lo()).as("window %d starts where the previous ended", i).isEqualTo(cursor);
      if (!w.isBucketed()) {
        cursor = w.hi();
        continue;
      }
      int j = i;
      List<Bucket> buckets = new ArrayList<>();
      while (j < committed.size() && committed.get(j).lo().equals(w.lo()) && committed.get(j).isBucketed()) {
        buckets.add(committed.get(j).bucket());
        finestCount = Math.max(finestCount, committed.get(j).bucket().count());
        j++;
      }
      residues.clear();
      for (Bucket b : buckets) {
        for (int residue = b.index(); residue < finestCount; residue += b.count()) {
          residues.merge(residue, 1, Integer::sum);
        }
      }
      assertThat(residues).as("buckets %s of instant %s", buckets, w.lo()).hasSize(finestCount)
          .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
      cursor = w.hi();
      i = j - 1;
      finestCount = 1;
    }
  }

  @Test
  void realisticHourGridSplitsOnlyWhereDataIsDense() {
    WindowGrid grid = new WindowGrid(Duration.ofHours(1));
    Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
    Random r = new Random(1);
    int rows = 3000;
    long[] ticks = new long[rows];
    long[] hashes = new long[rows];
    for (int i = 0; i < rows; i++) {
      // Burst in the first ten minutes of the second hour, sparse elsewhere.
      long offset = i < 2500 ? 36_000_000_000L + (long) (r.nextDouble() * 6_000_000_000L)
          : (long) (r.nextDouble() * 4 * 36_000_000_000L);
      ticks[i] = KustoTime.toTicks(t0) + offset;
      hashes[i] = r.nextLong();
    }
    Scenario s = new Scenario(grid, new Table(ticks, hashes), Optional.of(WindowProgress.at(t0)), t0,
        t0.plus(Duration.ofHours(4)), 1000);
    List<Window> committed = run(s, null);

    assertThat(committed.get(0)).isEqualTo(Window.of(t0, t0.plus(Duration.ofHours(1))));
    assertThat(committed.get(committed.size() - 1).width()).isEqualTo(Duration.ofHours(1));
    assertThat(committed.stream().filter(w -> w.width().compareTo(Duration.ofHours(1)) < 0).count())
        .isBetween(3L, 12L);
  }
}
