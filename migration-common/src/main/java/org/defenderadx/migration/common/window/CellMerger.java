package org.defenderadx.migration.common.window;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.defenderadx.migration.common.kql.KustoTime;

/**
 * Cuts a stretch of closed cells into units of about {@code targetRows} rows each, from the rows each counting bin
 * holds (one counting call at the source tells them, {@link WindowGrid#countingBin()}): a sparse stretch costs one
 * call instead of one per cell. Greedy from the start: a unit takes whole bins while they fit, and the bin that does
 * not fit is cut where the unit reaches its target, its rows taken as spread evenly over the bin (the rest of the bin
 * starts the next unit), so every unit but the last of a stretch aims at the target, however coarse the bins. A bin
 * entered at a point inside it (the stretch starts there) counts whole, which errs on the safe side. Rows spread
 * unevenly inside a bin split further when fetched, as any window. The units depend only on the start and the counts.
 *
 * <p>A unit's bounds are not a function of the grid alone, so units are recorded before they are fetched (see
 * {@link PlannedUnits}): a run that resumes finds them instead of merging again from counts that may have changed.
 */
public final class CellMerger {
  private final WindowGrid grid;
  private final int maxCellsPerUnit;

  /** A unit and the rows the census counted in it. */
  public record Unit(Window window, long estimatedRows) {
  }

  /** @param maxCellsPerUnit bounds how much time one call spans, whatever the counts */
  public CellMerger(WindowGrid grid, int maxCellsPerUnit) {
    this.grid = Objects.requireNonNull(grid, "grid");
    if (maxCellsPerUnit < 1) {
      throw new IllegalArgumentException("maxCellsPerUnit must be positive, got " + maxCellsPerUnit);
    }
    this.maxCellsPerUnit = maxCellsPerUnit;
  }

  /** A bin's busiest instant and the rows it holds (from the census). */
  public record Peak(Instant at, long rows) {
  }

  /** As below, without the bins' busiest instants: every bin's rows are taken as spread evenly over it. */
  public List<Unit> merge(Instant from, Instant to, Map<Instant, Long> rowsPerBin, long targetRows, int maxUnits) {
    return merge(from, to, rowsPerBin, Map.of(), targetRows, maxUnits);
  }

  /**
   * The units tiling {@code [from, to)}, at most {@code maxUnits} of them (then they end before {@code to}).
   *
   * @param rowsPerBin rows per counting bin, keyed by the bin's start; a bin that is absent holds no rows (a bin cut
   *                   by {@code from} counts whole, which errs on the safe side)
   * @param peaks      per bin, its busiest instant: its rows sit at that instant, which no unit cuts, and an instant
   *                   holding more than the target is a unit of its own (paged in buckets when fetched); the bin's
   *                   other rows are taken as spread evenly
   */
  public List<Unit> merge(Instant from, Instant to, Map<Instant, Long> rowsPerBin, Map<Instant, Peak> peaks,
                          long targetRows, int maxUnits) {
    if (!from.isBefore(to) || targetRows < 1 || maxUnits < 1) {
      throw new IllegalArgumentException("need from < to and positive targetRows and maxUnits");
    }
    long binTicks = KustoTime.toTicks(grid.countingBin());
    long maxWidth = KustoTime.toTicks(grid.cellWidth()) * maxCellsPerUnit;
    long end = KustoTime.toTicks(to);
    List<Unit> units = new ArrayList<>();
    long unitLo = KustoTime.toTicks(from);
    long unitRows = 0;
    long pos = unitLo;
    ArrayDeque<Segment> ahead = new ArrayDeque<>();
    while (pos < end && units.size() < maxUnits) {
      if (ahead.isEmpty()) {
        segments(pos, binTicks, end, rowsPerBin, peaks, ahead);
      }
      Segment seg = ahead.peekFirst();
      long room = targetRows - unitRows;
      long widthLeft = unitLo + maxWidth - pos;
      if (seg.rows() <= room && seg.hi() - pos <= widthLeft) {
        unitRows += seg.rows();
        pos = seg.hi();
        ahead.removeFirst();
        continue;
      }
      if (seg.instant()) {
        // An instant is never cut: the unit ends before it; one holding more than the target stands alone.
        if (pos > unitLo) {
          units.add(unit(unitLo, pos, unitRows));
          unitLo = pos;
          unitRows = 0;
          continue;
        }
        units.add(unit(pos, seg.hi(), seg.rows()));
        pos = seg.hi();
        unitLo = pos;
        ahead.removeFirst();
        continue;
      }
      // The unit ends inside this stretch: where its rows reach the target, or where it reaches its widest.
      long width = seg.rows() <= room ? widthLeft
          : Math.min(widthLeft, (long) ((double) (seg.hi() - pos) * room / seg.rows()));
      width = roundedCut(pos, width);
      if (width < 1) {
        if (pos > unitLo) {
          units.add(unit(unitLo, pos, unitRows));
          unitLo = pos;
          unitRows = 0;
          continue;
        }
        width = 1; // one tick holding more than the target: it is paged in buckets when fetched
      }
      long taken = Math.min(seg.rows(), (long) Math.ceil((double) seg.rows() * width / (seg.hi() - pos)));
      ahead.removeFirst();
      ahead.addFirst(new Segment(seg.hi(), seg.rows() - taken, false));
      pos += width;
      units.add(unit(unitLo, pos, unitRows + taken));
      unitLo = pos;
      unitRows = 0;
    }
    if (pos > unitLo && units.size() < maxUnits) {
      units.add(unit(unitLo, pos, unitRows));
    }
    return units;
  }

  /** A stretch of a bin ending at {@code hi} (it starts where the last one ended), its rows spread or at one instant. */
  private record Segment(long hi, long rows, boolean instant) {
  }

  /** The bin holding {@code pos}, from {@code pos} on, as stretches: before its busiest instant, the instant, after. */
  private static void segments(long pos, long binTicks, long end, Map<Instant, Long> rowsPerBin,
                               Map<Instant, Peak> peaks, Deque<Segment> out) {
    long binLo = Math.floorDiv(pos, binTicks) * binTicks;
    long binHi = Math.min(binLo + binTicks, end);
    long rows = rowsPerBin.getOrDefault(KustoTime.fromTicks(binLo), 0L);
    Peak peak = peaks.get(KustoTime.fromTicks(binLo));
    long at = peak == null ? -1 : KustoTime.toTicks(peak.at());
    if (peak == null || at < pos || at >= binHi || peak.rows() < 1 || peak.rows() > rows) {
      out.addLast(new Segment(binHi, rows, false));
      return;
    }
    long rest = rows - peak.rows();
    long before = at + 1 >= binHi ? rest : (long) Math.floor((double) rest * (at - pos) / (binHi - pos));
    if (at > pos) {
      out.addLast(new Segment(at, before, false));
    }
    out.addLast(new Segment(at + 1, peak.rows(), true));
    if (at + 1 < binHi) {
      out.addLast(new Segment(binHi, rest - before, false));
    }
  }

  private static Unit unit(long lo, long hi, long rows) {
    return new Unit(Window.of(KustoTime.fromTicks(lo), KustoTime.fromTicks(hi)), rows);
  }

  /** A cut {@code width} ticks after {@code pos}, moved back to a whole second when one lies between (easier to read). */
  private static long roundedCut(long pos, long width) {
    long cut = pos + width;
    long second = Math.floorDiv(cut, TICKS_PER_SECOND) * TICKS_PER_SECOND;
    return second > pos ? second - pos : width;
  }

  private static final long TICKS_PER_SECOND = 10_000_000L;

  /** The bin width the merger counts in. */
  public Duration bin() {
    return grid.countingBin();
  }
}
