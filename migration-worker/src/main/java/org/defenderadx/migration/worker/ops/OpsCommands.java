package org.defenderadx.migration.worker.ops;

import static org.defenderadx.migration.worker.ops.OpsLookup.kind;

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
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.defenderadx.migration.api.bus.OpsReply;
import org.defenderadx.migration.api.bus.OpsRequest;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.WindowPlan;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.AdxRowAppender;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.BacklogEstimate;
import org.defenderadx.migration.worker.export.PlannedUnitStore;
import org.defenderadx.migration.worker.export.Repairer;
import org.defenderadx.migration.worker.export.ServiceClock;
import org.defenderadx.migration.worker.export.SourceSchemas;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.export.Verifier;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.typed.TypedTables;

/**
 * What the ops commands do on a node (migrationctl, over the event bus); {@link OpsVerticle} only wires them to
 * their addresses after checking the token. The read-only commands (tables, audit, plan) and run-now and drain are
 * here; configuration changes (pause, resume, reset-watermark) are {@link ConfigChanges}, and verify, repair and
 * backfill are {@link RangeRepairs}.
 */
public final class OpsCommands {

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

  private final MigrationStateStore state;
  /** Null when the node does not merge cells into units: every grid cell is then a call. */
  private final BacklogEstimate backlog;
  private final AdxClient adx;
  private final OpsHolds holds;
  private final Map<String, TenantContext> tenants;
  private final WindowPlanner planner;
  private final WindowSchedule schedule;
  private final ServiceClock serviceClock;
  private final TimeSource time;
  private final RunNow runNow;
  private final Supplier<Future<Boolean>> drain;
  private final Options options;
  private final OpsLookup lookup;
  private final SchemaCommand schema;
  private final ConfigChanges changes;
  private final RangeRepairs repairs;

  public OpsCommands(Vertx vertx, MigrationStateStore state, AdxRowAppender appender, AdxClient adx,
                     TableLeases leases, OpsHolds holds, Map<String, TenantContext> tenants, Verifier verifier,
                     Repairer repairer, WindowPlanner planner, WindowSchedule schedule, ServiceClock serviceClock,
                     TimeSource time, RunNow runNow, Supplier<Future<Boolean>> drain, Options options,
                     PlannedUnitStore plannedUnits, SourceSchemas sourceSchemas, TypedTables typedTables,
                     BacklogEstimate backlog) {
    this.backlog = backlog;
    this.state = state;
    this.adx = adx;
    this.holds = holds;
    this.tenants = tenants;
    this.planner = planner;
    this.schedule = schedule;
    this.serviceClock = serviceClock;
    this.time = time;
    this.runNow = runNow;
    this.drain = drain;
    this.options = options;
    OpsLookup lookup = new OpsLookup(state, tenants, options.node());
    this.lookup = lookup;
    this.changes = new ConfigChanges(vertx, state, appender, leases, holds, lookup, planner, plannedUnits, schedule,
        time, options.node(), options.leaseWait());
    this.repairs = new RangeRepairs(state, lookup, verifier, repairer, planner, time, options.node(),
        options.sourceHorizon());
    this.schema = new SchemaCommand(lookup, sourceSchemas, typedTables, options.node());
  }

  public String node() {
    return options.node();
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
    return changes.pause(req);
  }

  public Future<OpsReply> resume(OpsRequest req) {
    return changes.resume(req);
  }

  // --------------------------------------------------------------------------------------------------- run-now

  public Future<OpsReply> runNow(OpsRequest req) {
    req.tenant().ifPresent(lookup::requireTenant);
    return runNow.apply(req.tenant(), req.table()).map(started -> OpsReply.ok(node(),
        started.isEmpty() ? "nothing to start: no matching active table, or all are under way"
            : "started " + started.size() + " table(s): " + String.join(", ", started),
        new JsonObject().put("dispatched", new JsonArray(started))));
  }

  // ------------------------------------------------------------------------------------------ reset-watermark

  public Future<OpsReply> resetWatermark(OpsRequest req) {
    return changes.resetWatermark(req);
  }

  // ---------------------------------------------------------------------------------------- verify and repair

  public Future<OpsReply> verify(OpsRequest req) {
    return repairs.verify(req);
  }

  public Future<OpsReply> repair(OpsRequest req) {
    return repairs.repair(req);
  }

  public Future<OpsReply> backfill(OpsRequest req) {
    return repairs.backfill(req);
  }

  // ---------------------------------------------------------------------------------------------------- schema

  public Future<OpsReply> schema(OpsRequest req) {
    return schema.run(req);
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
   * A dry run of the backlog: per active incremental table the windows the grid alone would hand out now, and the
   * calls the backlog will take as the exporter plans it ({@link BacklogEstimate}: the units recorded ahead, then the
   * units a census of the rest merges into; the census costs a call per table with ground not planned yet, taken from
   * the tenant's budget like any call; a paused tenant, or a node that does not merge cells, is estimated at one call
   * per grid cell), and how long the tenant's call quotas make that take. Nothing else is fetched.
   */
  public Future<OpsReply> plan(OpsRequest req) {
    req.tenant().ifPresent(lookup::requireTenant);
    return state.latest().compose(rows -> holds.pausedTenants().compose(paused -> {
      Instant now = time.now();
      JsonArray tables = new JsonArray();
      List<Future<?>> estimates = new ArrayList<>();
      for (MigrationConfigRow r : rows.rows()) {
        if (!r.active() || !tenants.containsKey(r.tenantId())
            || req.tenant().map(t -> !t.equals(r.tenantId())).orElse(false)
            || req.table().map(t -> !t.equals(r.sourceTable())).orElse(false)) {
          continue;
        }
        JsonObject j = new JsonObject().put("tenantKey", r.tenantId()).put("sourceTable", r.sourceTable())
            .put("kind", kind(r)).put("watermark", r.progress().map(p -> p.watermark().toString()).orElse(null))
            .put("tenantPaused", paused.containsKey(r.tenantId()));
        tables.add(j);
        if (kind(r).equals("snapshot")) {
          j.put("windows", null).put("estimatedCalls", null);
          continue;
        }
        try {
          ResolvedTable table = r.resolve();
          Instant close = schedule.closePoint(now, Optional.of(serviceClock.now(r.tenantId(), now)),
              r.lateArrivalAllowance());
          Instant horizon = schedule.horizonStart(now, r.progress().isPresent());
          WindowPlan plan = planner.plan(r.progress(), horizon, close, PLAN_LIMIT);
          long windows = plan.windows().size();
          j.put("windows", windows).put("estimatedCalls", windows).put("basis", "one call per grid cell")
              .put("firstWindow", plan.windows().isEmpty() ? null : plan.windows().get(0).lo().toString())
              .put("lastWindowEnd", plan.windows().isEmpty() ? null
                  : plan.windows().get(plan.windows().size() - 1).hi().toString())
              .put("agedOut", plan.unreachable().map(g -> g.from() + "/" + g.to()).orElse(null));
          if (backlog != null && !paused.containsKey(r.tenantId()) && windows > 0) {
            estimates.add(backlog.estimate(tenants.get(r.tenantId()), table,
                planner.resumePoint(r.progress(), horizon), close).onSuccess(e -> j.put("estimatedCalls", e.calls())
                    .put("censusCalls", e.censusCalls()).put("estimatedRows", e.rows()).put("basis", e.basis())));
          }
        } catch (ConfigRowException e) {
          j.put("error", e.getMessage());
        }
      }
      return Future.join(estimates).otherwiseEmpty().map(x -> planReply(tables, now));
    }));
  }

  /** The tables' estimates, summed per tenant, with how long the tenant's call quotas make them take. */
  private OpsReply planReply(JsonArray tables, Instant now) {
    Map<String, Long> callsPerTenant = new LinkedHashMap<>();
    for (Object o : tables) {
      JsonObject t = (JsonObject) o;
      Long calls = t.getLong("estimatedCalls");
      if (calls != null) {
        callsPerTenant.merge(t.getString("tenantKey"), calls, Long::sum);
      }
    }
    JsonArray tenantsOut = new JsonArray();
    long maxEta = 0;
    for (Map.Entry<String, Long> e : callsPerTenant.entrySet()) {
      var api = tenants.get(e.getKey()).config().api();
      long etaSeconds = quotaSeconds(e.getValue(), api.callsPerMinute(), api.callsPerHour());
      maxEta = Math.max(maxEta, etaSeconds);
      tenantsOut.add(new JsonObject().put("key", e.getKey()).put("estimatedCalls", e.getValue())
          .put("callsPerMinute", api.callsPerMinute()).put("etaSeconds", etaSeconds));
      for (Object o : tables) {
        JsonObject t = (JsonObject) o;
        if (t.getString("tenantKey").equals(e.getKey()) && t.getLong("estimatedCalls") != null) {
          t.put("etaSeconds", etaSeconds);
        }
      }
    }
    return OpsReply.ok(node(), "backlog: about " + callsPerTenant.values().stream().mapToLong(Long::longValue).sum()
            + " call(s); at the tenants' call quotas about " + maxEta + " s of service time",
        new JsonObject().put("tables", tables).put("tenants", tenantsOut).put("clock", now.toString()));
  }

  /** Seconds {@code calls} take at most {@code perMinute} a minute and {@code perHour} (0: none) in any hour. */
  static long quotaSeconds(long calls, int perMinute, int perHour) {
    double byMinute = calls * 60.0 / Math.max(1, perMinute);
    // A sliding hour: each full hour's budget spent waits for the hour to pass.
    double byHour = perHour <= 0 || calls <= perHour ? 0 : Math.floor((calls - 1) / (double) perHour) * 3600.0;
    return (long) Math.ceil(Math.max(byMinute, byHour));
  }

  // ----------------------------------------------------------------------------------------------------- drain

  public Future<OpsReply> drain(OpsRequest req) {
    return drain.get().map(drained -> OpsReply.ok(node(), drained
        ? "node " + node() + " drained: it takes no more table work, and the windows that were under way settled"
        : "node " + node() + " was already drained", new JsonObject().put("node", node()).put("drained", true)));
  }
}
