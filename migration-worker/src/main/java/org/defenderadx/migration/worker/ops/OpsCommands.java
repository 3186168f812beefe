package org.defenderadx.migration.worker.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.defenderadx.migration.api.bus.OpsReply;
import org.defenderadx.migration.api.bus.OpsRequest;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.model.SnapshotTables;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.query.HourlyCountCheck;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.Bucket;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowPlan;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowProgress;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.AdxRowAppender;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.HourlyCounts;
import org.defenderadx.migration.worker.export.PlannedUnitStore;
import org.defenderadx.migration.worker.export.Repairer;
import org.defenderadx.migration.worker.export.ServiceClock;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.export.Verifier;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the ops commands do on a node (migrationctl, over the event bus); {@link OpsVerticle} only wires them to
 * their addresses after checking the token.
 *
 * <p>Every change to a table's configuration (pause, resume, reset-watermark) is made under the table's lease, so no
 * node is exporting the table meanwhile and no export commit can overwrite the new row; while the change is made
 * and for a while after, {@link OpsHolds} keeps the coordinator from handing out a row it read before the change.
 * The change is a new MigrationConfiguration version (append-only, UpdatedBy and Notes say who and why), so it
 * survives restarts, and an audit row records it.
 */
public final class OpsCommands {

  private static final Logger LOG = LoggerFactory.getLogger(OpsCommands.class);
  /** Longer than a coordinator cycle takes from reading the configuration to taking a lease. */
  static final Duration CHANGE_HOLD = Duration.ofSeconds(30);
  private static final Duration LEASE_TTL = Duration.ofMinutes(2);
  private static final int PLAN_LIMIT = 1_000_000;

  /** Plans a coordinator cycle now for the tables matching (tenant, table; empty = all); the tables started. */
  @FunctionalInterface
  public interface RunNow extends BiFunction<Optional<String>, Optional<String>, Future<List<String>>> {
  }

  /** Settings of the ops commands. */
  public record Options(String node, Duration leaseWait, WindowSchedule sourceHorizon, int auditLimit) {
    public static Options defaults(String node, Duration settleLag) {
      return new Options(node, Duration.ofMinutes(2), WindowSchedule.thirtyDays(Duration.ofMinutes(10), settleLag),
          200);
    }
  }

  private final Vertx vertx;
  private final MigrationStateStore state;
  private final AdxRowAppender appender;
  private final AdxClient adx;
  private final TableLeases leases;
  private final OpsHolds holds;
  private final Map<String, TenantContext> tenants;
  private final Verifier verifier;
  private final Repairer repairer;
  private final WindowPlanner planner;
  private final PlannedUnitStore plannedUnits;
  private final WindowSchedule schedule;
  private final ServiceClock serviceClock;
  private final TimeSource time;
  private final RunNow runNow;
  private final Supplier<Future<Boolean>> drain;
  private final Options options;

  public OpsCommands(Vertx vertx, MigrationStateStore state, AdxRowAppender appender, AdxClient adx,
                     TableLeases leases, OpsHolds holds, Map<String, TenantContext> tenants, Verifier verifier,
                     Repairer repairer, WindowPlanner planner, WindowSchedule schedule, ServiceClock serviceClock,
                     TimeSource time, RunNow runNow, Supplier<Future<Boolean>> drain, Options options,
                     PlannedUnitStore plannedUnits) {
    this.plannedUnits = plannedUnits;
    this.vertx = vertx;
    this.state = state;
    this.appender = appender;
    this.adx = adx;
    this.leases = leases;
    this.holds = holds;
    this.tenants = tenants;
    this.verifier = verifier;
    this.repairer = repairer;
    this.planner = planner;
    this.schedule = schedule;
    this.serviceClock = serviceClock;
    this.time = time;
    this.runNow = runNow;
    this.drain = drain;
    this.options = options;
  }

  public String node() {
    return options.node();
  }

  /** A command's arguments do not fit it: the reply is {@link OpsReply.Status#BAD_REQUEST}. */
  static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  // ---------------------------------------------------------------------------------------------------- tables

  public Future<OpsReply> tables(OpsRequest req) {
    return state.latest().map(rows -> {
      JsonArray out = new JsonArray();
      for (MigrationConfigRow r : rows.rows()) {
        if (req.tenant().isPresent() && !req.tenantKey().equals(r.tenantId())) {
          continue;
        }
        out.add(new JsonObject().put("tenantKey", r.tenantId()).put("sourceTable", r.sourceTable())
            .put("destinationTable", r.destinationTable()).put("active", r.active())
            .put("kind", kind(r)).put("watermark", r.progress().map(p -> p.watermark().toString()).orElse(null))
            .put("version", r.version().isPresent() ? r.version().getAsLong() : null)
            .put("loadType", r.loadType().configName()).put("watermarkColumn", r.watermarkColumn())
            .put("notes", r.notes()));
      }
      JsonArray bad = new JsonArray();
      rows.bad().forEach(b -> bad.add(new JsonObject().put("sourceTable", b.sourceTable()).put("reason", b.reason())));
      return OpsReply.ok(node(), out.size() + " table(s)", new JsonObject().put("tables", out).put("unusable", bad));
    });
  }

  // ------------------------------------------------------------------------------------------- pause / resume

  public Future<OpsReply> pause(OpsRequest req) {
    return setActive(req, false);
  }

  public Future<OpsReply> resume(OpsRequest req) {
    return setActive(req, true);
  }

  private Future<OpsReply> setActive(OpsRequest req, boolean active) {
    String verb = active ? "resume" : "pause";
    if (req.table().isEmpty()) {
      String tenant = req.tenant().orElseThrow(() -> new BadRequest(verb + " needs --table or --tenant"));
      requireTenant(tenant);
      if (active) {
        return holds.resumeTenant(tenant).map(was -> OpsReply.ok(node(), was ? "tenant '" + tenant + "' resumed"
            : "tenant '" + tenant + "' was not paused", new JsonObject().put("tenant", tenant)));
      }
      return holds.pauseTenant(tenant, "paused by " + req.requestedBy() + note(req))
          .map(v -> OpsReply.ok(node(), "tenant '" + tenant + "' paused: no table of it is handed out until it is "
              + "resumed (tables under way finish their run). Held in the cluster's memory: a restart of every node"
              + " forgets it", new JsonObject().put("tenant", tenant)));
    }
    String tenant = req.tenantKey();
    String table = req.table().get();
    // The marker first: from now on no cycle hands the table out, whatever configuration row it read.
    Future<Void> marked = row(tenant, table).compose(r -> active ? Future.succeededFuture()
        : holds.pauseTable(tenant, table, "paused by " + req.requestedBy() + note(req)));
    return marked.compose(v -> underLease(tenant, table, verb, row -> {
      if (row.active() == active) {
        return Future.succeededFuture(OpsReply.ok(node(), table + " is already " + (active ? "active" : "paused"),
            new JsonObject().put("table", table).put("version", version(row))));
      }
      return appendVersion(row, active, Optional.empty(), req, verb).map(written ->
          OpsReply.ok(node(), table + (active ? " resumed" : " paused") + " (configuration version "
              + version(written) + ")", new JsonObject().put("table", table).put("version", version(written))));
    })).compose(reply -> active && reply.status() == OpsReply.Status.OK
        ? holds.resumeTable(tenant, table).map(reply) : Future.succeededFuture(reply));
  }

  // --------------------------------------------------------------------------------------------------- run-now

  public Future<OpsReply> runNow(OpsRequest req) {
    req.tenant().ifPresent(this::requireTenant);
    return runNow.apply(req.tenant(), req.table()).map(started -> OpsReply.ok(node(),
        started.isEmpty() ? "nothing to start: no matching active table, or all are under way"
            : "started " + started.size() + " table(s): " + String.join(", ", started),
        new JsonObject().put("dispatched", new JsonArray(started))));
  }

  // ------------------------------------------------------------------------------------------ reset-watermark

  /**
   * Moves a table's watermark to {@code to}, rounded down to its window grid: re-planning from a grid boundary
   * reproduces the windows (and their {@code ingest-by} tags) of the first export, so ADX skips every window it
   * already holds and moving back never duplicates a row. Moving forward skips rows: it needs {@code force}.
   */
  public Future<OpsReply> resetWatermark(OpsRequest req) {
    String table = req.table().orElseThrow(() -> new BadRequest("reset-watermark needs --table"));
    Instant requested = req.toAt(time.now()).orElseThrow(() -> new BadRequest("reset-watermark needs --to"));
    String tenant = req.tenantKey();
    requireTenant(tenant);
    Instant cell = planner.grid().cellStart(requested);
    return underLease(tenant, table, "reset-watermark", row -> plannedUnits.load(tenant, table, cell)
        .compose(units -> {
      // Inside a unit the exporter planned (several merged cells), back to its start: re-planned from there the unit
      // and its halvings come out as before, with the same tags; from inside it they would not.
      Instant to = units.containing(cell).map(Window::lo).orElse(cell);
      if (kind(row).equals("snapshot")) {
        throw new BadRequest(table + " is a snapshot table: it has no watermark to reset");
      }
      Optional<Instant> current = row.progress().map(WindowProgress::watermark);
      if (current.isPresent() && to.isAfter(current.get()) && !req.force()) {
        throw new BadRequest(table + ": moving the watermark forward from " + KustoTime.format(current.get())
            + " to " + KustoTime.format(to) + " skips every row in between; pass --force to do it anyway");
      }
      Instant horizon = schedule.horizonStart(time.now(), true);
      String warning = to.isBefore(planner.grid().cellStart(horizon)) ? "; " + KustoTime.format(to) + " is older "
          + "than the source's 30-day horizon " + KustoTime.format(horizon) + ": the export starts at the horizon "
          + "and audits the rest as AgedOut" : "";
      return appendVersion(row, row.active(), Optional.of(to), req, "reset-watermark").map(written ->
          OpsReply.ok(node(), table + ": watermark " + current.map(KustoTime::format).orElse("(never loaded)")
              + " -> " + KustoTime.format(to) + (to.equals(requested) ? "" : to.equals(cell)
              ? " (rounded down to the window grid)" : " (rounded down to the start of its planned unit)")
              + " (configuration version " + version(written) + ")" + warning,
              new JsonObject().put("table", table).put("from", current.map(Instant::toString).orElse(null))
                  .put("to", to.toString()).put("version", version(written))));
    }));
  }

  // ---------------------------------------------------------------------------------------- verify and repair

  public Future<OpsReply> verify(OpsRequest req) {
    Instant from = req.fromAt(time.now()).orElseThrow(() -> new BadRequest("verify needs --from"));
    String tenantKey = req.tenantKey();
    TenantContext tenant = requireTenant(tenantKey);
    return state.latest().compose(rows -> {
      List<MigrationConfigRow> chosen = new ArrayList<>();
      for (MigrationConfigRow r : rows.rows()) {
        boolean named = req.table().map(t -> t.equals(r.sourceTable())).orElse(r.active());
        if (named && r.tenantId().equals(tenantKey) && !kind(r).equals("snapshot") && r.progress().isPresent()) {
          chosen.add(r);
        }
      }
      if (chosen.isEmpty()) {
        throw new BadRequest(req.table().map(t -> "no exported incremental table " + t + " for tenant '"
            + tenantKey + "'").orElse("no exported incremental table for tenant '" + tenantKey + "'"));
      }
      JsonArray reports = new JsonArray();
      Future<Void> chain = Future.succeededFuture();
      for (MigrationConfigRow r : chosen) {
        chain = chain.compose(v -> {
          ResolvedTable table = r.resolve();
          Instant watermark = r.progress().get().watermark();
          // Whole hours up to the watermark: hours past it are not all exported yet.
          Instant to = min(req.toAt(time.now()).orElse(watermark), HourlyCounts.hourOf(watermark));
          if (!from.isBefore(to)) {
            reports.add(new JsonObject().put("sourceTable", r.sourceTable()).put("exact", false)
                .put("error", "the range ends at or before its start once limited to the watermark "
                    + KustoTime.format(watermark)));
            return Future.succeededFuture();
          }
          return verifier.verify(tenant, table, from, to).transform(ar -> {
            reports.add(ar.succeeded() ? report(ar.result()) : new JsonObject().put("sourceTable", r.sourceTable())
                .put("exact", false).put("error", String.valueOf(ar.cause().getMessage())));
            return Future.succeededFuture();
          });
        });
      }
      return chain.map(v -> {
        long differing = reports.stream().map(JsonObject.class::cast).filter(j -> !j.getBoolean("exact")).count();
        String message = differing == 0 ? reports.size() + " table(s) exact"
            : differing + " of " + reports.size() + " table(s) differ";
        JsonObject data = new JsonObject().put("reports", reports);
        return differing == 0 ? OpsReply.ok(node(), message, data) : OpsReply.failed(node(), message, data);
      });
    });
  }

  private static JsonObject report(Verifier.Report r) {
    JsonArray mismatches = new JsonArray();
    for (HourlyCountCheck.Mismatch m : r.mismatches()) {
      mismatches.add(new JsonObject().put("hour", m.hour().toString()).put("source", m.sourceCount())
          .put("adx", m.destinationCount()));
    }
    return new JsonObject().put("sourceTable", r.sourceTable()).put("from", r.from().toString())
        .put("to", r.to().toString()).put("exact", r.exact()).put("mismatches", mismatches);
  }

  public Future<OpsReply> repair(OpsRequest req) {
    String table = req.table().orElseThrow(() -> new BadRequest("repair needs --table"));
    Instant from = req.fromAt(time.now()).orElseThrow(() -> new BadRequest("repair needs --from"));
    Instant to = req.toAt(time.now()).orElseThrow(() -> new BadRequest("repair needs --to"));
    TenantContext tenant = requireTenant(req.tenantKey());
    return row(req.tenantKey(), table).compose(row -> repairer.repair(tenant, row, from, to,
            options.sourceHorizon().horizonStart(time.now()), "ops-repair-" + UUID.randomUUID()))
        .map(result -> rangesReply(table, "repaired", List.of(result)));
  }

  /**
   * Exports a range even where it lies before the table's first export (an initial lookback shorter than wanted):
   * a repair, grid cell by grid cell (at least an hour each), so ADX's copy of any part it already holds is replaced,
   * never added to, and the watermark does not move. Each cell is fetched under the window identity the exporter
   * gives it, so a later export or repair of the same cell recognises its extents. Grids finer than an hour are
   * repaired hour by hour instead (those hours carry hour-window identities).
   */
  public Future<OpsReply> backfill(OpsRequest req) {
    String table = req.table().orElseThrow(() -> new BadRequest("backfill needs --table"));
    Instant requestedFrom = req.fromAt(time.now()).orElseThrow(() -> new BadRequest("backfill needs --from"));
    TenantContext tenant = requireTenant(req.tenantKey());
    return row(req.tenantKey(), table).compose(row -> {
      if (kind(row).equals("snapshot")) {
        throw new BadRequest(table + " is a snapshot table: every snapshot is whole; there is no range to backfill");
      }
      Instant watermark = row.progress().map(WindowProgress::watermark).orElseThrow(() -> new BadRequest(table
          + " was never exported: there is nothing to backfill before; its first export starts at "
          + "migration.initialLookback"));
      Instant horizon = options.sourceHorizon().horizonStart(time.now());
      Duration step = planner.grid().cellWidth().compareTo(Duration.ofHours(1)) >= 0 ? planner.grid().cellWidth()
          : Duration.ofHours(1);
      Instant from = cellStart(requestedFrom, step);
      if (from.isBefore(horizon)) {
        throw new BadRequest(table + ": " + KustoTime.format(from) + " is older than the source keeps rows (from "
            + KustoTime.format(horizon) + " on); start the backfill there or later");
      }
      Instant to = min(req.toAt(time.now()).orElse(watermark), HourlyCounts.hourOf(watermark));
      if (!from.isBefore(to)) {
        throw new BadRequest(table + ": the range ends at or before its start once limited to the watermark "
            + KustoTime.format(watermark) + " (ranges past it are the exporter's)");
      }
      String runId = "ops-backfill-" + UUID.randomUUID();
      List<Repairer.Result> results = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      for (Instant lo = from; lo.isBefore(to); lo = lo.plus(step)) {
        Instant cellLo = lo;
        Instant cellHi = min(lo.plus(step), to);
        chain = chain.compose(v -> results.stream().anyMatch(r -> r.failure().isPresent()) ? Future.succeededFuture()
            : repairer.repair(tenant, row, cellLo, cellHi, horizon, runId).map(r -> {
              results.add(r);
              return (Void) null;
            }));
      }
      return chain.map(v -> rangesReply(table, "backfilled", results));
    });
  }

  private OpsReply rangesReply(String table, String verb, List<Repairer.Result> results) {
    JsonArray ranges = new JsonArray();
    long rows = 0;
    int windows = 0;
    Optional<String> failure = Optional.empty();
    for (Repairer.Result r : results) {
      rows += r.rowsIngested();
      windows += r.windowsReplaced();
      if (failure.isEmpty()) {
        failure = r.failure();
      }
      ranges.add(new JsonObject().put("from", r.from().toString()).put("to", r.to().toString())
          .put("windowsReplaced", r.windowsReplaced()).put("rowsIngested", r.rowsIngested())
          .put("extentsDropped", r.extentsDropped()).put("exact", r.after().map(Verifier.Report::exact).orElse(false))
          .put("failure", r.failure().orElse(null)));
    }
    JsonObject data = new JsonObject().put("table", table).put("ranges", ranges);
    if (failure.isPresent()) {
      return OpsReply.failed(node(), table + ": " + failure.get(), data);
    }
    return OpsReply.ok(node(), table + ": " + verb + " " + windows + " window(s), " + rows + " row(s); exact", data);
  }

  // ----------------------------------------------------------------------------------------------------- audit

  public Future<OpsReply> audit(OpsRequest req) {
    Instant since = req.fromAt(time.now()).orElse(time.now().minus(Duration.ofHours(1)));
    int limit = req.limit() > 0 ? Math.min(req.limit(), 10_000) : options.auditLimit();
    StringBuilder kql = new StringBuilder(MigrationStateStore.AUDIT_TABLE)
        .append(" | where Timestamp >= ").append(KqlLiterals.datetime(since));
    req.table().ifPresent(t -> kql.append(" | where SourceTable == ").append(KqlLiterals.string(t)));
    req.tenant().ifPresent(t -> kql.append(" | where TenantId == ").append(KqlLiterals.string(t)));
    kql.append(" | order by Timestamp desc | take ").append(limit)
        .append(" | project Timestamp, Status, TenantId, SourceTable, WindowStart, WindowEnd, RecordCount, ApiCalls,"
            + " Node, RunId, FailureReason");
    return adx.query(kql.toString()).map(rows -> {
      JsonArray out = new JsonArray();
      for (Map<String, Object> r : rows) {
        JsonObject j = new JsonObject();
        r.forEach((k, v) -> j.put(k, v == null ? null : v instanceof Number || v instanceof Boolean ? v
            : v instanceof Instant i ? i.toString() : String.valueOf(v)));
        out.add(j);
      }
      return OpsReply.ok(node(), out.size() + " audit row(s) since " + KustoTime.format(since),
          new JsonObject().put("rows", out));
    });
  }

  // ------------------------------------------------------------------------------------------------------ plan

  /**
   * A dry run of the backlog: per active incremental table the windows the planner would hand out now, the calls
   * they take at least (one per window; windows that must be split take more), and how long the tenant's call quota
   * lets that take. Nothing is fetched.
   */
  public Future<OpsReply> plan(OpsRequest req) {
    req.tenant().ifPresent(this::requireTenant);
    return state.latest().compose(rows -> holds.pausedTenants().map(paused -> {
      Instant now = time.now();
      JsonArray tables = new JsonArray();
      Map<String, Long> callsPerTenant = new LinkedHashMap<>();
      for (MigrationConfigRow r : rows.rows()) {
        if (!r.active() || !tenants.containsKey(r.tenantId())
            || req.tenant().map(t -> !t.equals(r.tenantId())).orElse(false)
            || req.table().map(t -> !t.equals(r.sourceTable())).orElse(false)) {
          continue;
        }
        JsonObject j = new JsonObject().put("tenantKey", r.tenantId()).put("sourceTable", r.sourceTable())
            .put("kind", kind(r)).put("watermark", r.progress().map(p -> p.watermark().toString()).orElse(null))
            .put("tenantPaused", paused.containsKey(r.tenantId()));
        if (kind(r).equals("snapshot")) {
          j.put("windows", null).put("estimatedCalls", null);
        } else {
          try {
            r.resolve();
            Instant close = schedule.closePoint(now, Optional.of(serviceClock.now(r.tenantId(), now)),
                r.lateArrivalAllowance());
            WindowPlan plan = planner.plan(r.progress(), schedule.horizonStart(now, r.progress().isPresent()), close,
                PLAN_LIMIT);
            long windows = plan.windows().size();
            j.put("windows", windows).put("estimatedCalls", windows)
                .put("firstWindow", plan.windows().isEmpty() ? null : plan.windows().get(0).lo().toString())
                .put("lastWindowEnd", plan.windows().isEmpty() ? null
                    : plan.windows().get(plan.windows().size() - 1).hi().toString())
                .put("agedOut", plan.unreachable().map(g -> g.from() + "/" + g.to()).orElse(null));
            callsPerTenant.merge(r.tenantId(), windows, Long::sum);
          } catch (ConfigRowException e) {
            j.put("error", e.getMessage());
          }
        }
        tables.add(j);
      }
      JsonArray tenantsOut = new JsonArray();
      long maxEta = 0;
      for (Map.Entry<String, Long> e : callsPerTenant.entrySet()) {
        int perMinute = tenants.get(e.getKey()).config().api().callsPerMinute();
        long etaSeconds = (long) Math.ceil(e.getValue() * 60.0 / Math.max(1, perMinute));
        maxEta = Math.max(maxEta, etaSeconds);
        tenantsOut.add(new JsonObject().put("key", e.getKey()).put("estimatedCalls", e.getValue())
            .put("callsPerMinute", perMinute).put("etaSeconds", etaSeconds));
        for (Object o : tables) {
          JsonObject t = (JsonObject) o;
          if (t.getString("tenantKey").equals(e.getKey()) && t.getLong("estimatedCalls") != null) {
            t.put("etaSeconds", etaSeconds);
          }
        }
      }
      return OpsReply.ok(node(), "backlog: " + callsPerTenant.values().stream().mapToLong(Long::longValue).sum()
              + " window(s); at the tenants' call quotas about " + maxEta + " s of service time",
          new JsonObject().put("tables", tables).put("tenants", tenantsOut).put("clock", now.toString()));
    }));
  }

  // ----------------------------------------------------------------------------------------------------- drain

  public Future<OpsReply> drain(OpsRequest req) {
    return drain.get().map(drained -> OpsReply.ok(node(), drained
        ? "node " + node() + " drained: it takes no more table work, and the windows that were under way settled"
        : "node " + node() + " was already drained", new JsonObject().put("node", node()).put("drained", true)));
  }

  // --------------------------------------------------------------------------------------------------- helpers

  private TenantContext requireTenant(String key) {
    TenantContext t = tenants.get(key);
    if (t == null) {
      throw new BadRequest("tenant '" + key + "' is not configured on node " + node() + " (configured: "
          + tenants.keySet().stream().map(k -> "'" + k + "'").toList() + ")");
    }
    return t;
  }

  private Future<MigrationConfigRow> row(String tenant, String table) {
    return state.latest().map(rows -> rows.rows().stream()
        .filter(r -> r.tenantId().equals(tenant) && r.sourceTable().equals(table)).findFirst()
        .orElseThrow(() -> new BadRequest("no table " + table + " in MigrationConfiguration for tenant '" + tenant
            + "'")));
  }

  /**
   * Runs {@code action} on the row in force while holding the table's lease (waiting for a run under way to end),
   * with the table held back from dispatch meanwhile and for {@link #CHANGE_HOLD} after.
   */
  private Future<OpsReply> underLease(String tenant, String table, String verb,
                                      Function<MigrationConfigRow, Future<OpsReply>> action) {
    String key = TableLeases.key(tenant, table);
    return row(tenant, table)
        .compose(x -> holds.holdForChange(tenant, table, verb + " under way", LEASE_TTL))
        .compose(v -> acquire(key, System.nanoTime() + options.leaseWait().toNanos()))
        .compose(leaseId -> {
          if (leaseId == null) {
            return Future.succeededFuture(OpsReply.failed(node(), table + ": a node is exporting it and did not "
                + "finish within " + options.leaseWait().toSeconds() + " s; nothing was changed, try again",
                new JsonObject().put("table", table)));
          }
          Future<OpsReply> done;
          try {
            done = row(tenant, table).compose(action);
          } catch (RuntimeException e) {
            done = Future.failedFuture(e);
          }
          return done.eventually(() -> leases.release(key, leaseId)
              .compose(v -> holds.holdForChange(tenant, table, verb + " just made", CHANGE_HOLD)));
        });
  }

  private Future<String> acquire(String key, long deadlineNanos) {
    return leases.acquire(key, LEASE_TTL).compose(id -> {
      if (id != null || System.nanoTime() > deadlineNanos) {
        return Future.succeededFuture(id);
      }
      return vertx.timer(500).compose(t -> acquire(key, deadlineNanos));
    });
  }

  /**
   * Appends the next configuration version of {@code row}: active or not, and the watermark moved to
   * {@code watermark} if given (its bucket progress cleared). A row of the original script is carried over with our
   * (exclusive) watermark, so nothing is copied twice.
   */
  private Future<MigrationConfigRow> appendVersion(MigrationConfigRow row, boolean active,
                                                   Optional<Instant> watermark, OpsRequest req, String verb) {
    Map<String, Object> next = new LinkedHashMap<>(row.toColumns());
    Optional<WindowProgress> progress = watermark.map(WindowProgress::at).or(row::progress);
    boolean snapshot = kind(row).equals("snapshot");
    if (!snapshot || watermark.isPresent()) {
      Instant w = progress.map(p -> KustoTime.truncate(p.watermark())).orElse(null);
      next.put("LastRefreshedTime", w);
      next.put("LastRefreshedTimeInString", w == null ? "" : KustoTime.format(w));
      next.put("BucketProgress", progress.flatMap(WindowProgress::lastBucketDone).map(Bucket::toString).orElse(""));
    } else if (row.watermarkIsOriginal()) {
      next.put("LastRefreshedTime", null);
      next.put("LastRefreshedTimeInString", "");
    }
    next.put("WatermarkColumn", row.watermarkColumn().isEmpty() ? "None" : row.watermarkColumn());
    next.put("IsActive", active);
    next.put("Version", row.nextVersion());
    next.put("UpdatedBy", "migrationctl " + req.requestedBy());
    next.put("Notes", (verb + note(req)).strip());
    MigrationConfigRow written = MigrationConfigRow.fromColumns(next);
    AuditRecord audit = new AuditRecord(row.destinationTable(), time.now(), "Ops", verb + " by " + req.requestedBy()
        + note(req), 0, row.tenantId(), row.sourceTable(), "ops-" + UUID.randomUUID(), "",
        row.progress().map(WindowProgress::watermark).orElse(null), written.lastRefreshed().orElse(null), 0, 0, 0,
        Duration.ZERO, node(), Map.of("verb", verb, "version", version(written), "active", active));
    LOG.info("{} (tenant '{}'): {} by {}: configuration version {}", row.sourceTable(), row.tenantId(), verb,
        req.requestedBy(), version(written));
    return appender.append(MigrationStateStore.CONFIG_TABLE, List.of(next))
        .compose(v -> state.audit(List.of(audit)).otherwiseEmpty())
        .map(v -> written);
  }

  private static String note(OpsRequest req) {
    return req.note().isBlank() ? "" : ": " + req.note().strip();
  }

  private static long version(MigrationConfigRow row) {
    return row.version().orElse(0);
  }

  private static String kind(MigrationConfigRow r) {
    try {
      return r.resolve().kind() == TableKind.SNAPSHOT ? "snapshot" : "incremental";
    } catch (ConfigRowException e) {
      return SnapshotTables.isKnownSnapshot(r.sourceTable()) ? "snapshot" : "incremental";
    }
  }

  private static Instant cellStart(Instant t, Duration width) {
    long w = width.toMillis();
    return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), w) * w);
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
