package org.defenderadx.simulator.defender;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counters for tests and benchmarks: calls by kind and status, rows and bytes served, simulated CPU spent. */
public final class SimStats {
  private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
  private final AtomicLong rowsServed = new AtomicLong();
  private final AtomicLong bytesServed = new AtomicLong();
  private final AtomicLong cpuNanos = new AtomicLong();
  private final AtomicLong rowsScanned = new AtomicLong();
  private final AtomicLong truncatedResults = new AtomicLong();
  /** The newest queries received, oldest first, at most {@link #QUERIES_KEPT}. */
  private final Deque<String> queries = new ArrayDeque<>();

  /** How many query texts are kept: enough for a test's calls, bounded for a long benchmark. */
  public static final int QUERIES_KEPT = 10_000;

  /** Records the text of a query received (whatever its answer), for tests that count particular calls. */
  public void query(String kql) {
    synchronized (queries) {
      if (queries.size() == QUERIES_KEPT) {
        queries.removeFirst();
      }
      queries.addLast(kql);
    }
  }

  /** The newest queries received (at most {@link #QUERIES_KEPT}), oldest first. */
  public List<String> queries() {
    synchronized (queries) {
      return List.copyOf(queries);
    }
  }

  /** Counts one call; {@code kind} is graph, xdr, mde, token-v1 or token-v2. */
  public void call(String kind, int status) {
    calls.computeIfAbsent(kind + ":" + status, k -> new AtomicLong()).incrementAndGet();
  }

  public void served(long rows, long bytes, boolean truncated) {
    rowsServed.addAndGet(rows);
    bytesServed.addAndGet(bytes);
    if (truncated) {
      truncatedResults.incrementAndGet();
    }
  }

  public void spent(Duration cpu, long scanned) {
    cpuNanos.addAndGet(cpu.toNanos());
    rowsScanned.addAndGet(scanned);
  }

  public long calls(String kind, int status) {
    AtomicLong n = calls.get(kind + ":" + status);
    return n == null ? 0 : n.get();
  }

  public long rowsServed() {
    return rowsServed.get();
  }

  public long bytesServed() {
    return bytesServed.get();
  }

  public Duration cpuSpent() {
    return Duration.ofNanos(cpuNanos.get());
  }

  public long truncatedResults() {
    return truncatedResults.get();
  }

  public JsonObject toJson() {
    JsonObject byKind = new JsonObject();
    new TreeMap<>(calls).forEach((k, v) -> {
      String[] ks = k.split(":");
      JsonObject perStatus = byKind.getJsonObject(ks[0]);
      if (perStatus == null) {
        perStatus = new JsonObject();
        byKind.put(ks[0], perStatus);
      }
      perStatus.put(ks[1], v.get());
    });
    return new JsonObject()
        .put("calls", byKind)
        .put("rowsServed", rowsServed.get())
        .put("bytesServed", bytesServed.get())
        .put("truncatedResults", truncatedResults.get())
        .put("rowsScanned", rowsScanned.get())
        .put("cpuSpentSeconds", cpuNanos.get() / 1e9);
  }
}
