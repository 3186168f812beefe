package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.defenderadx.migration.common.config.MigrationTuning;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.model.SnapshotFingerprint;
import org.defenderadx.migration.common.model.SnapshotProgress;
import org.defenderadx.migration.common.model.TableKind;
import org.defenderadx.migration.common.query.HuntingQueries;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.Bucket;
import org.defenderadx.migration.common.window.SnapshotPaging;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.defender.Provenance;
import org.defenderadx.migration.worker.ingest.Delivered;
import org.defenderadx.migration.worker.ingest.Fence;
import org.defenderadx.migration.worker.ingest.IngestionPort;
import org.defenderadx.migration.worker.ingest.Shipment;
import org.defenderadx.migration.worker.ingest.SnapshotCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports a snapshot table (TVM and baseline tables, tables without a time column) as whole, stamped snapshots:
 * <ol>
 *   <li>counts the table (with its newest ingestion time: the fingerprint) and sizes N hash buckets from the count;
 *   <li>persists the snapshot's stamp, N and fingerprint in the configuration row before reading anything;
 *   <li>per bucket: first asks ingestion whether an earlier process already sent it (a restart after a crash: then
 *       it is confirmed and committed without reading it again); else reads it, checks the source still has the
 *       fingerprint it started with (otherwise the source refreshed: the snapshot starts again under a new stamp),
 *       hands its blob to ingestion under the bucket's own identity (sent, confirmed, retried there), then commits
 *       the bucket as done; a truncated bucket is read as its two halves instead;
 *   <li>after the last bucket, writes the {@code SnapshotCommitted} audit row that makes the snapshot visible
 *       through the {@code <Table>Snapshots} functions (kql/setup.kql), then the row with the new stamp.
 * </ol>
 * Every row carries the stamp ({@code __SnapshotTime}). Rows of a snapshot that was abandoned or is still under
 * way stay in the raw table, but no committed-snapshot function shows them.
 */
public final class SnapshotExporter {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotExporter.class);
  public static final String COMMITTED = "SnapshotCommitted";
  public static final String RESTARTED = "SnapshotRestarted";

  /**
   * Settings of a run.
   *
   * @param cadence          a table is exported again once its last committed snapshot is this old
   * @param rowCap           the service's row cap per result
   * @param byteCap          the service's byte cap per result
   * @param averageRowBytes  the row size assumed when sizing buckets (rows of TVM tables run 0.5-2 KB)
   * @param safetyFactor     share of the effective cap a bucket aims at, in (0, 1]
   * @param maxRestarts      source refreshes tolerated in one run before giving up until the next
   */
  public record Options(String node, Duration cadence, long rowCap, long byteCap, long averageRowBytes,
                        double safetyFactor, int maxRestarts) {
    public static Options defaults(String node, MigrationTuning tuning) {
      return new Options(node, tuning.snapshotCadence(), tuning.rowCap(), tuning.byteCap(), 2048, 0.5, 3);
    }
  }

  /**
   * Told of every bucket once ADX confirmed it and its progress is committed, before the next bucket is read (for
   * progress reporting). A failed future stops the run there, as a crash would: the committed progress stands.
   */
  @FunctionalInterface
  public interface Observer {
    Observer NONE = (table, progress, rows) -> Future.succeededFuture();

    Future<Void> bucketCommitted(String sourceTable, SnapshotProgress progress, long rows);
  }

  private final WindowFetcher fetcher;
  private final IngestionPort ingestion;
  private final MigrationStateStore state;
  private final TimeSource time;
  private final Options options;
  private final Observer observer;
  private final SnapshotFingerprintReader fingerprints;
  /** Per tenant and table, the row count of its last snapshot planned here: a large table skips the one-call read. */
  private final Map<String, Long> lastCounts = new ConcurrentHashMap<>();
  /** Set once at wiring, before any run. */
  private volatile TypedDelivery typed = TypedDelivery.NONE;

  public SnapshotExporter(WindowFetcher fetcher, IngestionPort ingestion, MigrationStateStore state, TimeSource time,
                          Options options) {
    this(fetcher, ingestion, state, time, options, Observer.NONE);
  }

  /** @param state where failures, pauses and restarts are audited (commits go through {@code ingestion}) */
  public SnapshotExporter(WindowFetcher fetcher, IngestionPort ingestion, MigrationStateStore state, TimeSource time,
                          Options options, Observer observer) {
    this.fetcher = fetcher;
    this.ingestion = ingestion;
    this.state = state;
    this.time = time;
    this.options = options;
    this.observer = observer;
    this.fingerprints = new SnapshotFingerprintReader(fetcher);
  }

  /** Brings the typed history table in step before each bucket's rows are delivered. */
  void keepingTypedTables(TypedDelivery typed) {
    this.typed = typed;
  }

  /** True when a snapshot is under way, or none was committed yet, or the last is at least a cadence old. */
  public boolean isDue(MigrationConfigRow row, Instant now) {
    if (row.snapshotProgress().isPresent()) {
      return true;
    }
    return row.lastCommittedSnapshot().map(last -> !last.plus(options.cadence()).isAfter(now)).orElse(true);
  }

  /**
   * Resumes the snapshot under way, or takes a new one when due; otherwise does nothing. {@code caughtUp} is true
   * when a snapshot was committed or none was due; {@code windowsCommitted} counts the buckets committed and
   * {@code rowsExported} their rows (a snapshot abandoned after a refresh included).
   */
  public Future<TableExporter.Result> run(TenantContext tenant, MigrationConfigRow row, String runId) {
    return run(tenant, row, Optional.empty(), runId, Fence.NONE);
  }

  /** As above, every commit under {@code fence} (the table's lease). */
  public Future<TableExporter.Result> run(TenantContext tenant, MigrationConfigRow row, String runId, Fence fence) {
    return run(tenant, row, Optional.empty(), runId, fence);
  }

  /**
   * As {@link #run(TenantContext, MigrationConfigRow, String)}, with the source table's schema (column to Kusto
   * type), when known: a table without a datetime column is a snapshot table too.
   */
  public Future<TableExporter.Result> run(TenantContext tenant, MigrationConfigRow row,
                                          Optional<Map<String, String>> sourceSchema, String runId, Fence fence) {
    ResolvedTable table;
    try {
      table = row.resolve(sourceSchema);
    } catch (ConfigRowException e) {
      return Future.succeededFuture(new TableExporter.Result(row.sourceTable(), row, 0, 0, false, Optional.empty(),
          Optional.of(e.getMessage())));
    }
    if (table.kind() != TableKind.SNAPSHOT) {
      return Future.succeededFuture(new TableExporter.Result(row.sourceTable(), row, 0, 0, false, Optional.empty(),
          Optional.of(row.sourceTable() + " is not a snapshot table (" + table.kind() + ")")));
    }
    if (!isDue(row, time.now())) {
      return Future.succeededFuture(new TableExporter.Result(row.sourceTable(), row, 0, 0, true, Optional.empty(),
          Optional.empty()));
    }
    table.warnings().forEach(w -> LOG.info("{}: {}", row.sourceTable(), w));
    Run run = new Run(tenant, table, row, runId, fence);
    run.start();
    return run.done.future();
  }

  /** One table's snapshot run. */
  private final class Run {
    final TenantContext tenant;
    final ResolvedTable table;
    final String runId;
    final Fence fence;
    final Promise<TableExporter.Result> done = Promise.promise();
    final Deque<Bucket> todo = new ArrayDeque<>();
    MigrationConfigRow row;
    SnapshotProgress progress;
    long rows;
    int committed;
    int restarts;
    /** Calls not booked yet (a first read that did not fit one call, fingerprints, cut buckets): on the next commit. */
    FetchStats carried = FetchStats.none();

    Run(TenantContext tenant, ResolvedTable table, MigrationConfigRow row, String runId, Fence fence) {
      this.fence = fence;
      this.tenant = tenant;
      this.table = table;
      this.row = row;
      this.runId = runId;
    }

    void start() {
      Optional<SnapshotProgress> underWay = row.snapshotProgress();
      if (underWay.isPresent() && underWay.get().complete()) {
        // Every bucket was confirmed before a crash: only the commit itself is missing.
        progress = underWay.get();
        commitSnapshot();
        return;
      }
      if (underWay.isEmpty() && fitsOneCall()) {
        firstRead();
        return;
      }
      fingerprint().onComplete(ar -> {
        if (ar.failed()) {
          failOrPause(ar.cause(), FetchStats.none());
          return;
        }
        SnapshotFingerprint now = ar.result();
        if (underWay.isEmpty()) {
          begin(now);
        } else if (underWay.get().fingerprint().equals(now)) {
          progress = underWay.get();
          LOG.info("{}: resuming snapshot {} ({} buckets)", table.sourceTable(), stamp(), progress.bucketCount());
          todo.addAll(progress.remaining());
          next();
        } else {
          progress = underWay.get();
          restart("the source refreshed while the snapshot was interrupted (" + underWay.get().fingerprint()
              + " then, " + now + " now)", now);
        }
      });
    }

    /** Whether the table's last snapshot seen by this exporter (if any) fitted one call. */
    boolean fitsOneCall() {
      Long last = lastCounts.get(key());
      return last == null || bucketsFor(last) == 1;
    }

    String key() {
      return tenant.key() + "\u0000" + table.sourceTable();
    }

    int bucketsFor(long count) {
      return SnapshotPaging.bucketCount(count, options.rowCap(), options.byteCap(), options.averageRowBytes(),
          options.safetyFactor());
    }

    /** A new stamp, which must differ from every earlier one: buckets are tagged by it, and ADX skips a tag it saw. */
    Instant nextStamp() {
      Instant at = KustoTime.truncate(time.now());
      Instant floor = progress != null ? progress.snapshotTime() : row.lastCommittedSnapshot().orElse(null);
      if (floor != null && !at.isAfter(floor)) {
        at = floor.plus(KustoTime.TICK);
      }
      return at;
    }

    /**
     * A snapshot that may fit one call is read whole at once, its fingerprint riding along: one call for a small
     * table. Its plan (one bucket) is persisted before its rows are sent, as any plan. A read cut at the caps costs
     * that call, and the snapshot goes on as a large one (its fingerprint read, then its buckets).
     */
    void firstRead() {
      Instant at = nextStamp();
      WindowId id = WindowId.ofSnapshot(tenant.key(), table.sourceTable(), at, Bucket.ALL);
      Provenance provenance = new Provenance(tenant.key(), table.sourceTable(), id.text(), KustoTime.format(at));
      fetcher.fetch(tenant, table, new Window(at, at.plus(KustoTime.TICK), Bucket.ALL),
          HuntingQueries.snapshotBucket(table.sourceTable(), Bucket.ALL), provenance).onComplete(ar -> {
            if (ar.failed()) {
              fail("reading the table failed: " + ar.cause(), FetchStats.none());
              return;
            }
            Fetched f = ar.result();
            if (f instanceof Fetched.Complete c && (c.sourceFingerprint().isPresent() || c.rows() == 0)) {
              SnapshotFingerprint fingerprint = c.sourceFingerprint()
                  .orElse(new SnapshotFingerprint(0, Optional.empty()));
              if (bucketsFor(fingerprint.count()) == 1) {
                lastCounts.put(key(), fingerprint.count());
                persistPlan(at, 1, fingerprint).onSuccess(v -> deliver(c, Bucket.ALL, id));
              } else {
                // The service served more than the configured caps allow one call: buckets, as configured, from the
                // count that came with the rows (the call is booked with the first bucket).
                carried = carried.plus(c.stats());
                begin(fingerprint);
              }
            } else if (f instanceof Fetched.Paused p) {
              pause(p, id.text());
            } else if (f instanceof Fetched.Failed failed) {
              fail(failed.reason(), failed.stats());
            } else {
              LOG.debug("{}: the whole table does not fit one call: {}", table.sourceTable(),
                  f instanceof Fetched.Split s ? s.reason() : "its rows carried no fingerprint");
              carried = carried.plus(f.stats());
              fingerprint().onComplete(fp -> {
                if (fp.failed()) {
                  failOrPause(fp.cause(), carried);
                } else {
                  begin(fp.result());
                }
              });
            }
          });
    }

    /** Plans a snapshot of the source as {@code fingerprint} describes it, and persists the plan first. */
    void begin(SnapshotFingerprint fingerprint) {
      Instant at = nextStamp();
      int buckets = bucketsFor(fingerprint.count());
      lastCounts.put(key(), fingerprint.count());
      persistPlan(at, buckets, fingerprint).onSuccess(v -> {
        LOG.info("{}: snapshot {} of {} rows in {} buckets", table.sourceTable(), stamp(), fingerprint.count(),
            buckets);
        todo.clear();
        todo.addAll(progress.remaining());
        next();
      });
    }

    /** Persists the plan in the configuration row (the run fails if it cannot), then it is the run's progress. */
    Future<Void> persistPlan(Instant at, int buckets, SnapshotFingerprint fingerprint) {
      SnapshotProgress planned = SnapshotProgress.start(at, buckets, fingerprint);
      Promise<Void> promise = Promise.promise();
      ingestion.commit(new SnapshotCommit(fence, row, row.lastCommittedSnapshot(), Optional.of(planned), List.of(),
          List.of())).onComplete(ar -> {
        if (ar.failed()) {
          fail("could not persist the snapshot plan: " + ar.cause().getMessage(), carried);
          promise.fail(ar.cause());
          return;
        }
        row = ar.result();
        progress = planned;
        promise.complete();
      });
      return promise.future();
    }

    void restart(String why, SnapshotFingerprint now) {
      restarts++;
      if (restarts > options.maxRestarts()) {
        fail(why + "; gave up after " + options.maxRestarts() + " restarts in this run, the next run tries again",
            FetchStats.none());
        return;
      }
      LOG.info("{}: snapshot {} abandoned, starting again: {}", table.sourceTable(), stamp(), why);
      state.audit(List.of(audit(RESTARTED, why, 0, snapshotId(), FetchStats.none(), Map.of())))
          .onComplete(x -> begin(now));
    }

    void next() {
      if (todo.isEmpty()) {
        commitSnapshot();
        return;
      }
      Bucket bucket = todo.pollFirst();
      WindowId id = WindowId.ofSnapshot(tenant.key(), table.sourceTable(), progress.snapshotTime(), bucket);
      // A restart after a crash: the bucket may have been sent (and confirmed) by the earlier process already.
      ingestion.recover(table.destinationTable(), id.shortHash(), id.text()).onComplete(found -> {
        if (found.succeeded() && found.result().isPresent()) {
          commitBucket(0, FetchStats.none(), bucket, id);
        } else {
          fetch(bucket, id);
        }
      });
    }

    void fetch(Bucket bucket, WindowId id) {
      Provenance provenance = new Provenance(tenant.key(), table.sourceTable(), id.text(), stamp());
      fetcher.fetch(tenant, table, carrier(bucket), HuntingQueries.snapshotBucket(table.sourceTable(), bucket),
          provenance).onComplete(ar -> {
            if (ar.failed()) {
              fail("bucket " + bucket + ": fetch failed: " + ar.cause(), FetchStats.none());
              return;
            }
            Fetched f = ar.result();
            if (f instanceof Fetched.Split s) {
              LOG.debug("{}: splitting bucket {}: {}", table.sourceTable(), bucket, s.reason());
              carried = carried.plus(s.stats());
              for (int i = s.children().size() - 1; i >= 0; i--) {
                todo.addFirst(s.children().get(i).bucket());
              }
              next();
            } else if (f instanceof Fetched.Paused p) {
              todo.addFirst(bucket);
              pause(p, id.text());
            } else if (f instanceof Fetched.Failed failed) {
              fail("bucket " + bucket + ": " + failed.reason(), failed.stats());
            } else {
              checkThenDeliver((Fetched.Complete) f, bucket, id);
            }
          });
    }

    /** The bucket counts only if the source still is what the snapshot started on. */
    void checkThenDeliver(Fetched.Complete c, Bucket bucket, WindowId id) {
      // The fingerprint rides on the bucket's rows; an empty bucket carries none, and it is read then.
      Future<SnapshotFingerprint> now = c.sourceFingerprint().map(Future::succeededFuture).orElseGet(this::fingerprint);
      now.onComplete(ar -> {
        if (ar.failed()) {
          failOrPause(ar.cause(), c.stats());
        } else if (!ar.result().equals(progress.fingerprint())) {
          restart("the source refreshed during bucket " + bucket + " (" + progress.fingerprint() + " at the start, "
              + ar.result() + " now)", ar.result());
        } else {
          deliver(c, bucket, id);
        }
      });
    }

    void deliver(Fetched.Complete c, Bucket bucket, WindowId id) {
      if (c.rows() == 0) {
        commitBucket(0, c.stats(), bucket, id);
        return;
      }
      Shipment shipment = new Shipment(table.destinationTable(), c.blob(), id.shortHash(), id.text(),
          progress.snapshotTime(), c.rows(), runId, audit("Sent", "", c.rows(), id.text(), c.stats(),
              Map.of("bucket", bucket.toString())));
      typed.ready(tenant, table, c).compose(v -> ingestion.deliver(shipment)).onComplete(ar -> {
        if (ar.failed()) {
          fail("bucket " + bucket + ": ingestion failed: " + ar.cause().getMessage(), c.stats());
          return;
        }
        Delivered d = ar.result();
        switch (d.outcome()) {
          case CONFIRMED -> commitBucket(c.rows(), c.stats(), bucket, id);
          case FAILED -> fail("bucket " + bucket + ": " + d.reason() + "; the snapshot resumes at this bucket next "
              + "run", c.stats());
          case QUARANTINED -> {
            // Audited as Quarantined by ingestion; the snapshot stays invisible and is retaken under a new stamp.
            String why = "bucket " + bucket + ": " + d.reason() + "; the snapshot is retaken under a new stamp next run";
            ingestion.commit(new SnapshotCommit(fence, row, row.lastCommittedSnapshot(), Optional.empty(), List.of(),
                    List.of()))
                .onComplete(x -> finish(Optional.empty(), Optional.of(why), false));
          }
        }
      });
    }

    /** Commits the bucket as done ({@code bucketRows} 0 when an earlier process's send was confirmed). */
    void commitBucket(long bucketRows, FetchStats bucketStats, Bucket bucket, WindowId id) {
      // A cut first read is booked with the first bucket, so the audit's ApiCalls add up to the calls made.
      FetchStats stats = bucketStats.plus(carried);
      carried = FetchStats.none();
      SnapshotProgress after = progress.after(bucket);
      ingestion.commit(new SnapshotCommit(fence, row, row.lastCommittedSnapshot(), Optional.of(after), List.of(),
              List.of(audit("Succeeded", "", bucketRows, id.text(), stats, Map.of("bucket", bucket.toString())))))
          .compose(newRow -> {
            row = newRow;
            progress = after;
            rows += bucketRows;
            committed++;
            return observer.bucketCommitted(table.sourceTable(), progress, bucketRows);
          })
          .onComplete(ar -> {
            if (ar.failed()) {
              fail("bucket " + bucket + ": " + ar.cause().getMessage(), stats);
            } else {
              next();
            }
          });
    }

    /** Every bucket is in: make the snapshot visible (the audit row), then record it as the last one. */
    void commitSnapshot() {
      Instant at = progress.snapshotTime();
      ingestion.commit(new SnapshotCommit(fence, row, Optional.of(at), Optional.empty(),
              List.of(audit(COMMITTED, "", progress.fingerprint().count(), snapshotId(), FetchStats.none(),
                  Map.of("buckets", progress.bucketCount()))), List.of()))
          .onComplete(ar -> {
            if (ar.failed()) {
              fail("could not commit snapshot " + stamp() + ": " + ar.cause().getMessage(), FetchStats.none());
              return;
            }
            row = ar.result();
            LOG.info("{}: snapshot {} committed: {} rows", table.sourceTable(), stamp(),
                progress.fingerprint().count());
            finish(Optional.empty(), Optional.empty(), true);
          });
    }

    /** The source's count and newest ingestion time, read through the same budget, breaker and retries. */
    Future<SnapshotFingerprint> fingerprint() {
      Instant at = progress != null ? progress.snapshotTime() : KustoTime.truncate(time.now());
      return fingerprints.read(tenant, table, at).map(read -> {
        carried = carried.plus(read.stats()); // booked with the next bucket committed
        return read.fingerprint();
      });
    }

    /** A CPU-quota pause ends the run until then, keeping the progress; anything else fails it. */
    void failOrPause(Throwable cause, FetchStats stats) {
      if (cause instanceof SnapshotFingerprintReader.SourcePaused paused) {
        pause(paused.paused, snapshotId());
      } else {
        fail(cause.getMessage(), stats);
      }
    }

    /** The tenant is paused (CPU quota): the run ends until then, audited, its progress kept. */
    void pause(Fetched.Paused p, String unitId) {
      state.audit(List.of(audit("Paused", p.reason(), 0, unitId, p.stats(), Map.of())))
          .onComplete(x -> finish(Optional.of(p.until()), Optional.empty(), false));
    }

    void fail(String reason, FetchStats stats) {
      LOG.error("{} (tenant '{}'): snapshot {}: {}", table.sourceTable(), tenant.key(), stamp(), reason);
      state.audit(List.of(audit("Failed", reason, 0, snapshotId(), stats, Map.of())))
          .onComplete(x -> finish(Optional.empty(), Optional.of(reason), false));
    }

    void finish(Optional<Instant> pausedUntil, Optional<String> failure, boolean caughtUp) {
      done.tryComplete(new TableExporter.Result(table.sourceTable(), row, rows, committed, caughtUp, pausedUntil,
          failure));
    }

    /**
     * The fetcher works on windows: a bucket rides in a one-tick window at the snapshot's stamp, which only sets
     * the request's Timespan (Graph filters Timestamp by it: from 30 days before the stamp) and carries the bucket
     * through splits.
     */
    Window carrier(Bucket bucket) {
      Instant at = progress.snapshotTime();
      return new Window(at, at.plus(KustoTime.TICK), bucket);
    }

    String stamp() {
      return progress == null ? "(not planned)" : KustoTime.format(progress.snapshotTime());
    }

    String snapshotId() {
      return progress == null ? "" : WindowId.ofSnapshot(tenant.key(), table.sourceTable(), progress.snapshotTime(),
          Bucket.ALL).text();
    }

    AuditRecord audit(String status, String reason, long count, String unitId, FetchStats s,
                      Map<String, Object> extra) {
      Map<String, Object> details = new LinkedHashMap<>(extra);
      if (progress != null) {
        // The committed-snapshot functions match rows on this exact text.
        details.put("snapshotTime", stamp());
      }
      details.put("serverErrors", s.serverErrors());
      s.serviceDate().ifPresent(d -> details.put("serviceDate", KustoTime.format(d)));
      Instant at = progress == null ? null : progress.snapshotTime();
      return new AuditRecord(table.destinationTable(), time.now(), status, reason, count, tenant.key(),
          table.sourceTable(), runId, unitId, at, at, s.calls(), s.callQuota429(), s.cpuQuota429(), s.elapsed(),
          options.node(), details);
    }
  }
}
