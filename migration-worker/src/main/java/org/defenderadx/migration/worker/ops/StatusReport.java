package org.defenderadx.migration.worker.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.common.config.MigrationTuning;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.quota.QuotaState;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.quota.SharedCallBudget;

/**
 * The cluster's status as one JSON document ({@link Addresses#OPS_STATUS} gives the schema), built so that any node
 * gives the same answer: tables, watermarks and activity from ADX (the configuration in force and the audit log),
 * call budgets from the cluster-wide {@link SharedCallBudget}, and who runs what, breakers, call counts and the
 * coordinators' outcomes from every node's {@link NodeActivity} entry. Built at most once per {@link #CACHE_FOR}
 * (real time), so pages refreshing every two seconds do not each query ADX.
 *
 * <p>How fields are read: {@code rowsLastCycle} is the rows committed by the table's latest run that committed any
 * (within a day); {@code rowsTotal} all rows committed ({@code Succeeded} audit rows); {@code lastError} the latest
 * failure ({@code Failed}, {@code Quarantined}, {@code RepairFailed}, or a coordinator outcome) when it is newer than the
 * table's latest committed window; {@code node} the node running the table, else the one whose outcome is latest.
 *
 * <p>Fields added to the schema: per tenant {@code minutePermits}/{@code hourPermits} (permits left in the shared
 * budget); per table {@code destinationTable}, {@code atRisk} (why rows are about to age out at the source, or null)
 * and, for a snapshot under way, {@code snapshot: {at, buckets, done}}; per backfill {@code rate} (seconds of source
 * data exported per second, recent).
 */
public final class StatusReport {

  static final Duration CACHE_FOR = Duration.ofSeconds(3);
  /** Committed windows this recent give the backfill rate. */
  static final Duration RATE_SPAN = Duration.ofMinutes(10);

  private final Vertx vertx;
  private final MigrationStateStore state;
  private final AdxClient adx;
  private final Map<String, TenantContext> tenants;
  private final SharedCallBudget budget;
  private final TimeSource time;
  private final Clock wall;
  private final MigrationTuning tuning;
  private final String node;

  private volatile OpsHolds holds;
  private Future<JsonObject> inFlight;
  private JsonObject cached;
  private long cachedAtNanos;

  public StatusReport(Vertx vertx, MigrationStateStore state, AdxClient adx, Map<String, TenantContext> tenants,
                      SharedCallBudget budget, TimeSource time, Clock wall, MigrationTuning tuning, String node) {
    this.vertx = vertx;
    this.state = state;
    this.adx = adx;
    this.tenants = tenants;
    this.budget = budget;
    this.time = time;
    this.wall = wall;
    this.tuning = tuning;
    this.node = node;
    this.holds = new OpsHolds(vertx);
  }

  /** Reads parked tables through {@code holds} (sealed with the cluster's key). */
  public StatusReport readingHolds(OpsHolds holds) {
    this.holds = holds;
    return this;
  }

  /** The status, at most {@link #CACHE_FOR} old; fails when ADX cannot be read. */
  public synchronized Future<JsonObject> current() {
    if (cached != null && System.nanoTime() - cachedAtNanos < CACHE_FOR.toNanos()) {
      return Future.succeededFuture(cached);
    }
    if (inFlight == null) {
      inFlight = build().andThen(ar -> {
        synchronized (this) {
          inFlight = null;
          if (ar.succeeded()) {
            cached = ar.result();
            cachedAtNanos = System.nanoTime();
          }
        }
      });
    }
    return inFlight;
  }

  /** A lag (or a backfill's projected lag) at or beyond this means rows are about to age out at the source. */
  public Duration riskThreshold() {
    return MigrationTuning.HORIZON.minus(tuning.horizonMargin());
  }

  /** A table is caught up when its watermark is no further behind now than this. */
  Duration caughtUpWithin() {
    return tuning.windowGrid().plus(tuning.settleLag()).plus(tuning.cycleInterval());
  }

  private Future<JsonObject> build() {
    Instant now = time.now();
    Future<MigrationStateStore.Rows> rows = state.latest();
    Future<Map<String, Map<String, Object>>> totals = byTable(MigrationStateStore.AUDIT_TABLE + "\n"
        + "| where Status == 'Succeeded'\n"
        + "| summarize RowsTotal = sum(RecordCount), FirstStart = min(WindowStart), LastSuccess = max(Timestamp)"
        + " by TenantId, SourceTable");
    Future<Map<String, Map<String, Object>>> recent = byTable(MigrationStateStore.AUDIT_TABLE + "\n"
        + "| where Status == 'Succeeded' and Timestamp >= " + KustoTime.literal(now.minus(RATE_SPAN)) + "\n"
        + "| summarize Windows = count(), FirstAt = min(Timestamp), LastAt = max(Timestamp), FirstEnd = min(WindowEnd),"
        + " LastEnd = max(WindowEnd) by TenantId, SourceTable");
    Future<List<Map<String, Object>>> runs = adx.query(MigrationStateStore.AUDIT_TABLE + "\n"
        + "| where Status == 'Succeeded' and Timestamp >= " + KustoTime.literal(now.minus(Duration.ofDays(1))) + "\n"
        + "| summarize Rows = sum(RecordCount), At = max(Timestamp) by TenantId, SourceTable, RunId");
    Future<Map<String, Map<String, Object>>> errors = byTable(MigrationStateStore.AUDIT_TABLE + "\n"
        + "| where Status == 'Failed' or Status == 'Quarantined' or Status == 'RepairFailed'\n"
        + "| summarize arg_max(Timestamp, FailureReason) by TenantId, SourceTable");
    // The latest typed-table event per table: a problem (schema drift, a column left out, the table not made) until
    // something went right for it after (made, given a column, backfilled).
    Future<Map<String, Map<String, Object>>> typed = byTable(MigrationStateStore.AUDIT_TABLE + "\n"
        + "| where Status in ('SchemaDrift', 'TypedColumnLeftOut', 'TypedRefused', 'TypedTableCreated', "
        + "'TypedColumnsAdded', 'TypedBackfilled')\n"
        + "| summarize arg_max(Timestamp, Status, FailureReason) by TenantId, SourceTable");
    Future<List<JsonObject>> nodes = NodeActivity.all(vertx);
    Future<Map<String, String>> parked = holds.parkedTables();
    List<Future<QuotaState>> budgets = new ArrayList<>();
    tenants.values().forEach(t -> budgets.add(budget.peek(t.key(), t.limits())));
    return Future.all(List.of(rows, totals, recent, runs, errors, nodes, parked, typed, Future.all(budgets))).map(x ->
        document(now, rows.result(), totals.result(), recent.result(), lastRuns(runs.result()), errors.result(),
            nodes.result(), budgets.stream().map(Future::result).toList(), parked.result(), typed.result()));
  }

  private JsonObject document(Instant now, MigrationStateStore.Rows config, Map<String, Map<String, Object>> totals,
                              Map<String, Map<String, Object>> recent, Map<String, Long> lastRunRows,
                              Map<String, Map<String, Object>> errors, List<JsonObject> nodes,
                              List<QuotaState> budgets, Map<String, String> parked,
                              Map<String, Map<String, Object>> typedProblems) {
    Map<String, String> runningOn = new HashMap<>();
    Map<String, JsonObject> outcomes = new HashMap<>();
    for (JsonObject n : nodes) {
      n.getJsonArray("running", new JsonArray()).forEach(k -> runningOn.put((String) k, n.getString("node")));
      n.getJsonObject("outcomes", new JsonObject()).forEach(e -> {
        JsonObject o = (JsonObject) e.getValue();
        JsonObject known = outcomes.get(e.getKey());
        if (known == null || known.getString("seenAt").compareTo(o.getString("seenAt")) < 0) {
          outcomes.put(e.getKey(), o);
        }
      });
    }

    JsonArray tenantArray = new JsonArray();
    Map<String, Instant> pausedUntil = new HashMap<>();
    int i = 0;
    for (TenantContext t : tenants.values()) {
      QuotaState q = budgets.get(i++);
      long minute = 0;
      long hour = 0;
      String breaker = null;
      for (JsonObject n : nodes) {
        JsonObject mine = n.getJsonObject("tenants", new JsonObject()).getJsonObject(t.key());
        if (mine != null) {
          minute += mine.getLong("callsLastMinute", 0L);
          hour += mine.getLong("callsLastHour", 0L);
          breaker = NodeActivity.worse(breaker, mine.getString("breaker"));
        }
      }
      boolean paused = q.pausedUntil().isAfter(now);
      if (paused) {
        pausedUntil.put(t.key(), q.pausedUntil());
      }
      tenantArray.add(new JsonObject().put("key", t.key())
          .put("callsLastMinute", minute).put("callsPerMinute", t.config().api().callsPerMinute())
          .put("callsLastHour", hour).put("callsPerHour", t.config().api().callsPerHour())
          .put("breaker", breaker == null ? t.breaker().state().name() : breaker)
          .put("credentialError", t.tokens().lastError().orElse(null))
          .put("paused", paused).put("pausedUntil", paused ? q.pausedUntil().toString() : null)
          .put("learnedCallsPerMinute", q.learned().learned() ? q.effective().perMinute() : null)
          .put("minutePermits", round(q.minutePermits(now)))
          .put("hourPermits", t.limits().hasHourlyLimit() ? round(q.hourPermits(now)) : null));
    }

    JsonArray tables = new JsonArray();
    List<MigrationConfigRow> rows = new ArrayList<>(config.rows());
    rows.sort((a, b) -> TableLeases.key(a.tenantId(), a.sourceTable())
        .compareTo(TableLeases.key(b.tenantId(), b.sourceTable())));
    for (MigrationConfigRow row : rows) {
      if (!tenants.containsKey(row.tenantId())) {
        continue; // another deployment's tenant
      }
      String key = TableLeases.key(row.tenantId(), row.sourceTable());
      Map<String, Object> typedProblem = typedProblems.get(key);
      tables.add(table(now, row, totals.getOrDefault(key, Map.of()), recent.getOrDefault(key, Map.of()),
          lastRunRows.getOrDefault(key, 0L), errors.getOrDefault(key, Map.of()), runningOn.get(key),
          outcomes.get(key), pausedUntil.get(row.tenantId()), parked.get(key))
          .put("typedTableProblem", typedProblem == null || text(typedProblem.get("FailureReason")).isEmpty() ? null
              : text(typedProblem.get("FailureReason"))));
    }
    config.bad().forEach(b -> tables.add(new JsonObject().put("tenantKey", null).put("sourceTable", b.sourceTable())
        .put("kind", "incremental").put("state", "failed").put("watermark", null).put("lagSeconds", null)
        .put("rowsLastCycle", 0L).put("rowsTotal", 0L).put("lastError", "configuration row not usable: " + b.reason())
        .put("node", null).put("backfill", null)));

    return new JsonObject().put("node", node).put("generatedAt", wall.instant().toString())
        .put("clock", now.toString()).put("tenants", tenantArray).put("tables", tables);
  }

  private JsonObject table(Instant now, MigrationConfigRow row, Map<String, Object> total, Map<String, Object> recent,
                           long lastRunRows, Map<String, Object> error, String running, JsonObject outcome,
                           Instant tenantPausedUntil, String parkedBecause) {
    TableKind kind;
    String configError = null;
    try {
      kind = row.resolve().kind();
    } catch (RuntimeException e) {
      kind = TableKind.INCREMENTAL_INGESTION_TIME;
      configError = e.getMessage();
    }
    boolean snapshot = kind == TableKind.SNAPSHOT;
    // A snapshot table's watermark is its last snapshot of ours: a watermark carried forward from the original
    // script is not one, and such a table is not caught up until its first snapshot is committed.
    Optional<Instant> watermark = snapshot ? row.lastCommittedSnapshot() : row.lastRefreshed();
    Long lag = watermark.map(w -> Duration.between(w, now).toSeconds()).orElse(null);
    Instant lastSuccess = instant(total.get("LastSuccess"));

    String lastError = configError;
    if (lastError == null && !error.isEmpty()) {
      Instant at = instant(error.get("Timestamp"));
      if (at != null && (lastSuccess == null || at.isAfter(lastSuccess))) {
        lastError = String.valueOf(error.get("FailureReason"));
      }
    }
    if (lastError == null && outcome != null && outcome.getString("failure") != null) {
      Instant seen = Instant.parse(outcome.getString("seenAt"));
      if (lastSuccess == null || seen.isAfter(lastSuccess)) {
        lastError = outcome.getString("failure");
      }
    }

    JsonObject backfill = null;
    Instant close = now.minus(tuning.settleLag());
    if (!snapshot && row.active()) {
      if (watermark.isEmpty()) {
        Instant from = WindowPlanner.horizonStart(now, tuning.initialLookback(), Duration.ZERO);
        backfill = new JsonObject().put("from", from.toString()).put("to", close.toString()).put("done", 0.0)
            .put("etaSeconds", null).put("rate", null);
      } else if (Duration.between(watermark.get(), close).compareTo(caughtUpWithin()) > 0) {
        Instant w = watermark.get();
        Instant from = Optional.ofNullable(instant(total.get("FirstStart"))).filter(f -> f.isBefore(w)).orElse(w);
        double span = Duration.between(from, close).toMillis();
        double done = span <= 0 ? 1.0 : Math.min(1.0, Math.max(0.0, Duration.between(from, w).toMillis() / span));
        Double rate = rate(recent);
        Long eta = rate == null ? null : (long) Math.ceil(Duration.between(w, close).toMillis() / 1000.0 / rate);
        backfill = new JsonObject().put("from", from.toString()).put("to", close.toString()).put("done", round(done))
            .put("etaSeconds", eta).put("rate", rate == null ? null : round(rate));
      }
    }

    String atRisk = null;
    if (!snapshot && row.active()) {
      Duration threshold = riskThreshold();
      if (lag != null && Duration.ofSeconds(lag).compareTo(threshold) >= 0) {
        atRisk = "watermark lag " + human(Duration.ofSeconds(lag)) + " is within " + human(tuning.horizonMargin())
            + " of the " + MigrationTuning.HORIZON.toDays() + "-day horizon: rows after "
            + KustoTime.format(watermark.get()) + " leave the source from " + KustoTime.format(
                watermark.get().plus(MigrationTuning.HORIZON)) + " on and are not exported yet";
      } else if (backfill != null && backfill.getLong("etaSeconds") != null) {
        Duration projected = Duration.between(close, now).plusSeconds(backfill.getLong("etaSeconds"));
        if (projected.compareTo(threshold) >= 0) {
          atRisk = "the backfill needs about " + human(Duration.ofSeconds(backfill.getLong("etaSeconds")))
              + " at its recent rate, within " + human(tuning.horizonMargin()) + " of the "
              + MigrationTuning.HORIZON.toDays() + "-day horizon: rows will age out at the source before they are"
              + " exported";
        }
      }
    }

    Instant outcomePaused = outcome == null || outcome.getString("pausedUntil") == null ? null
        : Instant.parse(outcome.getString("pausedUntil"));
    String stateName;
    if (!row.active()) {
      stateName = "inactive";
    } else if (running != null) {
      stateName = "running";
    } else if (parkedBecause != null) {
      stateName = "parked";
    } else if ((tenantPausedUntil != null) || (outcomePaused != null && outcomePaused.isAfter(now))) {
      stateName = "paused";
    } else if (lastError != null) {
      stateName = "failed";
    } else if (snapshot ? watermark.isPresent()
        : lag != null && Duration.ofSeconds(lag).compareTo(caughtUpWithin().plus(tuning.settleLag())) <= 0) {
      stateName = "caught-up";
    } else if (snapshot) {
      stateName = "awaiting-first-snapshot";
    } else {
      stateName = "idle";
    }

    JsonObject snapshotProgress = row.snapshotProgress().map(p -> new JsonObject()
        .put("at", p.snapshotTime().toString()).put("buckets", p.bucketCount())
        .put("done", p.lastBucketDone().map(b -> b.index() + 1).orElse(0))).orElse(null);
    String lastNode = running != null ? running : outcome != null ? outcome.getString("node") : null;
    return new JsonObject().put("tenantKey", row.tenantId()).put("sourceTable", row.sourceTable())
        .put("destinationTable", row.destinationTable())
        .put("kind", snapshot ? "snapshot" : "incremental").put("state", stateName)
        .put("watermark", watermark.map(Instant::toString).orElse(null)).put("lagSeconds", lag)
        .put("rowsLastCycle", lastRunRows).put("rowsTotal", number(total.get("RowsTotal")))
        .put("lastError", lastError).put("node", lastNode).put("backfill", backfill).put("atRisk", atRisk)
        .put("parked", parkedBecause)
        .put("snapshot", snapshotProgress);
  }

  /** Seconds of source data committed per second, over the recent windows; null with fewer than two. */
  static Double rate(Map<String, Object> recent) {
    if (recent.isEmpty() || number(recent.get("Windows")) < 2) {
      return null;
    }
    Instant firstAt = instant(recent.get("FirstAt"));
    Instant lastAt = instant(recent.get("LastAt"));
    Instant firstEnd = instant(recent.get("FirstEnd"));
    Instant lastEnd = instant(recent.get("LastEnd"));
    if (firstAt == null || lastAt == null || firstEnd == null || lastEnd == null || !lastAt.isAfter(firstAt)) {
      return null;
    }
    double rate = Duration.between(firstEnd, lastEnd).toMillis() / (double) Duration.between(firstAt, lastAt).toMillis();
    return rate > 0 ? rate : null;
  }

  private Future<Map<String, Map<String, Object>>> byTable(String kql) {
    return adx.query(kql).map(list -> {
      Map<String, Map<String, Object>> m = new HashMap<>();
      for (Map<String, Object> r : list) {
        m.put(TableLeases.key(text(r.get("TenantId")), text(r.get("SourceTable"))), r);
      }
      return m;
    });
  }

  /** Rows of each table's most recent run that committed any. */
  private static Map<String, Long> lastRuns(List<Map<String, Object>> runs) {
    Map<String, Map<String, Object>> latest = new HashMap<>();
    for (Map<String, Object> r : runs) {
      String key = TableLeases.key(text(r.get("TenantId")), text(r.get("SourceTable")));
      Map<String, Object> known = latest.get(key);
      if (known == null || instant(r.get("At")).isAfter(instant(known.get("At")))) {
        latest.put(key, r);
      }
    }
    Map<String, Long> rows = new HashMap<>();
    latest.forEach((k, r) -> rows.put(k, number(r.get("Rows"))));
    return rows;
  }

  private static String text(Object o) {
    return o == null ? "" : o.toString();
  }

  private static long number(Object o) {
    return o instanceof Number n ? n.longValue() : o == null ? 0 : Long.parseLong(o.toString());
  }

  static Instant instant(Object o) {
    if (o == null || o.toString().isEmpty()) {
      return null;
    }
    return KustoTime.fromValue(o);
  }

  private static double round(double d) {
    return Math.round(d * 1000) / 1000.0;
  }

  /** A duration as a person says it: "29 d 4 h", "3 h 20 min", "45 s". */
  public static String human(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s >= 86_400) {
      return s / 86_400 + " d" + (s % 86_400 / 3600 > 0 ? " " + s % 86_400 / 3600 + " h" : "");
    }
    if (s >= 3600) {
      return s / 3600 + " h" + (s % 3600 / 60 > 0 ? " " + s % 3600 / 60 + " min" : "");
    }
    if (s >= 60) {
      return s / 60 + " min";
    }
    return s + " s";
  }
}
