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
import java.util.UUID;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.common.window.WindowProgress;
import org.defenderadx.migration.worker.adx.AdxClient;
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
 * call at the source goes through the {@link WindowFetcher}, taking permits from the shared budget. Every send goes
 * through one {@link Sender}.
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

  /**
   * The one way a repair sends rows to ADX: one gzip'd blob into one table under one {@code ingest-by:} tag (with
   * {@code ingestIfNotExists} on it), completing once ADX has confirmed that the tag's rows are in the table (ingested
   * now, or by an earlier attempt) and failing, with the reason, once it gives up (retries are the sender's).
   */
  @FunctionalInterface
  public interface Sender {
    /**
     * @param sendKey      unique to this send (window, job): the sender derives its attempts' source ids from it
     * @param creationTime the window's start, so retention and caching treat back-filled rows by their age
     */
    Future<Void> sendConfirmed(String table, byte[] gzipBlob, String tag, String sendKey, Instant creationTime);
  }

  /** What follows the destination's name in a job's staging table name (then 12 random hex digits). */
  static final String STAGING_SUFFIX = "_Repair_";

  private final WindowFetcher fetcher;
  private final Sender sender;
  private final AdxClient adx;
  private final CommittedWindows committed;
  private final Verifier verifier;
  private final MigrationStateStore state;
  private final TimeSource time;
  private final Options options;

  /** Sends through {@code ingestion} ({@link #sender(Vertx, WindowIngestion, TimeSource, Options)}). */
  public Repairer(Vertx vertx, WindowFetcher fetcher, WindowIngestion ingestion, AdxClient adx,
                  CommittedWindows committed, Verifier verifier, MigrationStateStore state, TimeSource time,
                  Options options) {
    this(fetcher, sender(vertx, ingestion, time, options), adx, committed, verifier, state, time, options);
  }

  public Repairer(WindowFetcher fetcher, Sender sender, AdxClient adx, CommittedWindows committed, Verifier verifier,
                  MigrationStateStore state, TimeSource time, Options options) {
    this.fetcher = fetcher;
    this.sender = sender;
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

  /**
   * The {@link Sender} over {@link WindowIngestion}: queued ingestion with the tag as {@code ingest-by:} and
   * {@code ingestIfNotExists}, confirmed through the status table, up to {@code maxSendAttempts} sends. Skipped counts
   * as confirmed: the tag's rows are in the table already (an earlier attempt landed after all); the repair checks
   * the staged row counts before it swaps anything in.
   */
  public static Sender sender(Vertx vertx, WindowIngestion ingestion, TimeSource time, Options options) {
    return new Sender() {
      @Override
      public Future<Void> sendConfirmed(String table, byte[] gzipBlob, String tag, String sendKey,
                                        Instant creationTime) {
        return attempt(table, gzipBlob, tag, sendKey, creationTime, 0);
      }

      Future<Void> attempt(String table, byte[] gzipBlob, String tag, String sendKey, Instant creationTime,
                           int attempt) {
        return ingestion.send(table, gzipBlob, tag, WindowIngestion.sourceId(sendKey, "repair", attempt), creationTime)
            .compose(ticket -> ingestion.awaitFinal(vertx, time, ticket, options.statusPollInterval(),
                time.now().plus(options.confirmationTimeout())))
            .recover(e -> Future.succeededFuture(new WindowIngestion.Status(WindowIngestion.State.FAILED,
                "send or status failed: " + e)))
            .compose(status -> switch (status.state()) {
              case SUCCEEDED, SKIPPED -> Future.<Void>succeededFuture();
              case PARTIALLY_SUCCEEDED -> Future.<Void>failedFuture("ADX ingested it only partly: " + status.details());
              case FAILED, PENDING -> {
                if (attempt + 1 >= options.maxSendAttempts()) {
                  yield Future.<Void>failedFuture(status.state() + " " + status.details() + " after " + (attempt + 1)
                      + " attempts");
                }
                LOG.warn("{}: repair send {}: {} {}; sending it again", table, sendKey, status.state(),
                    status.details());
                // The same tag: if the earlier send landed after all, ADX skips this one.
                yield attempt(table, gzipBlob, tag, sendKey, creationTime, attempt + 1);
              }
            });
      }
    };
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
    final String stagingName;
    Future<String> staging;

    Job(TenantContext tenant, ResolvedTable table, Instant watermark, Instant horizonStart, String runId) {
      this.tenant = tenant;
      this.table = table;
      this.watermark = watermark;
      this.horizonStart = horizonStart;
      this.runId = runId;
      this.stagingName = KqlIdentifiers.requireTable(table.destinationTable() + STAGING_SUFFIX
          + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
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
      fetchAll(List.of(window)).onComplete(fetched -> {
        if (fetched.failed() || fetched.result().failure().isPresent()) {
          String why = fetched.failed() ? String.valueOf(fetched.cause()) : fetched.result().failure().get();
          fail(done, window, why, UNCHANGED, result);
          return;
        }
        List<Leaf> leaves = fetched.result().done();
        Set<String> oldTags = new LinkedHashSet<>();
        old.stream().filter(c -> !c.lo().isBefore(window.lo()) && !c.hi().isAfter(window.hi()))
            .forEach(c -> oldTags.add(c.tag()));
        leaves.forEach(l -> oldTags.add(l.id().shortHash()));
        staging().compose(staging -> stageLeaves(staging, leaves, 0).compose(v -> staged(staging, leaves))
            .compose(moveIds -> swap(staging, oldTags, moveIds, stagedTags(leaves)))).onComplete(swapped -> {
              if (swapped.failed()) {
                fail(done, window, swapped.cause().getMessage(), swapped.cause() instanceof SwapUnclear u ? u.state
                    : UNCHANGED, result);
                return;
              }
              done.dropped += swapped.result();
              done.rows += rows(leaves);
              auditWindows(leaves).onComplete(audited -> {
                if (audited.failed()) {
                  fail(done, window, "auditing it failed: " + audited.cause().getMessage(), "it was replaced",
                      result);
                } else {
                  done.windows++;
                  replaceNext(todo, old, done, result);
                }
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

    /**
     * The job's staging table, created on first use with the destination's schema and ingestion mapping: the
     * replacement rows wait there, where no query of the destination and no {@code ingestIfNotExists} of the
     * exporter sees them, until they are swapped in.
     */
    Future<String> staging() {
      if (staging == null) {
        String destination = KqlIdentifiers.requireTable(table.destinationTable());
        String name = stagingName;
        staging = adx.mgmt(".show table " + destination + " cslschema")
            .compose(schema -> adx.mgmt(".create table " + name + " (" + columns(schema) + ") with (folder="
                + KqlLiterals.string("RepairStaging") + ", docstring=" + KqlLiterals.string("rows of a repair of "
                + destination + " (run " + runId + ") until they are swapped in; dropped when the repair ends") + ")"))
            .compose(v -> adx.mgmt(".show table " + destination + " ingestion json mappings"))
            .compose(mappings -> {
              Optional<Map<String, Object>> mapping = mappings.stream()
                  .filter(m -> WindowIngestion.MAPPING.equals(String.valueOf(m.get("Name")))).findFirst();
              if (mapping.isEmpty()) {
                return Future.failedFuture(destination + " has no json mapping '" + WindowIngestion.MAPPING + "'");
              }
              return adx.mgmt(".create-or-alter table " + name + " ingestion json mapping "
                  + KqlLiterals.string(WindowIngestion.MAPPING) + " "
                  + KqlLiterals.string(String.valueOf(mapping.get().get("Mapping"))));
            })
            .map(v -> name)
            .recover(e -> Future.failedFuture("creating the staging table " + name + " failed: " + e.getMessage()));
      }
      return staging;
    }

    /** Sends the leaves into the staging table in order, each under its own tag, confirmed. */
    Future<Void> stageLeaves(String staging, List<Leaf> leaves, int index) {
      if (index == leaves.size()) {
        return Future.succeededFuture();
      }
      Leaf leaf = leaves.get(index);
      Future<Void> sent = leaf.fetched().rows() == 0 ? Future.succeededFuture()
          : sender.sendConfirmed(staging, leaf.fetched().blob(), leaf.id().shortHash(),
              leaf.id().text() + ";repair;" + runId + ";" + staging, leaf.window().lo());
      return sent.transform(ar -> ar.succeeded() ? stageLeaves(staging, leaves, index + 1)
          : Future.failedFuture(leaf.window() + " could not be ingested again: " + ar.cause().getMessage()));
    }

    /**
     * The staging extents holding the leaves, once the staging table is seen to hold exactly their rows under their
     * tags (an extent landing late from an earlier attempt of a window already swapped carries that window's tag, so
     * it is not taken).
     */
    Future<List<String>> staged(String staging, List<Leaf> leaves) {
      Map<String, Long> expected = new LinkedHashMap<>();
      leaves.forEach(l -> expected.merge(l.id().shortHash(), l.fetched().rows(), Long::sum));
      return adx.mgmt(".show table " + staging + " extents").compose(extents -> {
        Map<String, Long> found = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>();
        for (Map<String, Object> e : extents) {
          Optional<String> tag = ingestBy(e).stream().filter(expected::containsKey).findFirst();
          if (tag.isPresent()) {
            ids.add(String.valueOf(e.get("ExtentId")));
            found.merge(tag.get(), HourlyCounts.number(e.get("RowCount")), Long::sum);
          }
        }
        for (Map.Entry<String, Long> x : expected.entrySet()) {
          long rows = found.getOrDefault(x.getKey(), 0L);
          if (rows != x.getValue()) {
            return Future.failedFuture("the staging table " + staging + " holds " + rows + " rows tagged ingest-by:"
                + x.getKey() + " where " + x.getValue() + " were sent; nothing was swapped");
          }
        }
        return Future.succeededFuture(ids);
      });
    }

    /**
     * Swaps the staged extents in for the destination's extents carrying any of {@code oldTags}, with one
     * {@code .replace extents}; returns how many extents were dropped. Only the extents listed a moment ago are
     * named, by id: an extent ingested since is left alone, and one gone since fails the whole command (ADX
     * unchanged). When the command fails, the destination is listed again to tell "unchanged" from "unclear"
     * ({@link SwapUnclear}: the reply was lost after the command ran, say).
     */
    Future<Integer> swap(String staging, Set<String> oldTags, List<String> moveIds, Set<String> stagedTags) {
      String destination = KqlIdentifiers.requireTable(table.destinationTable());
      return adx.mgmt(".show table " + destination + " extents").compose(extents -> {
        List<String> dropIds = new ArrayList<>();
        for (Map<String, Object> e : extents) {
          if (ingestBy(e).stream().anyMatch(oldTags::contains)) {
            dropIds.add(String.valueOf(e.get("ExtentId")));
          }
        }
        if (dropIds.isEmpty() && moveIds.isEmpty()) {
          return Future.succeededFuture(0);
        }
        String command = ".replace extents in table " + destination + " <|\n"
            + "{ .show table " + destination + " extents" + byIds(dropIds) + " },\n"
            + "{ .show table " + staging + " extents" + byIds(moveIds) + " }";
        Future<Integer> swapped = adx.mgmt(command).map(r -> dropIds.size());
        return swapped.recover(e -> adx.mgmt(".show table " + destination + " extents").transform(now -> {
          Set<String> present = new LinkedHashSet<>();
          if (now.succeeded()) {
            now.result().forEach(x -> present.add(String.valueOf(x.get("ExtentId"))));
          }
          String why = "swapping its extents in with .replace extents failed: " + e.getMessage();
          return Future.failedFuture(now.succeeded() && present.containsAll(dropIds) ? new IllegalStateException(why)
              : new SwapUnclear(why, "whether its extents were swapped is unclear; run verify for this range"));
        })).compose(dropped -> tagsKept(destination, stagedTags).map(dropped));
      });
    }

    /**
     * Checks that the destination holds the staged tags after the swap. The docs do not say in so many words that
     * moved extents keep their tags; if they did not, later repairs, verify by window and the exporter's
     * {@code ingestIfNotExists} would no longer find the window, so a repair must not claim success then.
     */
    Future<Void> tagsKept(String destination, Set<String> stagedTags) {
      if (stagedTags.isEmpty()) {
        return Future.succeededFuture();
      }
      return adx.mgmt(".show table " + destination + " extents").compose(extents -> {
        Set<String> present = new LinkedHashSet<>();
        extents.forEach(e -> present.addAll(ingestBy(e)));
        Set<String> lost = new LinkedHashSet<>(stagedTags);
        lost.removeAll(present);
        return lost.isEmpty() ? Future.succeededFuture() : Future.failedFuture(new SwapUnclear("no extent of "
            + destination + " carries ingest-by:" + lost + " after the swap", "its rows were swapped in without "
            + "their tags; tag them (.alter-merge table extent tags) before anything repairs or exports it again"));
      });
    }

    /** The tags of the leaves that have rows: those the destination must carry once they are swapped in. */
    Set<String> stagedTags(List<Leaf> leaves) {
      Set<String> tags = new LinkedHashSet<>();
      leaves.stream().filter(l -> l.fetched().rows() > 0).forEach(l -> tags.add(l.id().shortHash()));
      return tags;
    }

    /** Drops the staging table, if one was made; a failure is logged and named in the audit, not fatal. */
    Future<Optional<String>> dropStaging() {
      if (staging == null) {
        return Future.succeededFuture(Optional.empty());
      }
      return adx.mgmt(".drop table " + stagingName + " ifexists").map(v -> Optional.<String>empty())
          .otherwise(e -> {
            LOG.warn("{}: could not drop the repair's staging table {} ({}); it holds no rows of the destination "
                + "and may be dropped by hand", table.sourceTable(), stagingName, e.getMessage());
            return Optional.of(stagingName);
          });
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
      return dropStaging().compose(leftOver -> record(status, reason, windows, rows, dropped, after, leftOver));
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

  /** A swap after which the window is not known to be as before, nor properly replaced; {@code state} says how. */
  private static final class SwapUnclear extends RuntimeException {
    final String state;

    SwapUnclear(String message, String state) {
      super(message, null, false, false);
      this.state = state;
    }
  }

  /** The {@code ingest-by:} tags of an extent, as {@code .show table T extents} lists them, without the prefix. */
  private static List<String> ingestBy(Map<String, Object> extent) {
    List<String> tags = new ArrayList<>();
    for (String tag : String.valueOf(extent.get("Tags")).split("\\s+")) {
      if (tag.startsWith("ingest-by:")) {
        tags.add(tag.substring("ingest-by:".length()));
      }
    }
    return tags;
  }

  /** A filter of {@code .show ... extents} to exactly these extent ids (none: no extent). */
  private static String byIds(List<String> ids) {
    return ids.isEmpty() ? " | where false"
        : " | where tostring(ExtentId) in (" + String.join(", ", ids.stream().map(KqlLiterals::string).toList()) + ")";
  }

  /** The column list of {@code .create table} from {@code .show table T cslschema}'s {@code Name:type,...}. */
  private static String columns(List<Map<String, Object>> cslSchema) {
    if (cslSchema.isEmpty()) {
      throw new IllegalStateException("no schema");
    }
    List<String> columns = new ArrayList<>();
    for (String column : String.valueOf(cslSchema.get(0).get("Schema")).split(",")) {
      int colon = column.lastIndexOf(':');
      String type = column.substring(colon + 1).strip();
      if (!type.matches("[a-z]+")) {
        throw new IllegalStateException("unexpected column type '" + type + "' in " + cslSchema.get(0));
      }
      columns.add(KqlIdentifiers.requireColumn(column.substring(0, colon).strip()) + ":" + type);
    }
    return String.join(", ", columns);
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
