package org.defenderadx.migration.api.bus;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.kql.KustoTimespan;

/** Turns values of a configuration row into JSON-safe ones, in the text forms ADX itself returns. */
final class Codec {
  private Codec() {
  }

  static Map<String, Object> plain(Map<String, Object> row) {
    Map<String, Object> out = new LinkedHashMap<>();
    row.forEach((k, v) -> out.put(k, v instanceof Instant i ? KustoTime.format(i)
        : v instanceof Duration d ? KustoTimespan.format(d) : v));
    return out;
  }
}
