package org.defenderadx.simulator.adx.dm;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.defenderadx.simulator.adx.store.KustoValues;

/**
 * When the data-management service seals a batch: the first of time since the batch opened, item count, or raw
 * size. Read from the {@code ingestionbatching} policy JSON; absent values keep the defaults.
 */
record BatchingPolicy(Duration maxTime, int maxItems, long maxRawBytes) {

  @SuppressWarnings("unchecked")
  static BatchingPolicy parse(String json, BatchingPolicy defaults) {
    Object tree;
    try {
      tree = KustoValues.parseJson(json);
    } catch (IllegalArgumentException e) {
      return defaults;
    }
    if (!(tree instanceof Map)) {
      return defaults;
    }
    Map<String, Object> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    m.putAll((Map<String, Object>) tree);
    Duration time = defaults.maxTime();
    if (m.get("MaximumBatchingTimeSpan") != null) {
      Duration d = KustoValues.parseTimespan(m.get("MaximumBatchingTimeSpan").toString());
      if (d != null) {
        time = d;
      }
    }
    int items = m.get("MaximumNumberOfItems") instanceof Number n ? n.intValue() : defaults.maxItems();
    long bytes = m.get("MaximumRawDataSizeMB") instanceof Number n ? n.longValue() * 1024 * 1024
        : defaults.maxRawBytes();
    return new BatchingPolicy(time, items, bytes);
  }
}
