package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.MergePolicy;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.ingest.Fence;
import org.defenderadx.migration.worker.ingest.IngestionPort;
import org.defenderadx.migration.worker.quota.InFlightBytes;
import org.defenderadx.migration.worker.typed.TypedTables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports one incremental table from its committed watermark up to the close point, window by window, in order:
 * plans the windows (recorded units, {@link UnitRecorder}), fetches them (splitting what does not fit one call), and
 * hands each finished window to ingestion ({@link IngestionPort}: in a node, the ingestion verticle over the event
 * bus), which sends it under its own identity, confirms it and commits the watermark past the confirmed head of the
 * line, several windows per commit. The watermark never moves past a window ADX has not confirmed, and a window is
 * only ever sent under its own identity, so a replay after a crash cannot duplicate it.
 */
public final class TableExporter {

  private static final Logger LOG = LoggerFactory.getLogger(TableExporter.class);

  /** How the export of a table ended this time. */
  public record Result(String sourceTable, MigrationConfigRow row, long rowsExported, int windowsCommitted,
                       boolean caughtUp, Optional<Instant> pausedUntil, Optional<String> failure) {
  }

  /**
   * Settings of a run.
   *
   * @param planBatch      windows planned at once
   * @param pipelineDepth  windows of one table under way at once, fetched, sent or waiting for ADX to confirm them,
   *                       at most {@link TableRun#FETCHES_AT_ONCE} of them being fetched (commits stay in order);
   *                       with a depth of 1 a table's windows go strictly one after another
   * @param maxCommitBatch confirmed windows at the head of the line committed together (one watermark row, their
   *                       audit rows in one append)
   */
  public record Options(String node, int planBatch, int pipelineDepth, int maxCommitBatch) {
    public Options {
      if (planBatch < 1 || pipelineDepth < 1 || maxCommitBatch < 1) {
        throw new IllegalArgumentException("planBatch, pipelineDepth and maxCommitBatch must be at least 1");
      }
    }

    public Options(String node, int planBatch) {
      this(node, planBatch, 16, 32);
    }

    public static Options defaults(String node) {
      return new Options(node, 64, 16, 32);
    }

    /** These options with {@code migration.maxCommitBatch} (1: each window committed alone). */
    public Options withMaxCommitBatch(int windows) {
      return new Options(node, planBatch, pipelineDepth, windows);
    }
  }

  /**
   * Checked before every watermark commit: fails when this run may no longer commit (its lease on the table was
   * lost to another node), so a late commit from a node that was presumed dead is refused.
   */
  @FunctionalInterface
  public interface CommitGuard {
    Future<Void> check();

    CommitGuard NONE = Future::succeededFuture;
  }

  private final MigrationStateStore state;
  private final WindowPlanner planner;
  private final TimeSource time;
  private final Options options;
  /** Draining (runs take no new windows, settle, commit what is confirmed, end), then perhaps abandoned (end now). */
  private final ExporterStop stop = new ExporterStop();
  private TableRun.Shared shared;
  private final Set<TableRun> runs = ConcurrentHashMap.newKeySet();
  private final SnapshotExporter snapshots;
  /** Set when grid cells are merged into recorded units (see {@link #mergingCells}); null: plain cells. */
  private volatile UnitRecorder.Merging merging;

  /**
   * @param snapshots     where snapshot tables go (null: they are refused, with a reason in the audit log)
   * @param inFlightBytes the node's budget of blob bytes in flight ({@code adx.maxInFlightSize}): each window
   *                      reserves {@link WindowFetcher#blobTargetBytes()} before its fetch, keeps its blob's size once
   *                      built, and frees it when its delivery ends
   */
  public TableExporter(Vertx vertx, WindowFetcher fetcher, IngestionPort ingestion, MigrationStateStore state,
                       WindowPlanner planner, TimeSource time, Options options, SnapshotExporter snapshots,
                       InFlightBytes inFlightBytes) {
    this.snapshots = snapshots;
    this.state = state;
    this.planner = planner;
    this.time = time;
    this.options = options;
    this.shared = new TableRun.Shared(vertx, fetcher, ingestion, state, planner, time, options, inFlightBytes,
        new UnitSizing(), stop, new SourceSchemas(fetcher, time), TypedDelivery.NONE);
  }

  /**
   * Keeps every exported table's typed copy in step ({@link TypedTables}): before a result's rows are delivered,
   * its typed table has every column the result carries. Snapshot tables too.
   */
  public TableExporter keepingTypedTables(TypedTables typed) {
    TableRun.Shared s = shared;
    TypedDelivery delivery = new TypedDelivery(typed, s.schemas());
    shared = new TableRun.Shared(s.vertx(), s.fetcher(), s.ingestion(), s.state(), s.planner(), s.time(), s.options(),
        s.inFlightBytes(), s.unitSizing(), s.exporterStop(), s.schemas(), delivery);
    if (snapshots != null) {
      snapshots.keepingTypedTables(delivery);
    }
    return this;
  }

  /**
   * Merges a table's closed grid cells into units of about {@link MergePolicy#targetRows} rows, counted by one census
   * call at the source, so a backlog costs about one call per unit instead of one per cell; every unit is recorded
   * ({@link PlannedUnitStore}) before its first fetch, and a run resumes inside recorded units, so identities stay
   * fixed. Without this, every window is a plain cell of the grid (or a halving of one).
   */
  public TableExporter mergingCells(HourlyCounts census, PlannedUnitStore store, MergePolicy policy) {
    this.merging = new UnitRecorder.Merging(census, store, policy);
    return this;
  }

  /**
   * Estimates a table's backlog in calls as this exporter will plan it, with what its fetches have measured (empty
   * when it does not merge cells: then every grid cell is a call).
   */
  public Optional<BacklogEstimate> backlogEstimate() {
    UnitRecorder.Merging m = merging;
    return m == null ? Optional.empty() : Optional.of(new BacklogEstimate(m.census(), m.store(),
        m.policy(), planner.grid(), shared.unitSizing()));
  }

  public Future<Result> run(TenantContext tenant, MigrationConfigRow row, Instant horizonStart, Instant closePoint,
                            String runId) {
    return run(tenant, row, horizonStart, closePoint, runId, CommitGuard.NONE, Fence.NONE);
  }

  public Future<Result> run(TenantContext tenant, MigrationConfigRow row, Instant horizonStart, Instant closePoint,
                            String runId, CommitGuard guard) {
    return run(tenant, row, horizonStart, closePoint, runId, guard, Fence.NONE);
  }

  /**
   * Runs the table under {@code fence}: every commit (by the ingestion side) checks that the fence's lease is still
   * held, and {@code guard} is checked before a commit is asked for.
   */
  public Future<Result> run(TenantContext tenant, MigrationConfigRow row, Instant horizonStart, Instant closePoint,
                            String runId, CommitGuard guard, Fence fence) {
    ResolvedTable table;
    try {
      table = row.resolve();
    } catch (ConfigRowException e) {
      return failTable(tenant, row, runId, e.getMessage());
    }
    if (table.kind() != TableKind.INCREMENTAL_COLUMN) {
      return start(tenant, row, table, Optional.empty(), horizonStart, closePoint, runId, guard, fence);
    }
    // A configured column is checked against the source's schema (cached) before any window is planned on it.
    return shared.schemas().of(tenant, table).transform(schema -> {
      if (schema.failed()) {
        return failTable(tenant, row, runId, schema.cause().getMessage());
      }
      ResolvedTable checked;
      try {
        checked = row.resolve(Optional.of(schema.result()));
      } catch (ConfigRowException e) {
        return failTable(tenant, row, runId, e.getMessage());
      }
      return start(tenant, row, checked, Optional.of(schema.result()), horizonStart, closePoint, runId, guard,
          fence);
    });
  }

  private Future<Result> start(TenantContext tenant, MigrationConfigRow row, ResolvedTable table,
                               Optional<Map<String, String>> sourceSchema, Instant horizonStart, Instant closePoint,
                               String runId, CommitGuard guard, Fence fence) {
    if (table.kind() == TableKind.SNAPSHOT) {
      // Snapshots have no watermark: the horizon and close point do not apply to them.
      return snapshots != null ? snapshots.run(tenant, row, sourceSchema, runId, fence)
          : failTable(tenant, row, runId, "snapshot tables are not exported by this exporter (no snapshot exporter"
              + " configured)");
    }
    table.warnings().forEach(w -> LOG.warn("{}: {}", row.sourceTable(), w));
    UnitRecorder.Merging merge = merging;
    UnitRecorder recorder = merge == null ? null : new UnitRecorder(merge, tenant, table, runId, options.node(),
        planner.grid(), closePoint, options.planBatch(), time);
    TableRun run = new TableRun(shared, recorder, tenant, table, row, horizonStart, closePoint, runId, guard, fence);
    runs.add(run);
    run.done.future().onComplete(x -> {
      runs.remove(run);
      run.releaseAll();
    });
    if (stop.abandoned()) {
      run.abandon();
    }
    run.next();
    return run.done.future();
  }

  /** Stops every run of this exporter from taking new windows (graceful shutdown); see {@link TableRun#stopping()}. */
  public void drain() {
    stop.drain();
  }

  /**
   * Shutdown: every run ends now, with a failure saying so. Windows under way are released uncommitted: nothing is
   * sent, confirmed or committed for them any more (during JVM shutdown the SDK refuses HTTP, so they could not be),
   * and a restart finds their sends in the status table (docs/correctness.md, start-up recovery). Runs started later
   * end at once too.
   */
  public void abandon() {
    stop.abandon();
    runs.forEach(TableRun::abandon);
  }

  private Future<Result> failTable(TenantContext tenant, MigrationConfigRow row, String runId, String reason) {
    LOG.error("{} (tenant '{}'): {}", row.sourceTable(), tenant.key(), reason);
    AuditRecord audit = new AuditRecord(row.destinationTable(), time.now(), "Failed", reason, 0, tenant.key(),
        row.sourceTable(), runId, "", null, null, 0, 0, 0, Duration.ZERO, options.node(), Map.of());
    return state.audit(List.of(audit)).otherwiseEmpty()
        .map(v -> new Result(row.sourceTable(), row, 0, 0, false, Optional.empty(), Optional.of(reason)));
  }
}
