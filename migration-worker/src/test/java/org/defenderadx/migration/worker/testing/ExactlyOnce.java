package org.defenderadx.migration.worker.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Compares the multiset of row digests in ADX with the source's ground truth, naming what is missing or doubled. */
public final class ExactlyOnce {
  private ExactlyOnce() {
  }

  public static void assertSameRows(String table, List<String> source, List<String> adx) {
    Map<String, Integer> counts = new HashMap<>();
    source.forEach(d -> counts.merge(d, 1, Integer::sum));
    adx.forEach(d -> counts.merge(d, -1, Integer::sum));
    List<String> missing = new ArrayList<>();
    List<String> extra = new ArrayList<>();
    counts.forEach((d, n) -> {
      for (int i = 0; i < Math.abs(n); i++) {
        (n > 0 ? missing : extra).add(d);
      }
    });
    if (!missing.isEmpty() || !extra.isEmpty()) {
      throw new AssertionError(table + ": source holds " + source.size() + " rows, ADX " + adx.size() + "; "
          + missing.size() + " missing from ADX " + sample(missing) + ", " + extra.size()
          + " in ADX but not (or not that often) at the source " + sample(extra));
    }
  }

  private static String sample(List<String> digests) {
    return digests.isEmpty() ? "" : digests.subList(0, Math.min(5, digests.size())).toString();
  }
}
