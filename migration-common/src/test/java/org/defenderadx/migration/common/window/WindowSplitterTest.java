package org.defenderadx.migration.common.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.defenderadx.migration.common.kql.KustoTime;
import org.junit.jupiter.api.Test;

class WindowSplitterTest {
  private final WindowSplitter splitter = new WindowSplitter(8);

  private static Instant tick(long n) {
    return KustoTime.fromTicks(n);
  }

  @Test
  void halvesAWindowAtTheTickMidpoint() {
    assertThat(splitter.split(Window.of(tick(0), tick(8))))
        .containsExactly(Window.of(tick(0), tick(4)), Window.of(tick(4), tick(8)));
    assertThat(splitter.split(Window.of(tick(0), tick(3))))
        .containsExactly(Window.of(tick(0), tick(1)), Window.of(tick(1), tick(3)));
  }

  @Test
  void halvesAgreeWithTheGridTree() {
    WindowGrid grid = new WindowGrid(java.time.Duration.ofHours(1));
    Window cell = grid.largestWindowStartingAt(Instant.parse("2026-11-01T05:00:00Z"));
    for (int depth = 0; depth < 40 && !cell.isInstant(); depth++) {
      var halves = splitter.split(cell);
      assertThat(grid.isTreeNode(halves.get(0).lo(), halves.get(0).hi())).isTrue();
      assertThat(grid.largestWindowStartingAt(halves.get(1).lo())).isEqualTo(halves.get(1));
      cell = halves.get(depth % 2);
    }
    assertThat(cell.isInstant()).isTrue();
  }

  @Test
  void splitsAnInstantIntoHashBucketsByDoublingTheCount() {
    Window instant = Window.of(tick(5), tick(6));
    assertThat(splitter.split(instant)).containsExactly(
        new Window(tick(5), tick(6), new Bucket(0, 2)), new Window(tick(5), tick(6), new Bucket(1, 2)));
    assertThat(splitter.split(new Window(tick(5), tick(6), new Bucket(1, 2)))).containsExactly(
        new Window(tick(5), tick(6), new Bucket(1, 4)), new Window(tick(5), tick(6), new Bucket(3, 4)));
  }

  @Test
  void refusesToSplitBeyondTheBucketLimit() {
    assertThatThrownBy(() -> splitter.split(new Window(tick(5), tick(6), new Bucket(3, 8))))
        .isInstanceOf(WindowNotSplittableException.class).hasMessageContaining("8 buckets");
  }

  @Test
  void bucketsAreOnlyForOneTickWindows() {
    assertThatThrownBy(() -> new Window(tick(0), tick(2), new Bucket(0, 2)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Bucket(3, 6)).hasMessageContaining("power of two");
    assertThatThrownBy(() -> Window.of(tick(2), tick(2))).hasMessageContaining("empty");
  }
}
