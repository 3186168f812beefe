package org.defenderadx.migration.worker.lease;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Lock;
import java.time.Duration;
import java.util.UUID;

/**
 * Who is exporting which table: a lease per tenant and table in a Vert.x SharedData map (local single-node, Hazelcast
 * when clustered; one code path). A lease expires unless renewed, so the work of a node that died is taken up again
 * once its lease lapses; a node that lost its lease must not commit ({@link #holds}).
 */
public final class TableLeases {

  static final String MAP = "defender-adx-migration.leases";
  private static final long LOCK_TIMEOUT_MS = 10_000;

  private final Vertx vertx;

  public TableLeases(Vertx vertx) {
    this.vertx = vertx;
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
    return vertx.sharedData().getLockWithTimeout("lease:" + key, LOCK_TIMEOUT_MS)
        .compose(lock -> map().compose(m -> m.putIfAbsent(key, leaseId, ttl.toMillis()))
            .eventually(() -> release(lock)))
        .map(previous -> previous == null ? leaseId : null);
  }

  /** Extends the lease; false if it was lost (expired and possibly taken by another node). */
  public Future<Boolean> renew(String key, String leaseId, Duration ttl) {
    return vertx.sharedData().getLockWithTimeout("lease:" + key, LOCK_TIMEOUT_MS)
        .compose(lock -> map().compose(m -> m.get(key).compose(current -> {
          if (!leaseId.equals(current)) {
            return Future.succeededFuture(false);
          }
          return m.put(key, leaseId, ttl.toMillis()).map(true);
        })).eventually(() -> release(lock)));
  }

  /** The id holding the table's lease now, if anyone does. */
  public Future<java.util.Optional<String>> holder(String key) {
    return map().compose(m -> m.get(key)).map(java.util.Optional::ofNullable);
  }

  /** Whether anyone holds the table's lease now. */
  public Future<Boolean> isHeld(String key) {
    return map().compose(m -> m.get(key)).map(current -> current != null);
  }

  /** Whether {@code leaseId} still holds the table. */
  public Future<Boolean> holds(String key, String leaseId) {
    return map().compose(m -> m.get(key)).map(leaseId::equals);
  }

  public Future<Void> release(String key, String leaseId) {
    return map().compose(m -> m.removeIfPresent(key, leaseId)).mapEmpty();
  }

  private static Future<Void> release(Lock lock) {
    lock.release();
    return Future.succeededFuture();
  }

  private Future<AsyncMap<String, String>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }
}
