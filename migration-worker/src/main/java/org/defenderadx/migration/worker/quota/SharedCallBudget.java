package org.defenderadx.migration.worker.quota;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Lock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.quota.HourWindow;
import org.defenderadx.migration.common.quota.LearnedRate;
import org.defenderadx.migration.common.quota.QuotaDecision;
import org.defenderadx.migration.common.quota.QuotaLimits;
import org.defenderadx.migration.common.quota.QuotaState;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.cluster.PeerSignature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tenant's call budget shared by every node: the {@link QuotaState} lives in a Vert.x SharedData map, which is
 * local to the JVM when single-node and Hazelcast-backed when clustered (one code path), and is changed only under
 * the tenant's cluster-wide lock. Every call to the API, retries and breaker probes included, takes a permit here.
 */
public final class SharedCallBudget {

  static final String MAP = "defender-adx-migration.quota";
  private static final Logger LOG = LoggerFactory.getLogger(SharedCallBudget.class);
  private static final long LOCK_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final TimeSource time;
  private final Map<String, Deque<Promise<Instant>>> queues = new HashMap<>();
  private volatile PeerSignature seals = PeerSignature.NONE;

  public SharedCallBudget(Vertx vertx, TimeSource time) {
    this.vertx = vertx;
    this.time = time;
  }

  /**
   * Seals the budget entries this node writes with the cluster's key, and reads an entry not sealed with it (or not
   * readable) as a full budget: a member without the ops token cannot pause a tenant or drain its budget by writing
   * the map (at worst it resets a budget, and the service's own 429s still hold the node to the quota).
   */
  public SharedCallBudget sealedBy(PeerSignature peers) {
    this.seals = peers;
    return this;
  }

  /**
   * Completes with the grant instant once a permit for {@code tenantKey} has been taken, waiting as long as the
   * budgets require. Callers on this node queue in order; only the head of the queue asks the shared state, so
   * waiting callers do not stampede the cluster-wide lock.
   */
  public Future<Instant> acquire(String tenantKey, QuotaLimits limits) {
    Promise<Instant> granted = Promise.promise();
    boolean start;
    synchronized (queues) {
      Deque<Promise<Instant>> queue = queues.computeIfAbsent(tenantKey, k -> new ArrayDeque<>());
      queue.addLast(granted);
      start = queue.size() == 1;
    }
    if (start) {
      pump(tenantKey, limits);
    }
    return granted.future();
  }

  private void pump(String tenantKey, QuotaLimits limits) {
    update(tenantKey, limits, state -> state.tryTake(time.now())).onComplete(ar -> {
      if (ar.succeeded() && !ar.result().granted()) {
        long delay = time.realDelayMillis(Duration.between(time.now(), ar.result().waitUntil()));
        vertx.setTimer(delay, id -> pump(tenantKey, limits));
        return;
      }
      Promise<Instant> head;
      boolean more;
      synchronized (queues) {
        Deque<Promise<Instant>> queue = queues.get(tenantKey);
        head = queue.pollFirst();
        more = !queue.isEmpty();
        if (!more) {
          queues.remove(tenantKey);
        }
      }
      if (ar.succeeded()) {
        head.complete(ar.result().waitUntil());
      } else {
        head.fail(ar.cause());
      }
      if (more) {
        pump(tenantKey, limits);
      }
    });
  }

  /** No permit for this tenant before {@code until}, on any node (a CPU-quota 429 or a Retry-After). */
  public Future<Void> pauseUntil(String tenantKey, QuotaLimits limits, Instant until) {
    return update(tenantKey, limits, state -> new QuotaDecision(state.pausedUntil(until), false, until)).mapEmpty();
  }

  /**
   * After a call-quota 429: no permit before {@code until} on any node, and the tenant's rate lowered for every node
   * ({@link QuotaState#throttled}): to the rate the service stated, if it did, else by a quarter.
   */
  public Future<Void> throttled(String tenantKey, QuotaLimits limits, Instant until, OptionalInt statedPerMinute) {
    return update(tenantKey, limits, state -> new QuotaDecision(state.pausedUntil(until)
        .throttled(time.now(), statedPerMinute), false, until)).mapEmpty();
  }

  /** The budget as it stands, for status and metrics. */
  public Future<QuotaState> peek(String tenantKey, QuotaLimits limits) {
    return map().compose(m -> m.get(tenantKey)).map(stored -> read(tenantKey, stored, limits));
  }

  private Future<QuotaDecision> update(String tenantKey, QuotaLimits limits,
                                       java.util.function.Function<QuotaState, QuotaDecision> change) {
    return vertx.sharedData().getLockWithTimeout("quota:" + tenantKey, LOCK_TIMEOUT_MS)
        .compose(lock -> map()
            .compose(m -> m.get(tenantKey).compose(stored -> {
              QuotaDecision decision = change.apply(read(tenantKey, stored, limits));
              return m.put(tenantKey, seals.seal(tenantKey, encode(decision.state()).encode())).map(decision);
            }))
            .eventually(() -> release(lock)));
  }

  /** The stored state if it is sealed with the cluster's key and readable; a full budget otherwise. */
  private QuotaState read(String tenantKey, Object stored, QuotaLimits limits) {
    if (stored == null) {
      return QuotaState.full(limits, time.now());
    }
    Optional<String> opened = stored instanceof String text ? seals.open(tenantKey, text) : Optional.empty();
    if (opened.isPresent()) {
      try {
        return decode(new JsonObject(opened.get()), limits, time.now());
      } catch (RuntimeException e) {
        LOG.warn("tenant '{}': the shared call budget holds an unreadable entry ({}): read as full", tenantKey,
            e.getMessage());
        return QuotaState.full(limits, time.now());
      }
    }
    LOG.warn("tenant '{}': the shared call budget holds an entry not sealed with the cluster's key (written by a"
        + " member without the ops token?): read as full", tenantKey);
    return QuotaState.full(limits, time.now());
  }

  private static Future<Void> release(Lock lock) {
    lock.release();
    return Future.succeededFuture();
  }

  private Future<AsyncMap<String, Object>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }

  /**
   * The state as stored: the limits it was counted under, the minute bucket's level, and with an hourly limit the
   * hour's newest minute slot ({@code hourSlot}) and its calls per slot, oldest first ({@code hourCalls}).
   */
  static JsonObject encode(QuotaState s) {
    JsonObject j = new JsonObject()
        .put("perMinute", s.limits().perMinute()).put("minuteBurst", s.limits().minuteBurst())
        .put("perHour", s.limits().perHour()).put("minuteUnits", s.minuteUnits())
        .put("updatedAtNanos", toNanos(s.updatedAt())).put("pausedUntilNanos", toNanos(s.pausedUntil()))
        .put("learnedPerMinute", s.learned().perMinute()).put("calmSinceNanos", toNanos(s.learned().calmSince()))
        .put("learnedCeiling", s.learned().ceiling()).put("cutAtNanos", toNanos(s.learned().cutAt()))
        .put("cutTo", s.learned().cutTo());
    if (s.hour().kept()) {
      JsonArray calls = new JsonArray();
      for (int c : s.hour().counts()) {
        calls.add(c);
      }
      j.put("hourSlot", s.hour().newestSlot()).put("hourCalls", calls);
    }
    return j;
  }

  /**
   * A stored state under its own limits, moved to the configured ones if they changed. The entry is read as
   * untrusted (sealed, but any member holding the key writes it): a value out of range throws, and the caller reads
   * the budget as full.
   *
   * @param now this node's clock: an hour window whose newest slot is more than a minute ahead of it is corrupt
   */
  static QuotaState decode(JsonObject j, QuotaLimits configured, Instant now) {
    QuotaLimits stored = new QuotaLimits(j.getInteger("perMinute"), j.getInteger("minuteBurst"),
        j.getInteger("perHour"));
    // An entry written before rates were learned has neither field: nothing learned.
    LearnedRate learned = j.getInteger("learnedPerMinute", 0) == 0 ? LearnedRate.NONE
        : new LearnedRate(j.getInteger("learnedPerMinute"), fromNanos(j.getLong("calmSinceNanos", 0L)),
            j.getInteger("learnedCeiling", 0), fromNanos(j.getLong("cutAtNanos", 0L)),
            j.getInteger("cutTo", 0));
    QuotaState state = new QuotaState(stored, j.getLong("minuteUnits"), hourWindow(j, stored, now),
        fromNanos(j.getLong("updatedAtNanos")), fromNanos(j.getLong("pausedUntilNanos")), learned);
    return stored.equals(configured) ? state : state.withLimits(configured);
  }

  /** The stored hour window: present exactly with an hourly limit, {@link HourWindow#SLOTS} counts in range. */
  private static HourWindow hourWindow(JsonObject j, QuotaLimits stored, Instant now) {
    JsonArray calls = j.getJsonArray("hourCalls");
    if (!stored.hasHourlyLimit()) {
      if (calls != null || j.containsKey("hourSlot")) {
        throw new IllegalArgumentException("an hour window without an hourly limit");
      }
      return HourWindow.NONE;
    }
    if (calls == null || calls.size() != HourWindow.SLOTS) {
      throw new IllegalArgumentException("hourCalls must hold " + HourWindow.SLOTS + " counts, got "
          + (calls == null ? "none" : calls.size()));
    }
    long slot = whole("hourSlot", j.getValue("hourSlot"));
    if (slot > HourWindow.slotOf(now) + 1) {
      throw new IllegalArgumentException("hourSlot " + slot + " is more than a minute ahead of this node's clock ("
          + now + ")");
    }
    int[] counts = new int[HourWindow.SLOTS];
    for (int i = 0; i < counts.length; i++) {
      long c = whole("hourCalls[" + i + "]", calls.getValue(i));
      if (c < 0 || c > stored.perHour()) {
        throw new IllegalArgumentException("hourCalls[" + i + "] must be in 0.." + stored.perHour() + ", got " + c);
      }
      counts[i] = (int) c;
    }
    return HourWindow.of(slot, counts);
  }

  /** A JSON integer (not a fraction, nor one beyond a long, which Jackson reads as a BigInteger). */
  private static long whole(String name, Object value) {
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).longValue();
    }
    throw new IllegalArgumentException(name + " must be an integer, got " + value);
  }

  private static long toNanos(Instant t) {
    return TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano();
  }

  private static Instant fromNanos(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }
}
