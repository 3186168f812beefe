package org.defenderadx.migration.api.bus;

/**
 * Every event-bus address, in one place. Versioned: a change to a message schema gets a new address version, so
 * nodes of two releases in one cluster never misread each other's messages.
 */
public final class Addresses {
  private Addresses() {
  }

  /** What every address of the service starts with (metrics label only these; SECURITY.md lists them). */
  public static final String PREFIX = "defender-adx-migration.";

  /**
   * Request-reply: the active coordinator offers one {@link TableWork} for a table whose lease is free. Whichever
   * fetch verticle takes it (the event bus round-robins across instances and nodes) acquires the table's lease itself
   * and replies at once {@code {"accepted": bool, "node": str, "reason": str}}; it keeps the table as long as it renews
   * the lease, however long the run, and publishes the {@link TableOutcome} on {@link #TABLE_OUTCOMES} when done.
   */
  public static final String TABLE_WORK = "defender-adx-migration.v2.table-work";

  /** Publish: a table run's {@link TableOutcome}, to every node's coordinator (logs, status, the next offers). */
  public static final String TABLE_OUTCOMES = "defender-adx-migration.v2.table-outcomes";

  /**
   * Node-local request-reply (a local consumer, a codec that cannot leave the node): a fetch verticle hands the
   * node's ingestion verticle one finished unit (blob, identity, counts); the reply says whether ADX confirmed it.
   */
  public static final String INGEST_DELIVER = "defender-adx-migration.v1.ingest.deliver";

  /** Node-local request-reply: confirm an earlier process's send of a unit before the unit is fetched again. */
  public static final String INGEST_RECOVER = "defender-adx-migration.v1.ingest.recover";

  /** Node-local request-reply: commit a table's watermark or snapshot progress with its audit rows, in order. */
  public static final String INGEST_COMMIT = "defender-adx-migration.v1.ingest.commit";

  /**
   * Request-reply, answered by any node: the cluster's status as one JSON document (request body: {@code {}}).
   * Schema ({@code null} where unknown):
   * <pre>
   * { "node": str, "generatedAt": ISO instant, "clock": ISO instant (the service clock, may be scaled),
   *   "tenants": [ { "key": str, "callsLastMinute": int, "callsPerMinute": int, "callsLastHour": int,
   *                  "callsPerHour": int, "breaker": "CLOSED"|"OPEN"|"HALF_OPEN", "paused": bool,
   *                  "pausedUntil": ISO|null } ],
   *   "tables": [ { "tenantKey": str, "sourceTable": str, "kind": "incremental"|"snapshot",
   *                 "state": "idle"|"running"|"caught-up"|"paused"|"failed"|"inactive"
   *                          |"awaiting-first-snapshot" (a snapshot table none of whose snapshots is committed yet),
   *                 "watermark": ISO|null (snapshot tables: the stamp of the last committed snapshot), "lagSeconds": number|null, "rowsLastCycle": long, "rowsTotal": long,
   *                 "lastError": str|null, "node": str|null,
   *                 "backfill": { "from": ISO, "to": ISO, "done": 0..1, "etaSeconds": number|null }|null } ] }
   * </pre>
   *
   * <p>Read with the ops token ({@link #OPS_TOKEN_HEADER}), as every ops command; without it the request fails
   * with code 401.
   */
  public static final String OPS_STATUS = "defender-adx-migration.v1.ops.status";

  /**
   * Request-reply, answered by every node's ops verticle at once with {@code {"node": name}}, without a token: it
   * only proves that the event bus between the asker and a node carries messages both ways (migrationctl asks it
   * after joining, so that an event bus it cannot use, e.g. TLS on one side only, is an error in seconds).
   */
  public static final String OPS_PING = "defender-adx-migration.v1.ops.ping";

  /**
   * The ops token of an ops command, as a message header. Nodes compare it with their configured {@code ops.token*}
   * secret in constant time and refuse the command ({@link OpsReply.Status#REFUSED}) when it is missing or wrong.
   */
  public static final String OPS_TOKEN_HEADER = "x-ops-token";

  /** Header of a published ops command ({@link #OPS_DRAIN}): where each node sends its {@link OpsReply}. */
  public static final String OPS_REPLY_TO_HEADER = "x-ops-reply-to";

  /**
   * Request-reply ops commands, each answered by any node with an {@link OpsReply} (body of the request: an
   * {@link OpsRequest}). Which request fields each reads, and the {@code data} of its reply:
   * <ul>
   *   <li>{@code tables}: none; data {@code {"tables": [ {tenantKey, sourceTable, destinationTable, active, watermark,
   *       version, loadType, watermarkColumn, notes} ]}}</li>
   *   <li>{@code pause} / {@code resume}: {@code table} (appends a MigrationConfiguration version, IsActive false /
   *       true) or {@code tenant} only (a cluster-wide tenant pause the coordinator honours); data
   *       {@code {"table"|"tenant", "version"?}}</li>
   *   <li>{@code run-now}: optional {@code tenant}, {@code table}; data {@code {"dispatched": [tenant|table]}}</li>
   *   <li>{@code reset-watermark}: {@code table}, {@code to}, {@code force} (needed to move forward); data
   *       {@code {"from": ISO|null, "to": ISO, "version"}}</li>
   *   <li>{@code backfill}, {@code repair}: {@code table}, {@code from}, {@code to}; data: one entry per range
   *       repaired {@code {"ranges": [ {from, to, windowsReplaced, rowsIngested, extentsDropped, exact,
   *       failure} ]}}</li>
   *   <li>{@code verify}: {@code table} (or every active incremental table of {@code tenant}), {@code from},
   *       {@code to}; data {@code {"reports": [ {sourceTable, from, to, exact, mismatches: [ {hour, source, adx} ],
   *       error} ]}}</li>
   *   <li>{@code audit}: {@code from} (since), optional {@code table}, {@code limit}; data {@code {"rows": [...]}}</li>
   *   <li>{@code plan}: optional {@code tenant}, {@code table}; data {@code {"tables": [ {tenantKey, sourceTable,
   *       watermark, windows, estimatedCalls, etaSeconds} ], "tenants": [ {key, callsPerMinute} ]}}</li>
   *   <li>{@code schema}: {@code table}, optional {@code tenant}, {@code force} (= apply); data {@code {sourceTable,
   *       typedTable, exists, missing, changed, columns: [ {column, source, adx, note} ], problems: [...]}}</li>
   * </ul>
   */
  public static final String OPS_TABLES = "defender-adx-migration.v1.ops.tables";
  public static final String OPS_PAUSE = "defender-adx-migration.v1.ops.pause";
  public static final String OPS_RESUME = "defender-adx-migration.v1.ops.resume";
  public static final String OPS_RUN_NOW = "defender-adx-migration.v1.ops.run-now";
  public static final String OPS_RESET_WATERMARK = "defender-adx-migration.v1.ops.reset-watermark";
  public static final String OPS_BACKFILL = "defender-adx-migration.v1.ops.backfill";
  public static final String OPS_VERIFY = "defender-adx-migration.v1.ops.verify";
  public static final String OPS_REPAIR = "defender-adx-migration.v1.ops.repair";
  public static final String OPS_AUDIT = "defender-adx-migration.v1.ops.audit";
  public static final String OPS_PLAN = "defender-adx-migration.v1.ops.plan";
  public static final String OPS_SCHEMA = "defender-adx-migration.v1.ops.schema";

  /**
   * Published (every node receives it): the node named by the request's {@code node} (every node when it is
   * empty) stops taking table work and lets the windows under way settle; each node that acted, or refused, sends an
   * {@link OpsReply} to the address in the {@link #OPS_REPLY_TO_HEADER} header, data {@code {"node", "drained"}}.
   */
  public static final String OPS_DRAIN = "defender-adx-migration.v1.ops.drain";

  /**
   * Request-reply, answered only by the active coordinator (it registers while it holds the coordinator lease):
   * plan a cycle now. Body: optional {@code tenant}, {@code table}; reply {@code {"dispatched": [tenant|table]}}.
   * Internal to the nodes: {@link #OPS_RUN_NOW} reaches any node, which asks here.
   */
  public static final String COORDINATOR_RUN_NOW = "defender-adx-migration.v1.coordinator.run-now";
}
