package org.defenderadx.migration.worker.ops;

import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.observe.EngineObserver;

/**
 * What this node is doing, published into a cluster-wide map so that every node can answer the status question the
 * same way: the tables it is running, its API calls per tenant over the last minute and hour, each tenant's circuit
 * breaker as this node sees it, and the outcomes its coordinator received. Each node's entry expires unless
 * republished, so a node that died drops out of the status within {@link #ENTRY_TTL}.
 *
 * <p>Entry schema (one per node, key = node name): {@code { "node", "at": ISO (migration clock), "running":
 * ["tenant|table", ...], "tenants": { key: { "callsLastMinute", "callsLastHour", "breaker" } }, "outcomes": { "tenant|table":
 * TableOutcome JSON plus "seenAt": ISO } }}.
 */
public final class NodeActivity implements EngineObserver {

  public static final String MAP = "defender-adx-migration.ops.nodes";
  static final Duration ENTRY_TTL = Duration.ofSeconds(15);

  private final String node;
  private final TimeSource time;
  private final Map<String, TenantContext> tenants;
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final Map<String, Deque<Instant>> calls = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> outcomes = new ConcurrentHashMap<>();
  private final Map<String, TableOutcome> outcomesSeen = new ConcurrentHashMap<>();

  private final Vertx vertx;

  public NodeActivity(Vertx vertx, String node, TimeSource time, Map<String, TenantContext> tenants) {
    this.vertx = vertx;
    this.node = node;
    this.time = time;
    this.tenants = tenants;
  }

  public String node() {
    return node;
  }

  /** The migration's clock (it may run scaled). */
  public java.time.Clock clock() {
    return time.clock();
  }

  @Override
  public void tableStarted(String tenantKey, String sourceTable) {
    running.add(TableLeases.key(tenantKey, sourceTable));
    publish(); // at once: the status page shows who runs what without waiting for the next round
  }

  @Override
  public void tableFinished(String tenantKey, String sourceTable) {
    running.remove(TableLeases.key(tenantKey, sourceTable));
    publish();
  }

  @Override
  public void apiCall(String tenantKey, String sourceTable, int status) {
    Deque<Instant> q = calls.computeIfAbsent(tenantKey, k -> new ArrayDeque<>());
    synchronized (q) {
      q.addLast(time.now());
      prune(q);
    }
  }

  /** Records the coordinator's latest outcomes, stamping each one the first time it is seen. */
  public void outcomes(Map<String, TableOutcome> latest) {
    latest.forEach((key, outcome) -> {
      if (!outcome.equals(outcomesSeen.put(key, outcome))) {
        outcomes.put(key, outcome.toJson().put("seenAt", time.now().toString()));
      }
    });
  }

  private void prune(Deque<Instant> q) {
    Instant hourAgo = time.now().minus(Duration.ofHours(1));
    while (!q.isEmpty() && q.peekFirst().isBefore(hourAgo)) {
      q.pollFirst();
    }
  }

  /** This node's entry as it stands now. */
  public JsonObject report() {
    Instant now = time.now();
    JsonObject perTenant = new JsonObject();
    tenants.forEach((key, t) -> {
      long minute = 0;
      long hour = 0;
      Deque<Instant> q = calls.get(key);
      if (q != null) {
        synchronized (q) {
          prune(q);
          hour = q.size();
          minute = q.stream().filter(at -> at.isAfter(now.minus(Duration.ofMinutes(1)))).count();
        }
      }
      perTenant.put(key, new JsonObject().put("callsLastMinute", minute).put("callsLastHour", hour)
          .put("breaker", t.breaker().state().name()));
    });
    JsonObject outcomeJson = new JsonObject();
    new TreeMap<>(outcomes).forEach(outcomeJson::put);
    return new JsonObject().put("node", node).put("at", now.toString())
        .put("running", new JsonArray(List.copyOf(new java.util.TreeSet<>(running))))
        .put("tenants", perTenant).put("outcomes", outcomeJson);
  }

  /** Puts this node's entry into the cluster map (replacing its last one). */
  public Future<Void> publish() {
    JsonObject entry = report();
    return map(vertx).compose(m -> m.put(node, entry, ENTRY_TTL.toMillis()));
  }

  /** Removes this node's entry (orderly shutdown). */
  public Future<Void> withdraw() {
    return map(vertx).compose(m -> m.remove(node)).mapEmpty();
  }

  /** Every live node's entry. */
  public static Future<List<JsonObject>> all(Vertx vertx) {
    return map(vertx).compose(AsyncMap::values).map(values -> values.stream().map(JsonObject.class::cast).toList());
  }

  private static Future<AsyncMap<String, Object>> map(Vertx vertx) {
    return vertx.sharedData().getAsyncMap(MAP);
  }

  /** The worse of two breaker states as the cluster sees a tenant: open beats half-open beats closed. */
  static String worse(String a, String b) {
    if (a == null) {
      return b;
    }
    return MigrationMetrics.breakerValue(CircuitBreakerState.valueOf(b))
        > MigrationMetrics.breakerValue(CircuitBreakerState.valueOf(a)) ? b : a;
  }
}
