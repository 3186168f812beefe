package org.defenderadx.migration.worker.lease;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Lock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.defenderadx.migration.worker.cluster.PeerSignature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is exporting which table: a lease per tenant and table in a Vert.x SharedData map (local single-node, Hazelcast
 * when clustered; one code path). A lease expires unless renewed, so the work of a node that died is taken up again
 * once its lease lapses; a node that lost its lease must not commit ({@link #holds}). Entries are sealed with the
 * cluster's key ({@link #sealedBy}): one a member without the ops token wrote counts as no lease, and is replaced by
 * the next node to take the table.
 */
public final class TableLeases {

  static final String MAP = "defender-adx-migration.leases";
  private static final long LOCK_TIMEOUT_MS = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(TableLeases.class);

  private final Vertx vertx;
  private volatile PeerSignature seals = PeerSignature.NONE;

  public TableLeases(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Seals every lease this node writes, and ignores unsealed ones, with the cluster's key. */
  public TableLeases sealedBy(PeerSignature peers) {
    this.seals = peers;
    return this;
  }

  public static String key(String tenantKey, String sourceTable) {
    return tenantKey + "|" + sourceTable;
  }

  /**
   * A new lease id if the table was free, or null if someone else holds it. Under the table's lock, like
   * {@link #renew}: a renewal that read its lease just before it lapsed cannot overwrite a lease taken in between.
   */
  public Future<String> acquire(String key, Duration ttl) {
    String leaseId = UUID.randomUUID().toString();
    String sealed = seals.seal(key, leaseId);
    return vertx.sharedData().getLockWithTimeout("lease:" + key, LOCK_TIMEOUT_MS)
        .compose(lock -> map().compose(m -> m.get(key).compose(current -> {
          if (current == null) {
            return m.putIfAbsent(key, sealed, ttl.toMillis()).map(previous -> previous == null);
          }
          if (seals.open(key, current).isPresent()) {
            return Future.succeededFuture(false);
          }
          LOG.warn("table lease {} held an entry not sealed with the cluster's key (written by a member without the"
              + " ops token?): replaced", key);
          return m.removeIfPresent(key, current)
              .compose(removed -> m.putIfAbsent(key, sealed, ttl.toMillis()).map(previous -> previous == null));
        })).eventually(() -> release(lock)))
        .map(taken -> taken ? leaseId : null);
  }

  /** Extends the lease; false if it was lost (expired and possibly taken by another node). */
  public Future<Boolean> renew(String key, String leaseId, Duration ttl) {
    return vertx.sharedData().getLockWithTimeout("lease:" + key, LOCK_TIMEOUT_MS)
        .compose(lock -> map().compose(m -> m.get(key).compose(current -> {
          if (!Optional.of(leaseId).equals(seals.open(key, current))) {
            return Future.succeededFuture(false);
          }
          return m.put(key, seals.seal(key, leaseId), ttl.toMillis()).map(true);
        })).eventually(() -> release(lock)));
  }

  /** The id holding the table's lease now, if anyone does. */
  public Future<Optional<String>> holder(String key) {
    return map().compose(m -> m.get(key)).map(current -> seals.open(key, current));
  }

  /** Whether anyone holds the table's lease now. */
  public Future<Boolean> isHeld(String key) {
    return holder(key).map(Optional::isPresent);
  }

  /** Whether {@code leaseId} still holds the table. */
  public Future<Boolean> holds(String key, String leaseId) {
    return holder(key).map(Optional.of(leaseId)::equals);
  }

  public Future<Void> release(String key, String leaseId) {
    return map().compose(m -> m.removeIfPresent(key, seals.seal(key, leaseId))).mapEmpty();
  }

  private static Future<Void> release(Lock lock) {
    lock.release();
    return Future.succeededFuture();
  }

  private Future<AsyncMap<String, String>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }
}
