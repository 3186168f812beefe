package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowProgress;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.ingest.IngestionPort;
import org.defenderadx.migration.worker.ingest.Shipment;
import org.defenderadx.migration.worker.typed.TypedTables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-exports a range of an incremental table and replaces what ADX holds for it.
 *
 * <p>How a range maps to extents: every extent carries its window's {@code ingest-by:} tag (the short hash of the
 * window id), and the audit log has one row per committed window with its id and bounds ({@link CommittedWindows}).
 * The range is widened to the committed windows it touches, so whole windows are replaced and no extent is dropped
 * for rows outside it. Those windows (and any gap between them) are fetched again under the same identities.
 *
 * <p>Replacement is atomic per window, so a failed repair leaves ADX as it was. One window at a time (so only one
 * window's blobs are held in memory): fetch it; ingest its rows into a staging table of the job's own (same schema
 * and mapping as the destination, created for the job and dropped after it) under the window's own tags, each send
 * confirmed through the status table; check that the staging table holds exactly the fetched rows under those tags;
 * then swap them in with ONE {@code .replace extents} command, which drops the window's old extents and moves the new
 * ones into the destination in one transaction. A query sees the old rows or the new ones, never both or neither.
 * The staged rows are in another table until the swap, so they neither count as the window's rows nor meet the
 * exporter's {@code ingestIfNotExists} (which looks at the destination only); moved extents keep their tags, so after
 * the swap the window's rows carry the tag that verify, later repairs and {@code ingestIfNotExists} look for. Each
 * window swapped in is audited {@code Repaired}; at the end the whole range is verified by hourly counts.
 *
 * <p>The result is audited once for the range: {@code Repaired} when the range is exact afterwards,
 * {@code RepairFailed} otherwise, saying which windows were replaced, that the failing window and the rest of the
 * range were left unchanged, and from where to run repair again, or that the range was replaced but still differs
 * (extents without our tags, or rows that arrived meanwhile).
 *
 * <p>Repair never touches the watermark, and refuses ranges past it (the exporter still owns those) and ranges
 * older than the horizon (the source no longer holds their rows, so dropping ADX's copy would lose them). Every
 * call at the source goes through the {@link WindowFetcher} ({@link WindowRefetch}), taking permits from the shared
 * budget. Every send goes through the {@link IngestionPort} (in a node, the ingestion verticle), which sends,
 * confirms and retries it as it does every window; the staging table is a {@link RepairStaging}, the swap an
 * {@link ExtentSwap}.
 */
public final class Repairer {

  private static final Logger LOG = LoggerFactory.getLogger(Repairer.class);

  /** Settings of a repair; how its sends are confirmed and retried is the {@link IngestionPort}'s. */
  public record Options(String node) {
    public static Options defaults(String node) {
      return new Options(node);
    }
  }

  /** What a repair did. {@code failure} is empty when the range is exact afterwards. */
  public record Result(String sourceTable, Instant from, Instant to, int windowsReplaced, long rowsIngested,
                       int extentsDropped, Optional<Verifier.Report> after, Optional<String> failure) {
  }

  private final WindowRefetch refetch;
  private final IngestionPort ingestion;
  private final AdxClient adx;
  private final ExtentSwap swap;
  private TypedRepair typedRepair;
  private final CommittedWindows committed;
  private final Verifier verifier;
  private final MigrationStateStore state;
  private final TimeSource time;
  private final Options options;

  /**
   * @param ingestion where the staged rows are delivered: in a node the ingestion verticle over the event bus, so a
   *                  repair's sends are sent, confirmed and retried as every other send is
   */
  public Repairer(WindowFetcher fetcher, IngestionPort ingestion, AdxClient adx, CommittedWindows committed,
                  Verifier verifier, MigrationStateStore state, TimeSource time, Options options) {
    this.refetch = new WindowRefetch(fetcher);
    this.ingestion = ingestion;
    this.adx = adx;
    this.swap = new ExtentSwap(adx);
    this.typedRepair = new TypedRepair(adx, null);
    this.committed = committed;
    this.verifier = verifier;
    this.state = state;
    this.time = time;
    this.options = options;
  }

  /**
   * Replaces ADX's copy of {@code [lo, hi)} (widened to whole hours and to the committed windows it touches).
   *
   * @param horizonStart the oldest point the source can still serve safely (now - 30 days + margin)
   */
  /** Brings a repaired window's typed rows in step with its new raw rows ({@link TypedRepair}). */
  public Repairer keepingTypedTables(TypedTables typed) {
    this.typedRepair = new TypedRepair(adx, typed);
    return this;
  }

  public Future<Result> repair(TenantContext tenant, MigrationConfigRow row, Instant lo, Instant hi,
                               Instant horizonStart, String runId) {
    ResolvedTable table;
    try {
      table = row.resolve();
    } catch (ConfigRowException e) {
      return refuse(tenant, row.destinationTable(), row.sourceTable(), lo, hi, runId, e.getMessage());
    }
    if (table.kind() == TableKind.SNAPSHOT) {
      return refuse(tenant, table.destinationTable(), table.sourceTable(), lo, hi, runId,
          "snapshot tables are repaired by taking a new snapshot, not by range");
    }
    Optional<Instant> watermark = row.progress().map(WindowProgress::watermark);
    if (watermark.isEmpty()) {
      return refuse(tenant, table.destinationTable(), table.sourceTable(), lo, hi, runId,
          "the table was never exported, so there is nothing to repair");
    }
    Instant from = HourlyCounts.hourOf(lo);
    // Whole hours only, so the closing verification never counts rows past the watermark that are not exported yet.
    Instant to = min(HourlyCounts.hourCeiling(hi), HourlyCounts.hourOf(watermark.get()));
    if (!from.isBefore(to)) {
      return refuse(tenant, table.destinationTable(), table.sourceTable(), lo, hi, runId, "the range ends at or "
          + "before its start once limited to the watermark " + KustoTime.format(watermark.get()));
    }
    return committed.overlapping(tenant.key(), table.sourceTable(), from, to)
        .compose(windows -> new Job(tenant, table, watermark.get(), horizonStart, runId).run(from, to, windows));
  }

  private Future<Result> refuse(TenantContext tenant, String destination, String source, Instant lo, Instant hi,
                                String runId, String reason) {
    String why = "repair refused, ADX unchanged: " + reason;
    LOG.warn("{} (tenant '{}'): {}", source, tenant.key(), why);
    AuditRecord audit = new AuditRecord(destination, time.now(), "RepairFailed", why, 0, tenant.key(), source, runId,
        "", lo, hi, 0, 0, 0, Duration.ZERO, options.node(), Map.of());
    return state.audit(List.of(audit)).otherwiseEmpty()
        .map(v -> new Result(source, lo, hi, 0, 0, 0, Optional.empty(), Optional.of(why)));
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  /** One range's repair. */
  private final class Job {
    final TenantContext tenant;
    final ResolvedTable table;
    final Instant watermark;
    final Instant horizonStart;
    final String runId;
    final Instant started = time.now();
    Instant from;
    Instant to;
    FetchStats stats = FetchStats.none();
    /** Where the replacement rows wait for the swap; unique to the job, so concurrent repairs never share one. */
    final RepairStaging staging;

    Job(TenantContext tenant, ResolvedTable table, Instant watermark, Instant horizonStart, String runId) {
      this.tenant = tenant;
      this.table = table;
      this.watermark = watermark;
      this.horizonStart = horizonStart;
      this.runId = runId;
      this.staging = new RepairStaging(adx, table.destinationTable(), runId);
    }

    Future<Result> run(Instant requestedFrom, Instant requestedTo, List<CommittedWindows.Committed> old) {
      from = requestedFrom;
      to = requestedTo;
      for (CommittedWindows.Committed c : old) {
        from = min(from, c.lo());
        to = c.hi().isAfter(to) ? c.hi() : to;
      }
      if (to.isAfter(watermark)) {
        return finish("RepairFailed", "repair refused, ADX unchanged: committed windows reach past the watermark "
            + KustoTime.format(watermark), 0, 0, 0, Optional.empty());
      }
      if (from.isBefore(horizonStart)) {
        return finish("RepairFailed", "repair refused, ADX unchanged: the range starts at " + KustoTime.format(from)
            + ", before the source's horizon " + KustoTime.format(horizonStart) + "; the source no longer holds all "
            + "its rows, so replacing ADX's copy would lose them", 0, 0, 0, Optional.empty());
      }
      Promise<Result> result = Promise.promise();
      replaceNext(new ArrayDeque<>(windowsCovering(old, from, to)), old, new Progress(), result);
      return result.future();
    }

    /** What has been replaced so far, for the result and for a failure's account of where the range stands. */
    final class Progress {
      int windows;
      int dropped;
      long rows;
    }

    /**
     * Replaces one window at a time, so only one window's blobs are held in memory: fetch it, stage it, swap it in,
     * audit it (ADX is untouched until the swap, and the swap is one transaction). Then the next; the whole range is
     * verified at the end.
     */
    void replaceNext(Deque<Window> todo, List<CommittedWindows.Committed> old, Progress done, Promise<Result> result) {
      Window window = todo.pollFirst();
      if (window == null) {
        verifyAfter(done).onComplete(result);
        return;
      }
      refetch.fetch(tenant, table, window).onComplete(fetched -> {
        if (fetched.failed() || fetched.result().failure().isPresent()) {
          if (fetched.succeeded()) {
            stats = plus(stats, fetched.result().stats());
          }
          String why = fetched.failed() ? String.valueOf(fetched.cause()) : fetched.result().failure().get();
          fail(done, window, why, UNCHANGED, result);
          return;
        }
        stats = plus(stats, fetched.result().stats());
        List<WindowRefetch.Leaf> leaves = fetched.result().done();
        Set<String> oldTags = new LinkedHashSet<>();
        old.stream().filter(c -> !c.lo().isBefore(window.lo()) && !c.hi().isAfter(window.hi()))
            .forEach(c -> oldTags.add(c.tag()));
        leaves.forEach(l -> oldTags.add(l.id().shortHash()));
        staging.create().compose(name -> stageLeaves(name, leaves, 0)
            .compose(v -> staging.extentsHolding(expectedRows(leaves)))
            .compose(moveIds -> swap.swap(table.destinationTable(), name, oldTags, moveIds, stagedTags(leaves))))
            .onComplete(swapped -> {
              if (swapped.failed()) {
                fail(done, window, swapped.cause().getMessage(), swapped.cause() instanceof ExtentSwap.Unclear u
                    ? u.state : UNCHANGED, result);
                return;
              }
              typedRepair.replace(table, oldTags, leaves.stream().map(l -> l.id().text()).toList(),
                  stagedTags(leaves)).onComplete(typedDone -> {
                    if (typedDone.failed()) {
                      fail(done, window, typedDone.cause().getMessage(), "its raw rows were replaced", result);
                    } else {
                      windowSwapped(todo, old, done, result, window, swapped.result(), leaves);
                    }
                  });
            });
      });
    }

    void windowSwapped(Deque<Window> todo, List<CommittedWindows.Committed> old, Progress done,
                       Promise<Result> result, Window window, int dropped, List<WindowRefetch.Leaf> leaves) {
      done.dropped += dropped;
      done.rows += rows(leaves);
      auditWindows(leaves).onComplete(audited -> {
        if (audited.failed()) {
          fail(done, window, "auditing it failed: " + audited.cause().getMessage(), "it was replaced", result);
        } else {
          done.windows++;
          replaceNext(todo, old, done, result);
        }
      });
    }

    void fail(Progress done, Window window, String why, String windowState, Promise<Result> result) {
      String reason = "repairing " + window + " failed (" + why + "); " + windowState + ". "
          + (done.windows == 0 ? "No window before it was changed" : "The " + done.windows + " window(s) from "
          + KustoTime.format(from) + " to " + KustoTime.format(window.lo()) + " were replaced")
          + "; the rest of the range is unchanged. Run repair again for ["
          + KustoTime.format(window.lo()) + ", " + KustoTime.format(to) + ")";
      finish("RepairFailed", reason, done.windows, done.rows, done.dropped, Optional.empty())
          .onComplete(result);
    }

    /**
     * Delivers the leaves into the staging table in order, each under its window's own tag, through the ingestion
     * port (sent, confirmed and retried there, as every send is).
     */
    Future<Void> stageLeaves(String stagingTable, List<WindowRefetch.Leaf> leaves, int index) {
      if (index == leaves.size()) {
        return Future.succeededFuture();
      }
      WindowRefetch.Leaf leaf = leaves.get(index);
      long rows = leaf.fetched().rows();
      // The identity names the staging table (unique to the job): the same for every send of this leaf in the job,
      // so its sends are found again, and never one of the exporter's sends of the window, nor another repair's.
      Shipment shipment = Shipment.staged(stagingTable, leaf.fetched().blob(), leaf.id().shortHash(),
          leaf.id().text() + ";repair;" + stagingTable, leaf.window().lo(), rows, runId, windowAudit(leaf));
      return ingestion.deliver(shipment)
          .compose(d -> d.confirmed() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(d.reason()))
          .transform(ar -> ar.succeeded() ? stageLeaves(stagingTable, leaves, index + 1)
              : Future.failedFuture(leaf.window() + " could not be ingested again: " + ar.cause().getMessage()));
    }

    /** The tags of the leaves that have rows: those the destination must carry once they are swapped in. */
    Set<String> stagedTags(List<WindowRefetch.Leaf> leaves) {
      Set<String> tags = new LinkedHashSet<>();
      leaves.stream().filter(l -> l.fetched().rows() > 0).forEach(l -> tags.add(l.id().shortHash()));
      return tags;
    }

    Future<Void> auditWindows(List<WindowRefetch.Leaf> ingested) {
      List<AuditRecord> records = ingested.stream().map(this::windowAudit).toList();
      return records.isEmpty() ? Future.succeededFuture() : state.audit(records);
    }

    /** A leaf's {@code Repaired} row (also the base of its audited retries). */
    AuditRecord windowAudit(WindowRefetch.Leaf l) {
      return audit("Repaired", "", l.fetched().rows(), l.window().lo(), l.window().hi(), l.id().text(),
          l.fetched().stats(), Map.of());
    }

    Future<Result> verifyAfter(Progress done) {
      int dropped = done.dropped;
      return verifier.verify(tenant, table, from, to).transform(ar -> {
        if (ar.failed()) {
          return finish("RepairFailed", "the range was replaced, but verifying it failed (" + ar.cause().getMessage()
              + "); run verify for this range", done.windows, done.rows, dropped, Optional.empty());
        }
        Verifier.Report report = ar.result();
        stats = plus(stats, report.stats());
        if (report.exact()) {
          return finish("Repaired", "", done.windows, done.rows, dropped, Optional.of(report));
        }
        return finish("RepairFailed", "the range was replaced, yet hourly counts still differ: " + report.mismatches()
            + " (extents without our tags, e.g. a load outside the migrator, or rows that arrived at the source "
            + "meanwhile)", done.windows, done.rows, dropped, Optional.of(report));
      });
    }

    Future<Result> finish(String status, String reason, int windows, long rows, int dropped,
                          Optional<Verifier.Report> after) {
      return staging.drop().compose(leftOver -> record(status, reason, windows, rows, dropped, after, leftOver));
    }

    Future<Result> record(String status, String reason, int windows, long rows, int dropped,
                          Optional<Verifier.Report> after, Optional<String> leftOverStaging) {
      Map<String, Object> details = new LinkedHashMap<>();
      leftOverStaging.ifPresent(name -> details.put("stagingTableLeftOver", name));
      details.put("windowsReplaced", windows);
      details.put("extentsDropped", dropped);
      details.put("watermark", KustoTime.format(watermark));
      after.ifPresent(r -> details.put("hoursDiffering", r.mismatches().size()));
      if ("Repaired".equals(status)) {
        LOG.info("{} (tenant '{}'): repaired [{}, {}): {} windows, {} rows", table.sourceTable(), tenant.key(),
            KustoTime.format(from), KustoTime.format(to), windows, rows);
      } else {
        LOG.error("{} (tenant '{}'): repair of [{}, {}): {}", table.sourceTable(), tenant.key(),
            KustoTime.format(from), KustoTime.format(to), reason);
      }
      AuditRecord summary = audit(status, reason, rows, from, to, "", stats, details);
      Result result = new Result(table.sourceTable(), from, to, windows, rows, dropped, after,
          reason.isEmpty() ? Optional.empty() : Optional.of(reason));
      // The audit row is the record of a half-done repair: if it cannot be written, the caller must hear of it.
      return state.audit(List.of(summary)).map(v -> result);
    }

    AuditRecord audit(String status, String reason, long count, Instant lo, Instant hi, String windowId, FetchStats s,
                      Map<String, Object> details) {
      return new AuditRecord(table.destinationTable(), time.now(), status, reason, count, tenant.key(),
          table.sourceTable(), runId, windowId, lo, hi, s.calls(), s.callQuota429(), s.cpuQuota429(),
          windowId.isEmpty() ? Duration.between(started, time.now()) : s.elapsed(), options.node(), details);
    }
  }

  /**
   * The windows to fetch again for {@code [from, to)}: the committed windows' bounds (a bucketed instant once, fetched
   * whole and bucketed again if it must be), with any gap between them filled by a window of its own, in order.
   */
  static List<Window> windowsCovering(List<CommittedWindows.Committed> old, Instant from, Instant to) {
    TreeSet<Window> bounds = new TreeSet<>((a, b) -> a.lo().equals(b.lo()) ? a.hi().compareTo(b.hi())
        : a.lo().compareTo(b.lo()));
    old.forEach(c -> bounds.add(CommittedWindows.window(c)));
    List<Window> windows = new ArrayList<>();
    Instant position = from;
    for (Window w : bounds) {
      if (!w.hi().isAfter(position)) {
        continue;
      }
      if (w.lo().isAfter(position)) {
        windows.add(Window.of(position, w.lo()));
      }
      windows.add(w.lo().isBefore(position) ? Window.of(position, w.hi()) : w);
      position = w.hi();
    }
    if (position.isBefore(to)) {
      windows.add(Window.of(position, to));
    }
    return windows;
  }

  /** What a failed window's account says of it when ADX was left as it was. */
  private static final String UNCHANGED = "ADX still holds it unchanged";

  /** Rows per {@code ingest-by:} tag the staging table must hold once the leaves are in. */
  private static Map<String, Long> expectedRows(List<WindowRefetch.Leaf> leaves) {
    Map<String, Long> expected = new LinkedHashMap<>();
    leaves.forEach(l -> expected.merge(l.id().shortHash(), l.fetched().rows(), Long::sum));
    return expected;
  }

  private static long rows(List<WindowRefetch.Leaf> leaves) {
    return leaves.stream().mapToLong(l -> l.fetched().rows()).sum();
  }

  static FetchStats plus(FetchStats a, FetchStats b) {
    return new FetchStats(a.calls() + b.calls(), a.callQuota429() + b.callQuota429(),
        a.cpuQuota429() + b.cpuQuota429(), a.serverErrors() + b.serverErrors(), a.elapsed().plus(b.elapsed()),
        b.serviceDate().isPresent() ? b.serviceDate() : a.serviceDate());
  }
}
