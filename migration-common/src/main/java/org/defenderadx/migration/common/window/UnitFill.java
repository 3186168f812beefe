package org.defenderadx.migration.common.window;

import java.util.Arrays;

/**
 * The share of the effective cap a table's units aim at, learned from the table's own units: for each unit fetched
 * whole, how much of the binding cap it really took against how much its census and the measured row size promised
 * (its overshoot); a unit the service cut counts as an overshoot past the cap. Units aim at the cap divided by the
 * largest overshoot of the last {@value #KEPT} units, less 3%: a table whose counts hold aims close to the cap, one
 * whose rows arrive late or vary in size keeps the room it has shown to need. The largest, not a percentile: a cut unit
 * costs three calls instead of one (the cut call and its two halves), so being cut one time in ten costs more than
 * the room kept. Immutable.
 *
 * @param overshoots the last {@link #KEPT} overshoots, oldest first
 */
public record UnitFill(double[] overshoots) {
  /** The share aimed at before the table has taught one. */
  public static final double INITIAL = 0.9;
  /** Never aim higher: a result exactly at the cap cannot be told from a cut one. */
  public static final double MOST = 0.95;
  /** Never aim lower: the census cannot be that wrong for long, and half-full calls cost twice as many. */
  public static final double LEAST = 0.5;
  /** Overshoots kept. */
  public static final int KEPT = 32;
  /** Overshoots needed before they decide. */
  public static final int TO_LEARN = 5;
  /** What a cut unit counts as, past its promised load to the cap (the true overshoot is unknown, only larger). */
  static final double CUT_OVERSHOOT_FACTOR = 1.1;

  public static final UnitFill NEW = new UnitFill(new double[0]);

  public UnitFill {
    overshoots = overshoots.clone();
    if (overshoots.length > KEPT) {
      throw new IllegalArgumentException("at most " + KEPT + " overshoots are kept");
    }
  }

  @Override
  public double[] overshoots() {
    return overshoots.clone();
  }

  /** Whether enough units were fetched for their overshoots to decide the share. */
  public boolean learned() {
    return overshoots.length >= TO_LEARN;
  }

  /** The share of the effective cap the next units aim at. */
  public double share() {
    if (overshoots.length < TO_LEARN) {
      return INITIAL;
    }
    double largest = Arrays.stream(overshoots).max().orElse(1);
    return Math.max(LEAST, Math.min(MOST, 0.97 / largest));
  }

  /**
   * A unit promised {@code plannedLoad} of the binding cap (see {@link MergePolicy#load}) and took {@code load}.
   */
  public UnitFill fetched(double plannedLoad, double load) {
    if (!(plannedLoad > 0) || !(load >= 0)) {
      return this;
    }
    return with(load / plannedLoad);
  }

  /** A unit that promised {@code plannedLoad} was cut by the service (more rows or bytes than its cap). */
  public UnitFill cut(double plannedLoad) {
    if (!(plannedLoad > 0)) {
      return this;
    }
    return with(Math.max(1.0, CUT_OVERSHOOT_FACTOR / plannedLoad));
  }

  private UnitFill with(double overshoot) {
    int keep = Math.min(KEPT - 1, overshoots.length);
    double[] next = Arrays.copyOfRange(overshoots, overshoots.length - keep, overshoots.length + 1);
    next[keep] = overshoot;
    return new UnitFill(next);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UnitFill f && Arrays.equals(overshoots, f.overshoots);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(overshoots);
  }

  @Override
  public String toString() {
    return "UnitFill[share=" + share() + ", overshoots=" + Arrays.toString(overshoots) + "]";
  }
}
