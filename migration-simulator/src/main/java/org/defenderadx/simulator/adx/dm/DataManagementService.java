package org.defenderadx.simulator.adx.dm;

import com.azure.core.util.Context;
import com.azure.data.tables.models.TableEntity;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.models.QueueMessageItem;
import com.azure.storage.queue.models.UpdateMessageResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.defenderadx.simulator.adx.AdxFaults;
import org.defenderadx.simulator.adx.ingest.IngestionFailure;
import org.defenderadx.simulator.adx.ingest.Ingestor;
import org.defenderadx.simulator.adx.ingest.ParsedData;
import org.defenderadx.simulator.adx.store.Cluster;
import org.defenderadx.simulator.adx.store.Database;
import org.defenderadx.simulator.adx.store.KustoValues;
import org.defenderadx.simulator.adx.store.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stand-in's data-management service: reads ingestion requests from the queue, batches them as the service's
 * batching policy does (time on the injected clock, item count, raw size; a blob with ingest-by tags,
 * ingestIfNotExists or flushImmediately is sealed alone), downloads and ingests each sealed batch as one extent,
 * reports per blob in the status table and notification queues according to the report level and method, and
 * deletes the blob and the message. Runs on its own thread because every storage call blocks.
 */
public final class DataManagementService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataManagementService.class);

  /** Polling and default batching settings. */
  public record Options(Duration pollInterval, Duration defaultBatchingTime, int defaultMaxItems,
                        long defaultMaxRawBytes, Duration visibilityTimeout) {
    public static Options defaults() {
      return new Options(Duration.ofMillis(100), Duration.ofMinutes(5), 500, 1024L * 1024 * 1024,
          Duration.ofSeconds(60));
    }
  }

  /** Outcome of one blob. */
  public enum Status { Succeeded, PartiallySucceeded, Failed, Skipped }

  private record Held(IngestionMessage message, String messageId, String[] popReceipt, long receivedNanos,
                      long[] renewedNanos) {
  }

  private static final class Batch {
    final String key;
    final String database;
    final String table;
    final List<Held> items = new ArrayList<>();
    final Instant openedAt;
    long rawBytes;
    Instant readyAt;

    Batch(String key, String database, String table, Instant openedAt) {
      this.key = key;
      this.database = database;
      this.table = table;
      this.openedAt = openedAt;
    }
  }

  private final StorageBackend storage;
  private final Cluster cluster;
  private final Ingestor ingestor;
  private final Clock clock;
  private final AdxFaults faults;
  private final Options options;
  private final ScheduledExecutorService loop;
  private final Map<String, Batch> open = new LinkedHashMap<>();
  private final List<Batch> sealed = new ArrayList<>();
  private final Map<String, Held> held = new java.util.HashMap<>();
  private final AtomicLong blobsIngested = new AtomicLong();
  private final AtomicLong blobsReceived = new AtomicLong();
  private final AtomicLong bytesIngested = new AtomicLong();
  private volatile boolean closed;

  public DataManagementService(StorageBackend storage, Cluster cluster, Ingestor ingestor, Clock clock,
                               AdxFaults faults, Options options) {
    this.storage = storage;
    this.cluster = cluster;
    this.ingestor = ingestor;
    this.clock = clock;
    this.faults = faults;
    this.options = options;
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "adx-data-management");
      t.setDaemon(true);
      return t;
    });
  }

  public void start() {
    loop.scheduleWithFixedDelay(this::tick, 0, options.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Blobs received but not yet ingested (waiting in a batch or for a slow data-management delay). */
  public synchronized int pendingBlobs() {
    int n = 0;
    for (Batch b : open.values()) {
      n += b.items.size();
    }
    for (Batch b : sealed) {
      n += b.items.size();
    }
    return n;
  }

  /** Ingestion messages received so far (each send of a blob counts, whatever became of it). */
  public long blobsReceived() {
    return blobsReceived.get();
  }

  public long blobsIngested() {
    return blobsIngested.get();
  }

  /** Uncompressed bytes of the blobs ingested so far. */
  public long bytesIngested() {
    return bytesIngested.get();
  }

  private void tick() {
    if (closed) {
      return;
    }
    try {
      receive();
      List<Batch> ready = sealDueAndTakeReady();
      for (Batch b : ready) {
        ingest(b);
      }
      renewVisibility();
    } catch (Throwable t) {
      if (!closed) {
        LOG.warn("Data-management tick failed; retrying on the next one", t);
      }
    }
  }

  private void receive() {
    QueueClient q = storage.queue(StorageBackend.READY_QUEUE);
    for (int round = 0; round < 8; round++) {
      int got = 0;
      for (QueueMessageItem item : q.receiveMessages(32, options.visibilityTimeout(), null, Context.NONE)) {
        got++;
        IngestionMessage msg;
        try {
          msg = IngestionMessage.parse(item.getBody().toString());
        } catch (RuntimeException e) {
          LOG.warn("Dropping an unreadable ingestion message {}: {}", item.getMessageId(), e.getMessage());
          q.deleteMessage(item.getMessageId(), item.getPopReceipt());
          continue;
        }
        long now = System.nanoTime();
        enqueue(new Held(msg, item.getMessageId(), new String[] {item.getPopReceipt()}, now, new long[] {now}));
      }
      if (got < 32) {
        return;
      }
    }
  }

  private synchronized void enqueue(Held h) {
    Held already = held.get(h.messageId());
    if (already != null) {
      // Its visibility lapsed while a long batch was being ingested: same message, new receipt.
      already.popReceipt()[0] = h.popReceipt()[0];
      already.renewedNanos()[0] = h.renewedNanos()[0];
      return;
    }
    held.put(h.messageId(), h);
    blobsReceived.incrementAndGet();
    IngestionMessage m = h.message();
    Instant now = clock.instant();
    boolean alone = m.flushImmediately() || !m.ingestIfNotExists().isEmpty() || m.hasIngestByTag();
    if (alone) {
      Batch b = new Batch("single:" + m.id(), m.database(), m.table(), now);
      b.items.add(h);
      seal(b, now);
      return;
    }
    String key = String.join("|", m.database(), m.table(), m.format(), String.valueOf(m.mappingReference()),
        String.valueOf(m.inlineMapping()), String.join(",", m.tags()), String.valueOf(m.ignoreFirstRecord()));
    Batch b = open.computeIfAbsent(key, k -> new Batch(k, m.database(), m.table(), now));
    b.items.add(h);
    b.rawBytes += Math.max(0, m.rawDataSize());
    BatchingPolicy p = policyFor(m.database(), m.table());
    if (b.items.size() >= p.maxItems() || b.rawBytes >= p.maxRawBytes()) {
      open.remove(key);
      seal(b, now);
    }
  }

  private void seal(Batch b, Instant now) {
    b.readyAt = now.plus(faults.dataManagementDelay());
    sealed.add(b);
  }

  private synchronized List<Batch> sealDueAndTakeReady() {
    Instant now = clock.instant();
    for (Iterator<Batch> it = open.values().iterator(); it.hasNext(); ) {
      Batch b = it.next();
      if (!now.isBefore(b.openedAt.plus(policyFor(b.database, b.table).maxTime()))) {
        it.remove();
        seal(b, now);
      }
    }
    List<Batch> ready = new ArrayList<>();
    for (Iterator<Batch> it = sealed.iterator(); it.hasNext(); ) {
      Batch b = it.next();
      if (!now.isBefore(b.readyAt)) {
        it.remove();
        ready.add(b);
      }
    }
    return ready;
  }

  /** The batching policy of the table, else of the database, else the service defaults. */
  private BatchingPolicy policyFor(String dbName, String tableName) {
    BatchingPolicy defaults = new BatchingPolicy(options.defaultBatchingTime(), options.defaultMaxItems(),
        options.defaultMaxRawBytes());
    Optional<Database> db = cluster.findDatabase(dbName);
    if (db.isEmpty()) {
      return defaults;
    }
    Optional<String> json = db.get().findTable(tableName).flatMap(t -> t.policy("ingestionbatching"))
        .or(() -> db.get().policy("ingestionbatching"));
    return json.map(j -> BatchingPolicy.parse(j, defaults)).orElse(defaults);
  }

  private void renewVisibility() {
    List<Held> all = new ArrayList<>();
    synchronized (this) {
      open.values().forEach(b -> all.addAll(b.items));
      sealed.forEach(b -> all.addAll(b.items));
    }
    long half = options.visibilityTimeout().toNanos() / 2;
    QueueClient q = storage.queue(StorageBackend.READY_QUEUE);
    for (Held h : all) {
      if (System.nanoTime() - h.renewedNanos()[0] > half) {
        UpdateMessageResult r = q.updateMessage(h.messageId(), h.popReceipt()[0], null, options.visibilityTimeout());
        h.popReceipt()[0] = r.getPopReceipt();
        h.renewedNanos()[0] = System.nanoTime();
      }
    }
  }

  // ------------------------------------------------------------------ ingestion of a sealed batch

  private record BlobOutcome(Held held, Status status, String errorCode, String details, boolean permanent) {
  }

  private void ingest(Batch b) {
    List<BlobOutcome> outcomes = new ArrayList<>();
    List<ParsedData> good = new ArrayList<>();
    List<Held> goodItems = new ArrayList<>();
    Database db = cluster.database(b.database);
    for (Held h : b.items) {
      IngestionMessage m = h.message();
      try {
        Optional<AdxFaults.IngestionFault> fault = faults.nextIngestionFault(m.table());
        if (fault.isPresent() && fault.get().outcome() == AdxFaults.IngestionOutcome.FAILED) {
          outcomes.add(new BlobOutcome(h, Status.Failed, fault.get().permanent() ? "General_BadRequest"
              : "General_InternalServerError", fault.get().reason(), fault.get().permanent()));
          continue;
        }
        Optional<String> existingTag = alreadyIngestedBy(db, m);
        if (existingTag.isPresent()) {
          outcomes.add(skipped(h, existingTag.get()));
          continue;
        }
        byte[] plain = Ingestor.decompressIfGzip(storage.download(m.blobPath()));
        ParsedData parsed = ingestor.parse(db, m.table(), plain, m.format(), m.mappingReference(), m.inlineMapping(),
            m.ignoreFirstRecord());
        bytesIngested.addAndGet(plain.length);
        String details = null;
        if (fault.isPresent()) {
          parsed = dropSecondHalf(parsed);
          details = fault.get().reason();
        }
        if (parsed.goodRecords() == 0 && parsed.badRecords() > 0) {
          outcomes.add(new BlobOutcome(h, Status.Failed, "BadRequest_UnexpectedCharacterInInputStream",
              "No record of the blob could be parsed as " + m.format() + ": " + parsed.firstError(), true));
          continue;
        }
        if (parsed.badRecords() > 0) {
          details = parsed.badRecords() + " of " + (parsed.badRecords() + parsed.goodRecords())
              + " records could not be parsed: " + parsed.firstError();
        }
        good.add(parsed);
        goodItems.add(h);
        outcomes.add(new BlobOutcome(h, details == null ? Status.Succeeded : Status.PartiallySucceeded,
            details == null ? null : "BadRequest_UnexpectedCharacterInInputStream", details, true));
      } catch (IngestionFailure f) {
        outcomes.add(new BlobOutcome(h, Status.Failed, f.errorCode(), f.getMessage(), f.permanent()));
      } catch (RuntimeException e) {
        outcomes.add(new BlobOutcome(h, Status.Failed, "Download_SourceNotFound",
            "The blob could not be read: " + e.getMessage(), false));
      }
    }
    if (!good.isEmpty()) {
      try {
        List<String> tags = goodItems.get(0).message().tags();
        // Checked again with the append, under the database's lock, against a concurrent command ingestion.
        synchronized (db) {
          Optional<String> tag = goodItems.size() == 1 ? alreadyIngestedBy(db, goodItems.get(0).message())
              : Optional.empty();
          if (tag.isPresent()) {
            outcomes.replaceAll(o -> o.held() == goodItems.get(0) ? skipped(o.held(), tag.get()) : o);
          } else {
            ingestor.append(db, b.table, good, tags);
            blobsIngested.addAndGet(goodItems.size());
          }
        }
      } catch (RuntimeException e) {
        // Nothing of the batch was appended (a transactional update policy failed, or the table is gone).
        String code = e instanceof IngestionFailure f ? f.errorCode() : "General_RetryAttemptsExceeded";
        boolean permanent = !(e instanceof IngestionFailure f) || f.permanent();
        List<BlobOutcome> failed = new ArrayList<>();
        for (BlobOutcome o : outcomes) {
          failed.add(o.status() == Status.Succeeded || o.status() == Status.PartiallySucceeded
              ? new BlobOutcome(o.held(), Status.Failed, code, e.getMessage(), permanent) : o);
        }
        outcomes = failed;
      }
    }
    for (BlobOutcome o : outcomes) {
      finish(o);
    }
  }

  private static BlobOutcome skipped(Held h, String tag) {
    return new BlobOutcome(h, Status.Skipped, "Skipped_IngestByTagAlreadyExists", "Skipped: an extent of table '"
        + h.message().table() + "' already has the tag 'ingest-by:" + tag + "' named by ingestIfNotExists", true);
  }

  private static Optional<String> alreadyIngestedBy(Database db, IngestionMessage m) {
    Optional<Table> t = db.findTable(m.table());
    if (t.isEmpty()) {
      return Optional.empty();
    }
    return m.ingestIfNotExists().stream().filter(tag -> t.get().hasExtentTagged("ingest-by:" + tag)).findFirst();
  }

  private static ParsedData dropSecondHalf(ParsedData p) {
    int keep = (p.goodRecords() + 1) / 2;
    long[] digests = java.util.Arrays.copyOf(p.digests(), keep);
    List<Object[]> rows = p.rows().isEmpty() ? p.rows() : p.rows().subList(0, keep);
    return new ParsedData(rows, digests, p.badRecords() + p.goodRecords() - keep,
        p.firstError() == null ? "dropped (injected fault)" : p.firstError(), p.rawBytes());
  }

  private void finish(BlobOutcome o) {
    IngestionMessage m = o.held().message();
    try {
      report(o);
    } catch (RuntimeException e) {
      LOG.warn("Could not report the outcome {} of blob {}", o.status(), sourcePath(m), e);
    }
    try {
      // The SDK asks to retain blobs; an in-memory Azurite would grow without bound, so they go.
      storage.blob(m.blobPath()).deleteIfExists();
    } catch (RuntimeException e) {
      LOG.debug("Could not delete blob {}: {}", sourcePath(m), e.getMessage());
    }
    try {
      storage.queue(StorageBackend.READY_QUEUE).deleteMessage(o.held().messageId(), o.held().popReceipt()[0]);
    } catch (RuntimeException e) {
      LOG.debug("Could not delete ingestion message {}: {}", o.held().messageId(), e.getMessage());
    }
    synchronized (this) {
      held.remove(o.held().messageId());
    }
  }

  private void report(BlobOutcome o) {
    IngestionMessage m = o.held().message();
    boolean success = o.status() == Status.Succeeded;
    if (m.reportLevel() == IngestionMessage.ReportLevel.NONE
        || success && m.reportLevel() != IngestionMessage.ReportLevel.FAILURES_AND_SUCCESSES) {
      return;
    }
    UUID operationId = UUID.randomUUID();
    UUID activityId = UUID.randomUUID();
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    boolean toTable = m.reportMethod() != IngestionMessage.ReportMethod.QUEUE && m.statusEntity() != null;
    boolean toQueue = m.reportMethod() != IngestionMessage.ReportMethod.TABLE;
    if (toTable) {
      IngestionMessage.StatusEntity se = m.statusEntity();
      TableEntity e = new TableEntity(se.partitionKey(), se.rowKey())
          .addProperty("Status", o.status().name())
          .addProperty("UpdatedOn", now)
          .addProperty("OperationId", operationId)
          .addProperty("ActivityId", activityId)
          .addProperty("OriginatesFromUpdatePolicy", false)
          .addProperty("Details", o.details() == null ? "" : o.details());
      if (!success) {
        e.addProperty("FailureStatus", o.permanent() ? "Permanent" : "Transient");
      }
      if (o.errorCode() != null) {
        e.addProperty("ErrorCode", o.errorCode());
      }
      storage.table(se.tableName()).upsertEntity(e); // merges, and creates the entity if the client did not
    }
    if (toQueue) {
      Map<String, Object> n = new LinkedHashMap<>();
      n.put("OperationId", operationId.toString());
      n.put("Database", m.database());
      n.put("Table", m.table());
      n.put(success ? "SucceededOn" : "FailedOn", KustoValues.formatDateTime(now.toInstant()));
      n.put("IngestionSourceId", m.id());
      n.put("IngestionSourcePath", sourcePath(m));
      n.put("RootActivityId", activityId.toString());
      if (!success) {
        n.put("Details", o.details());
        n.put("ErrorCode", o.errorCode());
        n.put("FailureStatus", o.permanent() ? "Permanent" : "Transient");
        n.put("Status", o.status().name());
        n.put("OriginatesFromUpdatePolicy", false);
        n.put("ShouldRetry", !o.permanent());
      }
      storage.base64Queue(success ? StorageBackend.SUCCESS_QUEUE : StorageBackend.FAILED_QUEUE)
          .sendMessage(KustoValues.toJsonText(n));
    }
  }

  private static String sourcePath(IngestionMessage m) {
    int q = m.blobPath().indexOf('?');
    return q < 0 ? m.blobPath() : m.blobPath().substring(0, q);
  }

  @Override
  public void close() {
    closed = true;
    loop.shutdown();
    try {
      // Let a tick in flight finish its storage calls rather than interrupting them half-way.
      if (!loop.awaitTermination(10, TimeUnit.SECONDS)) {
        loop.shutdownNow();
      }
    } catch (InterruptedException e) {
      loop.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
