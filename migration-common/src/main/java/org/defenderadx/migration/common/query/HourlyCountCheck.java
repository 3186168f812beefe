package org.defenderadx.migration.common.query;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Compares the per-hour counts of {@link HuntingQueries#recount} (source) and {@link HuntingQueries#verify}
 * (destination). An hour missing on one side counts as zero there.
 */
public final class HourlyCountCheck {
  private HourlyCountCheck() {
  }

  /** One hour whose counts differ: fewer at the destination means rows missing, more means duplicates. */
  public record Mismatch(Instant hour, long sourceCount, long destinationCount) {
    public long missing() {
      return Math.max(0, sourceCount - destinationCount);
    }

    public long duplicated() {
      return Math.max(0, destinationCount - sourceCount);
    }
  }

  /** The hours whose counts differ, oldest first; empty when the copy is exact. */
  public static List<Mismatch> compare(Map<Instant, Long> source, Map<Instant, Long> destination) {
    TreeSet<Instant> hours = new TreeSet<>(source.keySet());
    hours.addAll(destination.keySet());
    List<Mismatch> mismatches = new ArrayList<>();
    for (Instant hour : hours) {
      long s = source.getOrDefault(hour, 0L);
      long d = destination.getOrDefault(hour, 0L);
      if (s != d) {
        mismatches.add(new Mismatch(hour, s, d));
      }
    }
    return mismatches;
  }
}
