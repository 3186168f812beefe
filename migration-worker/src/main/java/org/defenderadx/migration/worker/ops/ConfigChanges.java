package org.defenderadx.migration.worker.ops;

import static org.defenderadx.migration.worker.ops.OpsLookup.kind;
import static org.defenderadx.migration.worker.ops.OpsLookup.version;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.defenderadx.migration.api.bus.OpsReply;
import org.defenderadx.migration.api.bus.OpsRequest;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.Bucket;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowProgress;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.AdxRowAppender;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.PlannedUnitStore;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ops commands that change a table's configuration: pause, resume and reset-watermark.
 *
 * <p>Every change is made under the table's lease, so no node is exporting the table meanwhile and no export commit
 * can overwrite the new row; while the change is made and for a while after, {@link OpsHolds} keeps the coordinator
 * from handing out a row it read before the change. The change is a new MigrationConfiguration version (append-only,
 * UpdatedBy and Notes say who and why), so it survives restarts, and an audit row records it.
 */
final class ConfigChanges {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigChanges.class);
  /** Longer than a coordinator cycle takes from reading the configuration to taking a lease. */
  static final Duration CHANGE_HOLD = Duration.ofSeconds(30);
  private static final Duration LEASE_TTL = Duration.ofMinutes(2);

  private final Vertx vertx;
  private final MigrationStateStore state;
  private final AdxRowAppender appender;
  private final TableLeases leases;
  private final OpsHolds holds;
  private final OpsLookup lookup;
  private final WindowPlanner planner;
  private final PlannedUnitStore plannedUnits;
  private final WindowSchedule schedule;
  private final TimeSource time;
  private final String node;
  /** How long a change waits for a run under way on the table to end (and give up its lease). */
  private final Duration leaseWait;

  ConfigChanges(Vertx vertx, MigrationStateStore state, AdxRowAppender appender, TableLeases leases, OpsHolds holds,
                OpsLookup lookup, WindowPlanner planner, PlannedUnitStore plannedUnits, WindowSchedule schedule,
                TimeSource time, String node, Duration leaseWait) {
    this.vertx = vertx;
    this.state = state;
    this.appender = appender;
    this.leases = leases;
    this.holds = holds;
    this.lookup = lookup;
    this.planner = planner;
    this.plannedUnits = plannedUnits;
    this.schedule = schedule;
    this.time = time;
    this.node = node;
    this.leaseWait = leaseWait;
  }

  Future<OpsReply> pause(OpsRequest req) {
    return setActive(req, false);
  }

  Future<OpsReply> resume(OpsRequest req) {
    return setActive(req, true);
  }

  private Future<OpsReply> setActive(OpsRequest req, boolean active) {
    String verb = active ? "resume" : "pause";
    if (req.table().isEmpty()) {
      String tenant = req.tenant().orElseThrow(() -> new BadRequest(verb + " needs --table or --tenant"));
      lookup.requireTenant(tenant);
      if (active) {
        return holds.resumeTenant(tenant).map(was -> OpsReply.ok(node, was ? "tenant '" + tenant + "' resumed"
            : "tenant '" + tenant + "' was not paused", new JsonObject().put("tenant", tenant)));
      }
      return holds.pauseTenant(tenant, "paused by " + req.requestedBy() + note(req))
          .map(v -> OpsReply.ok(node, "tenant '" + tenant + "' paused: no table of it is handed out until it is "
              + "resumed (tables under way finish their run). Held in the cluster's memory: a restart of every node"
              + " forgets it", new JsonObject().put("tenant", tenant)));
    }
    String tenant = req.tenantKey();
    String table = req.table().get();
    // The marker first: from now on no cycle hands the table out, whatever configuration row it read.
    Future<Void> marked = lookup.row(tenant, table).compose(r -> active ? Future.succeededFuture()
        : holds.pauseTable(tenant, table, "paused by " + req.requestedBy() + note(req)));
    return marked.compose(v -> underLease(tenant, table, verb, row -> {
      if (row.active() == active) {
        return Future.succeededFuture(OpsReply.ok(node, table + " is already " + (active ? "active" : "paused"),
            new JsonObject().put("table", table).put("version", version(row))));
      }
      return appendVersion(row, active, Optional.empty(), req, verb).map(written ->
          OpsReply.ok(node, table + (active ? " resumed" : " paused") + " (configuration version "
              + version(written) + ")", new JsonObject().put("table", table).put("version", version(written))));
    })).compose(reply -> active && reply.status() == OpsReply.Status.OK
        ? holds.resumeTable(tenant, table).compose(v -> holds.unpark(tenant, table)).map(wasParked -> wasParked
            ? OpsReply.ok(node, reply.message() + "; it was parked (the tenant did not have it) and is tried again"
                + " at the next cycle", reply.data()) : reply)
        : Future.succeededFuture(reply));
  }

  /**
   * Moves a table's watermark to {@code to}, rounded down to its window grid: re-planning from a grid boundary
   * reproduces the windows (and their {@code ingest-by} tags) of the first export, so ADX skips every window it
   * already holds and moving back never duplicates a row. Moving forward skips rows: it needs {@code force}.
   */
  Future<OpsReply> resetWatermark(OpsRequest req) {
    String table = req.table().orElseThrow(() -> new BadRequest("reset-watermark needs --table"));
    Instant requested = req.toAt(time.now()).orElseThrow(() -> new BadRequest("reset-watermark needs --to"));
    String tenant = req.tenantKey();
    lookup.requireTenant(tenant);
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
          OpsReply.ok(node, table + ": watermark " + current.map(KustoTime::format).orElse("(never loaded)")
              + " -> " + KustoTime.format(to) + (to.equals(requested) ? "" : to.equals(cell)
              ? " (rounded down to the window grid)" : " (rounded down to the start of its planned unit)")
              + " (configuration version " + version(written) + ")" + warning,
              new JsonObject().put("table", table).put("from", current.map(Instant::toString).orElse(null))
                  .put("to", to.toString()).put("version", version(written))));
    }));
  }

  /**
   * Runs {@code action} on the row in force while holding the table's lease (waiting for a run under way to end),
   * with the table held back from dispatch meanwhile and for {@link #CHANGE_HOLD} after.
   */
  private Future<OpsReply> underLease(String tenant, String table, String verb,
                                      Function<MigrationConfigRow, Future<OpsReply>> action) {
    String key = TableLeases.key(tenant, table);
    return lookup.row(tenant, table)
        .compose(x -> holds.holdForChange(tenant, table, verb + " under way", LEASE_TTL))
        .compose(v -> acquire(key, System.nanoTime() + leaseWait.toNanos()))
        .compose(leaseId -> {
          if (leaseId == null) {
            return Future.succeededFuture(OpsReply.failed(node, table + ": a node is exporting it and did not "
                + "finish within " + leaseWait.toSeconds() + " s; nothing was changed, try again",
                new JsonObject().put("table", table)));
          }
          Future<OpsReply> done;
          try {
            done = lookup.row(tenant, table).compose(action);
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
        Duration.ZERO, node, Map.of("verb", verb, "version", version(written), "active", active));
    LOG.info("{} (tenant '{}'): {} by {}: configuration version {}", row.sourceTable(), row.tenantId(), verb,
        req.requestedBy(), version(written));
    return appender.append(MigrationStateStore.CONFIG_TABLE, List.of(next))
        .compose(v -> state.audit(List.of(audit)).otherwiseEmpty())
        .map(v -> written);
  }

  private static String note(OpsRequest req) {
    return req.note().isBlank() ? "" : ": " + req.note().strip();
  }

}
