package org.defenderadx.migration.api.bus;

/**
 * Every event-bus address, in one place. Versioned: a change to a message schema gets a new address version, so
 * nodes of two releases in one cluster never misread each other's messages.
 */
public final class Addresses {
  private Addresses() {
  }

  /**
   * Request-reply: the coordinator sends one {@link TableWork} to whichever table worker takes it (the event bus
   * round-robins across nodes); the reply is a {@link TableOutcome} when the table has caught up, paused or failed.
   * Work is never pushed to a paused consumer: it is a request with a timeout, answered or failed.
   */
  public static final String TABLE_WORK = "defender-adx-migration.v1.table-work";

  /**
   * Request-reply, answered by any node: the cluster's status as one JSON document (request body: {@code {}}).
   * Schema ({@code null} where unknown):
   * <pre>
   * { "node": str, "generatedAt": ISO instant, "clock": ISO instant (the service clock, may be scaled),
   *   "tenants": [ { "key": str, "callsLastMinute": int, "callsPerMinute": int, "callsLastHour": int,
   *                  "callsPerHour": int, "breaker": "CLOSED"|"OPEN"|"HALF_OPEN", "paused": bool,
   *                  "pausedUntil": ISO|null } ],
   *   "tables": [ { "tenantKey": str, "sourceTable": str, "kind": "incremental"|"snapshot",
   *                 "state": "idle"|"running"|"caught-up"|"paused"|"failed"|"inactive",
   *                 "watermark": ISO|null, "lagSeconds": number|null, "rowsLastCycle": long, "rowsTotal": long,
   *                 "lastError": str|null, "node": str|null,
   *                 "backfill": { "from": ISO, "to": ISO, "done": 0..1, "etaSeconds": number|null }|null } ] }
   * </pre>
   */
  public static final String OPS_STATUS = "defender-adx-migration.v1.ops.status";
}
