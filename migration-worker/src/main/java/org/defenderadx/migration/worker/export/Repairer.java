package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
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
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.common.window.WindowProgress;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.AuditRecord;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.defenderadx.migration.worker.defender.Provenance;
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
 * <p>Order, so that nothing is lost: one window at a time (so only one window's blobs are held in memory), fetch it
 * (if that fails, its extents are untouched), drop its extents, ingest it again and wait for ADX to confirm it, audit
 * it; at the end verify the whole range by hourly counts. The result is audited once for the range:
 * {@code Repaired} when the range is exact afterwards, {@code RepairFailed} otherwise, saying which windows were
 * replaced, in what state the failing window was left (unchanged, or its extents dropped and its rows missing) and
 * from where to run repair again, or that the range was replaced but still differs (extents without our tags, or
 * rows that arrived meanwhile). Each window ingested again is audited {@code Repaired}, so a later repair finds its
 * tag.
 *
 * <p>Repair never touches the watermark, and refuses ranges past it (the exporter still owns those) and ranges
 * older than the horizon (the source no longer holds their rows, so dropping ADX's copy would lose them). Every
 * call at the source goes through the {@link WindowFetcher}, taking permits from the shared budget.
 */
public final class Repairer {

  private static final Logger LOG = LoggerFactory.getLogger(Repairer.class);

  /** Settings of a repair. */
  public record Options(String node, Duration statusPollInterval, Duration confirmationTimeout, int maxSendAttempts) {
    public static Options defaults(String node) {
      return new Options(node, Duration.ofSeconds(10), Duration.ofHours(2), 3);
    }
  }

  /** What a repair did. {@code failure} is empty when the range is exact afterwards. */
  public record Result(String sourceTable, Instant from, Instant to, int windowsReplaced, long rowsIngested,
                       int extentsDropped, Optional<Verifier.Report> after, Optional<String> failure) {
  }

  private final Vertx vertx;
  private final WindowFetcher fetcher;
  private final WindowIngestion ingestion;
  private final AdxClient adx;
  private final CommittedWindows committed;
  private final Verifier verifier;
  private final MigrationStateStore state;
  private final TimeSource time;
  private final Options options;

  public Repairer(Vertx vertx, WindowFetcher fetcher, WindowIngestion ingestion, AdxClient adx,
                  CommittedWindows committed, Verifier verifier, MigrationStateStore state, TimeSource time,
                  Options options) {
    this.vertx = vertx;
    this.fetcher = fetcher;
    this.ingestion = ingestion;
    this.adx = adx;
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

    Job(TenantContext tenant, ResolvedTable table, Instant watermark, Instant horizonStart, String runId) {
      this.tenant = tenant;
      this.table = table;
      this.watermark = watermark;
      this.horizonStart = horizonStart;
      this.runId = runId;
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
     * Replaces one window at a time, so only one window's blobs are held in memory: fetch it (ADX untouched if that
     * fails), drop its extents, ingest it again, audit it. Then the next; the whole range is verified at the end.
     */
    void replaceNext(Deque<Window> todo, List<CommittedWindows.Committed> old, Progress done, Promise<Result> result) {
      Window window = todo.pollFirst();
      if (window == null) {
        verifyAfter(done).onComplete(result);
        return;
      }
      fetchAll(List.of(window)).onComplete(fetched -> {
        if (fetched.failed() || fetched.result().failure().isPresent()) {
          String why = fetched.failed() ? String.valueOf(fetched.cause()) : fetched.result().failure().get();
          fail(done, window, why, "ADX still holds it unchanged", result);
          return;
        }
        List<Leaf> leaves = fetched.result().done();
        Set<String> tags = new LinkedHashSet<>();
        old.stream().filter(c -> !c.lo().isBefore(window.lo()) && !c.hi().isAfter(window.hi()))
            .forEach(c -> tags.add(c.tag()));
        leaves.forEach(l -> tags.add(l.id().shortHash()));
        dropExtents(tags).onComplete(dropped -> {
          if (dropped.failed()) {
            fail(done, window, "dropping its extents failed: " + dropped.cause().getMessage(),
                "ADX may hold it partly", result);
            return;
          }
          done.dropped += dropped.result();
          ingestLeaves(leaves, 0).onComplete(sent -> {
            List<Leaf> landed = sent.succeeded() ? leaves : leaves.subList(0, sent.cause() instanceof LeafFailed lf
                ? lf.index : 0);
            auditWindows(landed).onComplete(audited -> {
              done.rows += rows(landed);
              if (sent.failed()) {
                fail(done, window, sent.cause().getMessage(), "its extents were dropped and ADX lacks its rows",
                    result);
              } else if (audited.failed()) {
                fail(done, window, "auditing it failed: " + audited.cause().getMessage(),
                    "it was replaced", result);
              } else {
                done.windows++;
                replaceNext(todo, old, done, result);
              }
            });
          });
        });
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

    /** Sends the leaves in order; fails with {@link LeafFailed} naming the first that could not be ingested. */
    Future<Void> ingestLeaves(List<Leaf> leaves, int index) {
      if (index == leaves.size()) {
        return Future.succeededFuture();
      }
      Leaf leaf = leaves.get(index);
      Future<Void> sent = leaf.fetched().rows() == 0 ? Future.succeededFuture() : send(leaf, 0);
      return sent.transform(ar -> ar.succeeded() ? ingestLeaves(leaves, index + 1)
          : Future.failedFuture(new LeafFailed(index, leaf.window() + " could not be ingested again: "
              + ar.cause().getMessage())));
    }

    record Leaf(Window window, WindowId id, Fetched.Complete fetched) {
    }

    record Leaves(List<Leaf> done, Optional<String> failure) {
    }

    /** Fetches the windows, splitting as the exporter does, and keeps the leaves' blobs until all are in. */
    Future<Leaves> fetchAll(List<Window> windows) {
      Deque<Window> todo = new ArrayDeque<>(windows);
      List<Leaf> done = new ArrayList<>();
      Promise<Leaves> result = Promise.promise();
      fetchNext(todo, done, result);
      return result.future();
    }

    void fetchNext(Deque<Window> todo, List<Leaf> done, Promise<Leaves> result) {
      Window window = todo.pollFirst();
      if (window == null) {
        result.complete(new Leaves(done, Optional.empty()));
        return;
      }
      WindowId id = WindowId.of(tenant.key(), table.sourceTable(), window);
      Provenance provenance = new Provenance(tenant.key(), table.sourceTable(), id.text(), null);
      fetcher.fetch(tenant, table, window, WindowFetcher.query(table, window), provenance).onComplete(ar -> {
        if (ar.failed()) {
          result.complete(new Leaves(done, Optional.of("fetching " + window + " failed: " + ar.cause())));
          return;
        }
        Fetched f = ar.result();
        stats = plus(stats, f.stats());
        if (f instanceof Fetched.Split s) {
          for (int i = s.children().size() - 1; i >= 0; i--) {
            todo.addFirst(s.children().get(i));
          }
          fetchNext(todo, done, result);
        } else if (f instanceof Fetched.Complete c) {
          done.add(new Leaf(window, id, c));
          fetchNext(todo, done, result);
        } else if (f instanceof Fetched.Paused p) {
          result.complete(new Leaves(done, Optional.of("the tenant is paused until " + KustoTime.format(p.until())
              + " (" + p.reason() + ")")));
        } else {
          result.complete(new Leaves(done, Optional.of("fetching " + window + " failed: "
              + ((Fetched.Failed) f).reason())));
        }
      });
    }

    /** Drops the extents carrying any of the tags; returns how many were dropped. */
    Future<Integer> dropExtents(Set<String> tags) {
      String destination = KqlIdentifiers.requireTable(table.destinationTable());
      return adx.mgmt(".show table " + destination + " extents").compose(extents -> {
        List<String> ids = new ArrayList<>();
        for (Map<String, Object> e : extents) {
          for (String tag : String.valueOf(e.get("Tags")).split("\\s+")) {
            if (tag.startsWith("ingest-by:") && tags.contains(tag.substring("ingest-by:".length()))) {
              ids.add(String.valueOf(e.get("ExtentId")));
              break;
            }
          }
        }
        if (ids.isEmpty()) {
          return Future.succeededFuture(0);
        }
        // Only the extents listed a moment ago, by id: extents ingested since are left alone.
        String idList = String.join(", ", ids.stream().map(KqlLiterals::string).toList());
        return adx.mgmt(".drop extents <| .show table " + destination + " extents | where tostring(ExtentId) in ("
            + idList + ")").map(r -> r.size());
      });
    }

    Future<Void> send(Leaf leaf, int attempt) {
      String tag = leaf.id().shortHash();
      return ingestion.send(table.destinationTable(), leaf.fetched().blob(), tag,
              WindowIngestion.sourceId(leaf.id().text() + ";repair", runId, attempt), leaf.window().lo())
          .compose(ticket -> confirm(ticket, time.now().plus(options.confirmationTimeout())))
          .recover(e -> Future.succeededFuture(new WindowIngestion.Status(WindowIngestion.State.FAILED,
              "send or status failed: " + e)))
          .compose(status -> switch (status.state()) {
            case SUCCEEDED -> Future.succeededFuture();
            // On a later attempt, an earlier one landed after all; on the first, the tag survived the drop, so
            // the window was not replaced.
            case SKIPPED -> attempt > 0 ? Future.<Void>succeededFuture() : Future.failedFuture("ADX skipped " + leaf.window() + ": an extent tagged ingest-by:" + tag
                + " is still there");
            case PARTIALLY_SUCCEEDED -> Future.failedFuture("ADX ingested " + leaf.window() + " only partly: "
                + status.details());
            case FAILED, PENDING -> attempt + 1 < options.maxSendAttempts()
                // The same tag: if the earlier send landed after all, ADX skips this one.
                ? retry(leaf, attempt, status)
                : Future.failedFuture(leaf.window() + ": " + status.state() + " " + status.details() + " after "
                    + (attempt + 1) + " attempts");
          });
    }

    Future<Void> retry(Leaf leaf, int attempt, WindowIngestion.Status status) {
      LOG.warn("{}: repair of {}: {} {}; sending it again", table.sourceTable(), leaf.window(), status.state(),
          status.details());
      return send(leaf, attempt + 1);
    }

    Future<WindowIngestion.Status> confirm(WindowIngestion.Ticket ticket, Instant deadline) {
      return ingestion.awaitFinal(vertx, time, ticket, options.statusPollInterval(), deadline);
    }

    Future<Void> auditWindows(List<Leaf> ingested) {
      List<AuditRecord> records = new ArrayList<>();
      for (Leaf l : ingested) {
        records.add(audit("Repaired", "", l.fetched().rows(), l.window().lo(), l.window().hi(), l.id().text(),
            l.fetched().stats(), Map.of()));
      }
      return records.isEmpty() ? Future.succeededFuture() : state.audit(records);
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
      Map<String, Object> details = new LinkedHashMap<>();
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

  /** The leaf at {@code index} of a window could not be ingested; those before it were. */
  private static final class LeafFailed extends RuntimeException {
    final int index;

    LeafFailed(int index, String message) {
      super(message, null, false, false);
      this.index = index;
    }
  }

  private static long rows(List<Job.Leaf> leaves) {
    return leaves.stream().mapToLong(l -> l.fetched().rows()).sum();
  }

  static FetchStats plus(FetchStats a, FetchStats b) {
    return new FetchStats(a.calls() + b.calls(), a.callQuota429() + b.callQuota429(),
        a.cpuQuota429() + b.cpuQuota429(), a.serverErrors() + b.serverErrors(), a.elapsed().plus(b.elapsed()),
        b.serviceDate().isPresent() ? b.serviceDate() : a.serviceDate());
  }
}
