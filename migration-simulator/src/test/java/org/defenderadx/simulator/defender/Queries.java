package org.defenderadx.simulator.defender;

import java.time.Instant;

/** The query shapes the migrator sends (agreed between the engine and the query builder). */
final class Queries {
  private Queries() {
  }

  static String window(String table, Instant lo, Instant hi) {
    return window(table, lo, hi, "");
  }

  static String window(String table, Instant lo, Instant hi, String extraFilter) {
    return "let __lo = datetime(" + ServedValues.datetime(lo) + ");\n"
        + "let __hi = datetime(" + ServedValues.datetime(hi) + ");\n"
        + "let __w = " + table + "\n"
        + "| where ingestion_time() >= __lo and ingestion_time() < __hi" + extraFilter + ";\n"
        + "let __total = toscalar(__w | count);\n"
        + "__w\n"
        + "| extend __SourceIngestionTime = ingestion_time(), __WindowTotal = __total";
  }

  static String bucket(int n, int b) {
    return "\n| where abs(hash_xxhash64(tostring(pack_all())) % " + n + ") == " + b;
  }

  static String snapshotBucket(String table, int n, int b) {
    return "let __s = " + table + bucket(n, b) + ";\n"
        + "let __total = toscalar(__s | count);\n"
        + "__s\n| extend __SourceIngestionTime = ingestion_time(), __WindowTotal = __total";
  }
}
