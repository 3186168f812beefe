package org.defenderadx.migration.common.quota;

import java.time.Instant;
import java.util.Arrays;

/**
 * The calls of the last hour as an immutable value: a count per minute slot (slot n is the minute starting n minutes
 * after the epoch) for the newest slot and the {@link #SLOTS} - 1 before it. A call is admitted while the counted
 * calls plus one stay within the hourly limit. Any closed 60-minute interval overlaps at most 61 minute slots, so
 * counting 61 keeps every sliding hour, however it is aligned, within the limit; the price is that a call leaves the
 * count up to a minute later than it leaves the sliding hour.
 *
 * <p>{@link #NONE} keeps no slots: there is no hourly limit to count for.
 */
public final class HourWindow {

  /** Minute slots counted: the newest and the 60 before it. */
  public static final int SLOTS = 61;

  /** No hourly limit: nothing counted, nothing kept. */
  public static final HourWindow NONE = new HourWindow(0, new int[0]);

  // Slots of any Instant: a window outside them cannot come from a clock, and slot arithmetic stays far from overflow.
  private static final long MIN_SLOT = slotOf(Instant.MIN);
  private static final long MAX_SLOT = slotOf(Instant.MAX);

  private final long newestSlot;
  /** Calls per slot, oldest first: {@code counts[SLOTS - 1]} is the newest slot's. */
  private final int[] counts;

  private HourWindow(long newestSlot, int[] counts) {
    this.newestSlot = newestSlot;
    this.counts = counts;
  }

  /** No call counted yet, the newest slot being {@code slot}. */
  public static HourWindow empty(long slot) {
    return of(slot, new int[SLOTS]);
  }

  /**
   * A window from its parts (as stored).
   *
   * @param counts calls per slot, oldest first: exactly {@link #SLOTS} of them, none negative (copied)
   */
  public static HourWindow of(long newestSlot, int[] counts) {
    if (counts.length != SLOTS) {
      throw new IllegalArgumentException("an hour window counts " + SLOTS + " slots, got " + counts.length);
    }
    if (newestSlot < MIN_SLOT || newestSlot > MAX_SLOT) {
      throw new IllegalArgumentException("slot " + newestSlot + " is no minute of any instant");
    }
    int[] copy = counts.clone();
    for (int c : copy) {
      if (c < 0) {
        throw new IllegalArgumentException("a slot cannot count " + c + " calls");
      }
    }
    return new HourWindow(newestSlot, copy);
  }

  /** The minute slot holding {@code t}. */
  public static long slotOf(Instant t) {
    return Math.floorDiv(t.getEpochSecond(), 60);
  }

  /** When {@code slot} begins. */
  public static Instant startOf(long slot) {
    return Instant.ofEpochSecond(slot * 60);
  }

  public boolean kept() {
    return counts.length != 0;
  }

  public long newestSlot() {
    return newestSlot;
  }

  /** Calls per slot, oldest first (a copy). */
  public int[] counts() {
    return counts.clone();
  }

  /** The calls counted. */
  public long calls() {
    long sum = 0;
    for (int c : counts) {
      sum += c;
    }
    return sum;
  }

  /** The most calls counted in one slot. */
  public int busiestSlot() {
    return Arrays.stream(counts).max().orElse(0);
  }

  /**
   * The window as it stands in {@code slot}: the slots older than {@code slot - (SLOTS - 1)} dropped. A slot no newer
   * than the newest changes nothing (a clock never steps the window back).
   */
  public HourWindow at(long slot) {
    if (!kept() || slot <= newestSlot) {
      return this;
    }
    long shift = slot - newestSlot;
    int[] moved = new int[SLOTS];
    if (shift < SLOTS) {
      System.arraycopy(counts, (int) shift, moved, 0, SLOTS - (int) shift);
    }
    return new HourWindow(slot, moved);
  }

  /** One more call, counted in {@code slot} (or in the newest slot, if that is later). */
  public HourWindow plusCall(long slot) {
    if (!kept()) {
      throw new IllegalStateException("no hourly limit: no calls are counted");
    }
    HourWindow now = at(slot);
    int[] more = now.counts.clone();
    more[SLOTS - 1] = Math.addExact(more[SLOTS - 1], 1);
    return new HourWindow(now.newestSlot, more);
  }

  /**
   * The first slot, {@code slot} or later, in which one more call keeps the count within {@code limit}: {@code slot}
   * itself if there is room, else the slot where enough of the oldest counted calls have dropped out (normally the
   * oldest one's slot plus {@link #SLOTS}). Always {@code slot} for {@link #NONE}.
   */
  public long firstSlotWithRoom(long slot, int limit) {
    if (!kept()) {
      return slot;
    }
    HourWindow w = at(slot);
    long excess = w.calls() + 1 - limit;
    if (excess <= 0) {
      return w.newestSlot;
    }
    for (int i = 0; i < SLOTS; i++) {
      excess -= w.counts[i];
      if (excess <= 0) {
        // counts[i] is the slot newestSlot - (SLOTS - 1 - i); it has dropped out SLOTS slots later.
        return w.newestSlot + i + 1;
      }
    }
    // Only with a limit below 1: no slot ever has room.
    throw new IllegalArgumentException("no call fits a limit of " + limit);
  }

  /** The same calls, no slot holding more than {@code max} (one slot that full keeps the window full anyway). */
  public HourWindow cappedAt(int max) {
    if (busiestSlot() <= max) {
      return this;
    }
    int[] capped = counts.clone();
    for (int i = 0; i < capped.length; i++) {
      capped[i] = Math.min(capped[i], max);
    }
    return new HourWindow(newestSlot, capped);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HourWindow w && w.newestSlot == newestSlot && Arrays.equals(w.counts, counts);
  }

  @Override
  public int hashCode() {
    return 31 * Long.hashCode(newestSlot) + Arrays.hashCode(counts);
  }

  @Override
  public String toString() {
    return kept() ? "HourWindow[newestSlot=" + newestSlot + ", counts=" + Arrays.toString(counts) + "]"
        : "HourWindow.NONE";
  }
}
