package org.defenderadx.migration.common.window;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The units of one table recorded before they were fetched (audit status {@code Planned}), and where fresh ground
 * begins: from {@code freshFrom} on no window was ever committed, so every window there must come from a recorded unit
 * (the exporter records new units when it gets there). Before {@code freshFrom}, outside recorded units, windows are
 * the grid's plain cells and halvings, as every export made before units existed: re-planning there after a watermark
 * was moved back reproduces their identities.
 *
 * <p>{@link #NONE}: no record at all; the planner then plans plain cells everywhere.
 */
public record PlannedUnits(List<Window> units, Optional<Instant> freshFrom) {
  public static final PlannedUnits NONE = new PlannedUnits(List.of(), Optional.empty());

  public PlannedUnits {
    Objects.requireNonNull(freshFrom, "freshFrom");
    List<Window> sorted = new ArrayList<>(units);
    sorted.sort(Comparator.comparing(Window::lo));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).lo().isBefore(sorted.get(i - 1).hi())) {
        throw new IllegalArgumentException("planned units overlap: " + sorted.get(i - 1) + " and " + sorted.get(i));
      }
    }
    units = List.copyOf(sorted);
  }

  /** A unit as recorded, and when. */
  public record Recorded(Window unit, Instant recordedAt) {
  }

  /**
   * The units in force from records that may overlap (a table whose watermark was moved back and planned again): the
   * newest record wins for any point in time.
   */
  public static PlannedUnits resolve(List<Recorded> records, Optional<Instant> freshFrom) {
    List<Recorded> newestFirst = new ArrayList<>(records);
    newestFirst.sort(Comparator.comparing(Recorded::recordedAt).reversed());
    List<Window> kept = new ArrayList<>();
    for (Recorded r : newestFirst) {
      if (kept.stream().noneMatch(k -> overlap(k, r.unit()))) {
        kept.add(r.unit());
      }
    }
    return new PlannedUnits(kept, freshFrom);
  }

  /** The unit holding {@code t}, if one was recorded. */
  public Optional<Window> containing(Instant t) {
    for (Window u : units) {
      if (!t.isBefore(u.lo()) && t.isBefore(u.hi())) {
        return Optional.of(u);
      }
    }
    return Optional.empty();
  }

  /** The start of the first unit after {@code t}. */
  public Optional<Instant> nextStartAfter(Instant t) {
    return units.stream().map(Window::lo).filter(lo -> lo.isAfter(t)).findFirst();
  }

  /** True when {@code t} lies on fresh ground (see the class comment). */
  public boolean isFresh(Instant t) {
    return freshFrom.isPresent() && !t.isBefore(freshFrom.get());
  }

  /** These units and {@code added} (which must not overlap them). */
  public PlannedUnits with(List<Window> added) {
    List<Window> all = new ArrayList<>(units);
    all.addAll(added);
    return new PlannedUnits(all, freshFrom);
  }

  private static boolean overlap(Window a, Window b) {
    return a.lo().isBefore(b.hi()) && b.lo().isBefore(a.hi());
  }
}
