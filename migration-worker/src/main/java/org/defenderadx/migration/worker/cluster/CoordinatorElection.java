package org.defenderadx.migration.worker.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Lock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which node's coordinator is the active one: the holder of a single lease in a SharedData map (Hazelcast when
 * clustered, local otherwise; one code path). Every node calls {@link #heartbeat()} once a heartbeat: the holder
 * renews the lease, the others try to take it, which succeeds only once it has lapsed, that is {@code leaseTtl} after
 * the holder's last renewal (for a node that died: once Hazelcast removed it and its map entries fail over).
 *
 * <p>A holder that cannot renew counts itself active only until {@code leaseTtl} after its last renewal <em>began</em>,
 * which is no later than the lease lapses in the map; so two nodes never both count themselves active (their clocks
 * running at the same rate). Leadership only decides who plans: exporting a table is fenced by the table's own lease.
 */
public final class CoordinatorElection {

  private static final Logger LOG = LoggerFactory.getLogger(CoordinatorElection.class);
  static final String MAP = "defender-adx-migration.coordinator";
  static final String KEY = "active";
  private static final long LOCK_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final String node;
  private final Duration leaseTtl;
  private final Clock realTime;
  /** This node's lease ({@code node/uuid}) while it holds it, else null. */
  private volatile String term;
  private volatile Instant activeUntil = Instant.MIN;
  private volatile boolean resigned;

  /**
   * @param realTime a clock of real (not scaled) time; leases lapse in real time
   */
  public CoordinatorElection(Vertx vertx, String node, Duration leaseTtl, Clock realTime) {
    this.vertx = vertx;
    this.node = node;
    this.leaseTtl = leaseTtl;
    this.realTime = realTime;
  }

  /**
   * Renews this node's lease or tries to take a free one. Completes with whether this node is active now; never
   * fails (a map that cannot be reached leaves the local deadline in charge).
   */
  public Future<Boolean> heartbeat() {
    Instant began = realTime.instant();
    String held = term;
    Future<String> attempt = held == null ? take() : renew(held);
    return attempt.compose(now -> {
      if (now != null && resigned) {
        // A heartbeat that was under way when this node resigned: give back what it took or renewed.
        return map().compose(m -> m.removeIfPresent(KEY, now)).map(x -> (String) null);
      }
      return Future.succeededFuture(now);
    }).map(now -> {
      if (resigned) {
        term = null;
        return false;
      }
      if (now != null) {
        if (held == null) {
          LOG.info("coordinator: node {} is now the active coordinator (lease {} s)", node, leaseTtl.toSeconds());
        }
        term = now;
        activeUntil = began.plus(leaseTtl);
      } else if (held != null) {
        LOG.warn("coordinator: node {} lost the coordinator lease (another node holds it); standing by", node);
        term = null;
      }
      return isActive();
    }).otherwise(e -> {
      LOG.warn("coordinator: cannot reach the coordinator lease ({}); active only until {}", e.getMessage(),
          held == null ? "-" : activeUntil);
      return isActive();
    });
  }

  /** Whether this node is the active coordinator: it holds the lease and its last renewal is recent enough. */
  public boolean isActive() {
    return term != null && realTime.instant().isBefore(activeUntil);
  }

  /** The node holding the lease, as the map says now (for status); empty while nobody holds it. */
  public Future<Optional<String>> activeNode() {
    return map().compose(m -> m.get(KEY))
        .map(value -> Optional.ofNullable(value).map(v -> v.substring(0, v.lastIndexOf('/'))));
  }

  /**
   * Gives the lease up at once and for good (graceful stop), so another node takes over at its next heartbeat; later
   * heartbeats of this election take nothing.
   */
  public Future<Void> resign() {
    resigned = true;
    String held = term;
    term = null;
    if (held == null) {
      return Future.succeededFuture();
    }
    LOG.info("coordinator: node {} resigns as the active coordinator", node);
    return map().compose(m -> m.removeIfPresent(KEY, held)).<Void>mapEmpty().otherwiseEmpty();
  }

  public String node() {
    return node;
  }

  /** A new lease if none is held; null otherwise. */
  private Future<String> take() {
    String candidate = node + "/" + UUID.randomUUID();
    return underLock(m -> m.putIfAbsent(KEY, candidate, leaseTtl.toMillis())
        .map(previous -> previous == null ? candidate : null));
  }

  /** Extends the lease if it is still ours; null if it lapsed (and perhaps went to another node). */
  private Future<String> renew(String held) {
    return underLock(m -> m.get(KEY).compose(current -> held.equals(current)
        ? m.put(KEY, held, leaseTtl.toMillis()).map(held)
        : Future.<String>succeededFuture(null)));
  }

  /**
   * Taking and renewing hold one cluster-wide lock, so a renewal that reads its lease just before it lapses cannot
   * overwrite a lease another node took in between. Hazelcast frees the lock of a member that died.
   */
  private Future<String> underLock(java.util.function.Function<AsyncMap<String, String>, Future<String>> change) {
    return vertx.sharedData().getLockWithTimeout(MAP + ":lock", LOCK_TIMEOUT_MS)
        .compose(lock -> map().compose(change).eventually(() -> release(lock)));
  }

  private static Future<Void> release(Lock lock) {
    lock.release();
    return Future.succeededFuture();
  }

  private Future<AsyncMap<String, String>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }
}
