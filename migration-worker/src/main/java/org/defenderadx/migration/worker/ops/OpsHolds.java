package org.defenderadx.migration.worker.ops;

import org.defenderadx.migration.worker.cluster.PeerSignature;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the ops commands hold back from dispatch, cluster-wide (a SharedData map: Hazelcast when clustered, local
 * otherwise): paused tenants, paused tables, and tables whose configuration an ops command is changing. The
 * coordinator checks it after taking a table's lease and before handing the table out, so a cycle that read the
 * configuration just before an ops command changed it cannot hand out the old row.
 *
 * <p>Not durable: a full-cluster restart forgets tenant pauses. Table pauses are also written to
 * MigrationConfiguration (IsActive = false), which is what survives a restart.
 */
public final class OpsHolds {

  static final String MAP = "defender-adx-migration.ops.holds";

  private final Vertx vertx;
  private final PeerSignature peers;

  public OpsHolds(Vertx vertx) {
    this(vertx, PeerSignature.NONE);
  }

  /**
   * @param peers seals every hold written and opens every hold read: a hold written into the shared map by a member
   *     without the ops token is ignored (it neither blocks a table nor shows in the status)
   */
  public OpsHolds(Vertx vertx, PeerSignature peers) {
    this.vertx = vertx;
    this.peers = peers;
  }

  static String tenantKey(String tenant) {
    return "tenant|" + tenant;
  }

  static String tableKey(String tenant, String table) {
    return "table|" + tenant + "|" + table;
  }

  static String changeKey(String tenant, String table) {
    return "change|" + tenant + "|" + table;
  }

  static String parkedKey(String tenant, String table) {
    return "parked|" + tenant + "|" + table;
  }

  /** Whether the table may not be handed out now; the reason when it may not. */
  public Future<String> blocking(String tenant, String table) {
    return map().compose(m -> read(m, tenantKey(tenant))
        .compose(t -> t != null ? Future.succeededFuture(t) : read(m, tableKey(tenant, table)))
        .compose(t -> t != null ? Future.succeededFuture(t) : read(m, changeKey(tenant, table)))
        .compose(t -> t != null ? Future.succeededFuture(t) : read(m, parkedKey(tenant, table))));
  }

  /** The hold under {@code key} if this cluster wrote it; null otherwise. */
  private Future<String> read(AsyncMap<String, String> m, String key) {
    return m.get(key).map(v -> peers.open(key, v).orElse(null));
  }

  public Future<Void> pauseTenant(String tenant, String reason) {
    return map().compose(m -> m.put(tenantKey(tenant), peers.seal(tenantKey(tenant), reason)));
  }

  /** True if the tenant was paused. */
  public Future<Boolean> resumeTenant(String tenant) {
    return map().compose(m -> m.remove(tenantKey(tenant))).map(previous -> previous != null);
  }

  public Future<Void> pauseTable(String tenant, String table, String reason) {
    return map().compose(m -> m.put(tableKey(tenant, table), peers.seal(tableKey(tenant, table), reason)));
  }

  public Future<Void> resumeTable(String tenant, String table) {
    return map().compose(m -> m.remove(tableKey(tenant, table))).mapEmpty();
  }

  /** Holds the table back for {@code ttl}: longer than any cycle takes from reading the configuration to dispatch. */
  public Future<Void> holdForChange(String tenant, String table, String reason, Duration ttl) {
    return map().compose(m -> m.put(changeKey(tenant, table), peers.seal(changeKey(tenant, table), reason), ttl.toMillis()));
  }

  /**
   * Parks a table the tenant does not have for {@code ttl}: no run is handed out until the entry lapses (then one run
   * probes the table) or {@link #unpark} ends it.
   */
  public Future<Void> park(String tenant, String table, String reason, Duration ttl) {
    return map().compose(m -> m.put(parkedKey(tenant, table), peers.seal(parkedKey(tenant, table), reason),
        ttl.toMillis()));
  }

  /** True if the table was parked. */
  public Future<Boolean> unpark(String tenant, String table) {
    return map().compose(m -> m.remove(parkedKey(tenant, table))).map(previous -> previous != null);
  }

  /** The parked tables ({@code tenant|table}), with the reason each was parked. */
  public Future<Map<String, String>> parkedTables() {
    return opened("parked|");
  }

  /** The paused tenants, with the reason each was paused. */
  public Future<Map<String, String>> pausedTenants() {
    return opened("tenant|");
  }

  /** The holds whose key starts with {@code prefix} and that this cluster wrote, by the rest of their key. */
  private Future<Map<String, String>> opened(String prefix) {
    return map().compose(AsyncMap::entries).map(all -> {
      Map<String, String> out = new TreeMap<>();
      all.forEach((k, v) -> {
        if (k.startsWith(prefix)) {
          peers.open(k, v).ifPresent(reason -> out.put(k.substring(prefix.length()), reason));
        }
      });
      return out;
    });
  }

  private Future<AsyncMap<String, String>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }
}
