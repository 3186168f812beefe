package org.defenderadx.migration.worker.adx;

import com.microsoft.azure.kusto.ingest.IngestClient;
import com.microsoft.azure.kusto.ingest.IngestionMapping;
import com.microsoft.azure.kusto.ingest.IngestionProperties;
import com.microsoft.azure.kusto.ingest.result.IngestionResult;
import com.microsoft.azure.kusto.ingest.result.IngestionStatus;
import com.microsoft.azure.kusto.ingest.result.IngestionStatusResult;
import com.microsoft.azure.kusto.ingest.result.OperationStatus;
import com.microsoft.azure.kusto.ingest.source.CompressionType;
import com.microsoft.azure.kusto.ingest.source.StreamSourceInfo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.defender.Provenance;
import org.defenderadx.migration.worker.observe.EngineObserver;

/**
 * Sends one window's blob to ADX through queued ingestion and reads back what became of it. One window is one blob
 * carrying the window's identity as an {@code ingest-by:} tag with {@code ingestIfNotExists}, so ADX ingests a
 * window at most once however often it is sent; the status table (report level FailuresAndSuccesses) says when it
 * landed. The SDK blocks, so everything runs on the named SDK worker pool.
 */
public final class WindowIngestion {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WindowIngestion.class);

  /** The mapping every raw table has (kql/setup.kql): the whole JSON object into {@code Records}. */
  public static final String MAPPING = "DynamicJsonMap";

  private final IngestClient client;
  private final String database;
  private final WorkerExecutor sdkPool;
  private final IngestionStatusTable statusTable;
  /** Null for queued ingestion; else streaming (or managed streaming) with provenance checks in ADX. */
  private final Streaming streaming;
  private volatile EngineObserver observer = EngineObserver.NONE;

  /**
   * Streaming settings: the client (streaming or managed streaming), the engine client provenance is counted with,
   * and the most uncompressed bytes per request.
   */
  private record Streaming(IngestClient client, AdxClient engine, int maxRequestBytes,
                           java.util.concurrent.ConcurrentMap<String, Long> landedHere) {
  }

  /** ADX takes at most 4 MB per streaming request; a little less leaves room for the request's framing. */
  public static final int STREAMING_REQUEST_BYTES = 4_000_000;

  /** Without access to the status table by id: earlier sends are never found (every window is sent). */
  public WindowIngestion(IngestClient client, String database, WorkerExecutor sdkPool) {
    this(client, database, sdkPool, null);
  }

  /** With the status table read by id, so a window's earlier sends (another process's) are found. */
  public WindowIngestion(IngestClient client, String database, WorkerExecutor sdkPool,
                         IngestionStatusTable statusTable) {
    this(client, database, sdkPool, statusTable, null);
  }

  private WindowIngestion(IngestClient client, String database, WorkerExecutor sdkPool,
                          IngestionStatusTable statusTable, Streaming streaming) {
    this.client = client;
    this.database = database;
    this.sdkPool = sdkPool;
    this.statusTable = statusTable;
    this.streaming = streaming;
  }

  /**
   * Streaming ingestion ({@code adx.ingestionMode: streaming | managed-streaming}): a window's rows go in requests of
   * at most {@code maxRequestBytes} uncompressed bytes. Streaming carries no tags, so before a window is sent its rows
   * are counted in ADX by provenance ({@code Records.__WindowId}): all there, it is not sent again; some there (and
   * not known to this process as sent), it is reported {@code PartiallySucceeded} and so quarantined.
   *
   * @param client a {@code StreamingIngestClient} or {@code ManagedStreamingIngestClient}
   * @param engine the engine client the provenance counts run on
   */
  public static WindowIngestion streaming(IngestClient client, AdxClient engine, String database,
                                          WorkerExecutor sdkPool, int maxRequestBytes) {
    return new WindowIngestion(client, database, sdkPool, null,
        new Streaming(client, engine, maxRequestBytes, new java.util.concurrent.ConcurrentHashMap<>()));
  }

  /** Upper bound on the sends of one window looked up; far above any send-attempt setting. */
  static final int MAX_SEQUENCE = 256;

  /**
   * What earlier sends of a window the status table knows.
   *
   * @param nextSequence the first send number of the window not yet used (the next send's), or -1 when earlier
   *                     sends cannot be looked up (no status table): then send ids are made unique per run
   * @param latest       the newest earlier send, if any
   */
  public record Earlier(int nextSequence, Optional<Ticket> latest) {
    public static final Earlier UNKNOWN = new Earlier(-1, Optional.empty());
  }

  /**
   * Finds the earlier sends of a window, by the ids {@link #sourceId(String, int)} gives its sends 0, 1, 2, ...:
   * the newest one and the number the next send takes. {@link Earlier#UNKNOWN} without a status table.
   */
  public Future<Earlier> earlierSends(String table, String tag, String windowIdText) {
    if (statusTable == null) {
      return Future.succeededFuture(Earlier.UNKNOWN);
    }
    return probe(table, tag, windowIdText, 0, Optional.empty());
  }

  private Future<Earlier> probe(String table, String tag, String windowIdText, int sequence, Optional<Ticket> latest) {
    if (sequence >= MAX_SEQUENCE) {
      return Future.failedFuture(new IllegalStateException("window " + windowIdText + " of " + table + ": more than "
          + MAX_SEQUENCE + " earlier sends in the status table"));
    }
    UUID id = sourceId(windowIdText, sequence);
    return statusTable.find(id).compose(found -> found.isEmpty()
        ? Future.succeededFuture(new Earlier(sequence, latest))
        : probe(table, tag, windowIdText, sequence + 1, Optional.of(new Ticket(id, table, tag, found.get()))));
  }

  /**
   * The id of a window's send number {@code sequence}: with the status table, {@link #sourceId(String, int)} (found
   * again by a later process); without ({@code sequence} then counts within the run), unique per run.
   */
  public UUID sendId(String windowIdText, String runId, Earlier earlier, int sequence) {
    return earlier.nextSequence() < 0 ? sourceId(windowIdText, runId, sequence) : sourceId(windowIdText, sequence);
  }

  /** True for queued ingestion: each send's rows land in extents carrying its {@code ingest-by:} tag. */
  public boolean tagsExtents() {
    return streaming == null;
  }

  /** Reports each send and what ADX said of it to {@code observer} (ingestion latency). */
  public void observe(EngineObserver observer) {
    this.observer = observer;
  }

  /** What was sent, enough to ask about it again. */
  public record Ticket(UUID sourceId, String table, String tag, IngestionResult result) {
  }

  /** Where an ingestion stands. */
  public enum State { PENDING, SUCCEEDED, SKIPPED, FAILED, PARTIALLY_SUCCEEDED }

  public record Status(State state, String details) {
  }

  /**
   * @param tag          the window's short identity, used as {@code ingest-by:} tag and for {@code ingestIfNotExists}
   * @param sourceId     the id the status table will know this attempt by (deterministic per window and attempt)
   * @param creationTime the window's start, so retention and caching treat back-filled rows by their age
   */
  public Future<Ticket> send(String table, byte[] gzipBlob, String tag, UUID sourceId, Instant creationTime) {
    if (streaming != null) {
      // Repair replaces rows by dropping extents by tag, which streamed rows do not carry.
      return Future.failedFuture(new IllegalStateException(table + ": this send needs queued ingestion "
          + "(adx.ingestionMode: queued); with streaming, rows carry no extent tags to replace them by"));
    }
    return sdkPool.executeBlocking(() -> {
      IngestionProperties props = new IngestionProperties(database, table);
      props.setDataFormat(IngestionProperties.DataFormat.MULTIJSON);
      props.setIngestionMapping(MAPPING, IngestionMapping.IngestionMappingKind.JSON);
      props.setReportLevel(IngestionProperties.IngestionReportLevel.FAILURES_AND_SUCCESSES);
      props.setReportMethod(IngestionProperties.IngestionReportMethod.TABLE);
      // The SDK adds to these collections itself, so they must be mutable.
      props.setIngestByTags(new ArrayList<>(List.of(tag)));
      props.setIngestIfNotExists(new ArrayList<>(List.of(tag)));
      props.setAdditionalProperties(new HashMap<>(Map.of("creationTime", KustoTime.format(creationTime))));
      StreamSourceInfo source = new StreamSourceInfo(new ByteArrayInputStream(gzipBlob), false, sourceId,
          CompressionType.gz);
      IngestionResult result = client.ingestFromStream(source, props);
      observer.ingestionSent(sourceId, table);
      return new Ticket(sourceId, table, tag, result);
    }, false);
  }

  /**
   * As {@link #send(String, byte[], String, UUID, Instant)}, naming the unit ({@code __WindowId} of its rows) and its
   * row count, which streaming ingestion needs to check ADX for an earlier send before it sends.
   */
  public Future<Ticket> send(String table, byte[] gzipBlob, String tag, UUID sourceId, Instant creationTime,
                             String unitId, long rows) {
    if (streaming == null) {
      return send(table, gzipBlob, tag, sourceId, creationTime);
    }
    return landed(table, unitId).compose(inAdx -> {
      long sentHere = streaming.landedHere().getOrDefault(unitId, 0L);
      if (inAdx >= rows) {
        streaming.landedHere().remove(unitId);
        LOG.info("{}: all {} rows of {} are already in ADX (found by provenance); not streamed again", table, rows,
            unitId);
        return Future.succeededFuture(fixed(sourceId, table, tag, OperationStatus.Skipped,
            "all " + rows + " rows of " + unitId + " are already in " + table + " (found by provenance)"));
      }
      if (inAdx != sentHere) {
        streaming.landedHere().remove(unitId);
        return Future.succeededFuture(fixed(sourceId, table, tag, OperationStatus.PartiallySucceeded,
            inAdx + " of " + rows + " rows of " + unitId + " are already in " + table + " from an earlier send; "
                + "streamed rows carry no tags, so they cannot be dropped by extent tag, and deleting records needs "
                + "Table Admin, which the runtime principal does not have"));
      }
      return sdkPool.executeBlocking(() -> streamChunks(table, gzipBlob, tag, sourceId, unitId, sentHere), false)
          .onSuccess(ticket -> observer.ingestionSent(ticket.sourceId(), table));
    });
  }

  /** Rows of the unit in the table, by provenance. */
  private Future<Long> landed(String table, String unitId) {
    return streaming.engine().query(table + " | where tostring(Records." + Provenance.UNIT_ID + ") == "
            + KqlLiterals.string(unitId) + " | count")
        .map(rows -> rows.isEmpty() ? 0L : ((Number) rows.get(0).values().iterator().next()).longValue());
  }

  /**
   * Streams the pieces of the blob in order, skipping those this process already streamed ({@code alreadyRows}
   * rows: pieces are the same for the same blob). A piece's failure fails the send; the retry resumes after the
   * pieces that landed.
   */
  private Ticket streamChunks(String table, byte[] gzipBlob, String tag, UUID sourceId, String unitId,
                              long alreadyRows) throws Exception {
    List<StreamingChunks.Chunk> chunks = StreamingChunks.split(gzipBlob, streaming.maxRequestBytes());
    List<IngestionResult> results = new ArrayList<>();
    long skipped = 0;
    int n = 0;
    for (StreamingChunks.Chunk chunk : chunks) {
      n++;
      if (skipped + chunk.records() <= alreadyRows) {
        skipped += chunk.records();
        continue;
      }
      IngestionProperties props = new IngestionProperties(database, table);
      props.setDataFormat(IngestionProperties.DataFormat.MULTIJSON);
      props.setIngestionMapping(MAPPING, IngestionMapping.IngestionMappingKind.JSON);
      // Heeded only if managed streaming falls back to queued ingestion: then the piece is tracked in the status
      // table and is ingested at most once under its own tag.
      props.setReportLevel(IngestionProperties.IngestionReportLevel.FAILURES_AND_SUCCESSES);
      props.setReportMethod(IngestionProperties.IngestionReportMethod.TABLE);
      props.setIngestByTags(new ArrayList<>(List.of(tag + "-" + n)));
      props.setIngestIfNotExists(new ArrayList<>(List.of(tag + "-" + n)));
      UUID pieceId = UUID.nameUUIDFromBytes((sourceId + "#" + n).getBytes(StandardCharsets.UTF_8));
      StreamSourceInfo source = new StreamSourceInfo(new ByteArrayInputStream(chunk.gzip()), false, pieceId,
          CompressionType.gz);
      results.add(streaming.client().ingestFromStream(source, props));
      streaming.landedHere().merge(unitId, chunk.records(), Long::sum);
    }
    streaming.landedHere().remove(unitId);
    return new Ticket(sourceId, table, tag, new Results(results));
  }

  private static Ticket fixed(UUID sourceId, String table, String tag, OperationStatus state, String details) {
    IngestionStatus s = new IngestionStatus();
    s.setStatus(state);
    s.setDetails(details);
    s.setIngestionSourceId(sourceId);
    s.setTable(table);
    return new Ticket(sourceId, table, tag, new IngestionStatusResult(s));
  }

  /** The results of a window's pieces, read as one. */
  private record Results(List<IngestionResult> parts) implements IngestionResult {
    @Override
    public List<IngestionStatus> getIngestionStatusCollection() throws java.net.URISyntaxException {
      List<IngestionStatus> all = new ArrayList<>();
      for (IngestionResult r : parts) {
        all.addAll(r.getIngestionStatusCollection());
      }
      return all;
    }

    @Override
    public reactor.core.publisher.Mono<List<IngestionStatus>> getIngestionStatusCollectionAsync() {
      return reactor.core.publisher.Mono.fromCallable(this::getIngestionStatusCollection);
    }
  }

  /**
   * Polls the status of a send every {@code pollInterval} (of {@code time}'s clock) until it is no longer pending or
   * {@code deadline} has passed, and returns the last status read.
   */
  public Future<Status> awaitFinal(Vertx vertx, TimeSource time, Ticket ticket, Duration pollInterval,
                                   Instant deadline) {
    return status(ticket).compose(status -> {
      if (status.state() != State.PENDING) {
        observer.ingestionSettled(ticket.sourceId(), ticket.table(), status.state().name());
      }
      if (status.state() != State.PENDING || time.now().isAfter(deadline)) {
        return Future.succeededFuture(status);
      }
      Promise<Status> later = Promise.promise();
      vertx.setTimer(time.realDelayMillis(pollInterval),
          id -> awaitFinal(vertx, time, ticket, pollInterval, deadline).onComplete(later));
      return later.future();
    });
  }

  /** Where a send stands; a send of several pieces (streaming) stands where its least advanced piece does. */
  public Future<Status> status(Ticket ticket) {
    return sdkPool.executeBlocking(() -> {
      List<IngestionStatus> statuses = ticket.result().getIngestionStatusCollection();
      if (statuses.isEmpty()) {
        return new Status(State.PENDING, "no status yet");
      }
      Status worst = null;
      for (IngestionStatus s : statuses) {
        Status one = status(s);
        if (worst == null || rank(one.state()) > rank(worst.state())) {
          worst = one;
        }
      }
      return worst;
    }, false);
  }

  private static Status status(IngestionStatus s) {
    State state = switch (s.getStatus()) {
      case "Succeeded" -> State.SUCCEEDED;
      case "Skipped" -> State.SKIPPED;
      case "Failed" -> State.FAILED;
      case "PartiallySucceeded" -> State.PARTIALLY_SUCCEEDED;
      default -> State.PENDING;
    };
    String details = s.getDetails() == null ? "" : s.getDetails();
    if (s.getErrorCode() != null && !s.getErrorCode().isBlank()) {
      details = s.getErrorCode() + (details.isEmpty() ? "" : ": " + details);
    }
    return new Status(state, details);
  }

  /** Which state of a piece decides the whole: a partial piece over a failed one over a pending one. */
  private static int rank(State state) {
    return switch (state) {
      case SKIPPED -> 0;
      case SUCCEEDED -> 1;
      case PENDING -> 2;
      case FAILED -> 3;
      case PARTIALLY_SUCCEEDED -> 4;
    };
  }

  /**
   * The id the status table knows one send by, derived from the window, the run and the attempt, so that it is new
   * for every send (the status table refuses a second entry under an id). For sends no later process looks up
   * (snapshot buckets, repair, or no status table); incremental windows use {@link #sourceId(String, int)}.
   */
  public static UUID sourceId(String windowIdText, String runId, int attempt) {
    return UUID.nameUUIDFromBytes((windowIdText + "#" + runId + "#" + attempt).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The id of a window's send number {@code sequence}, the same in every run and on every node, so that a restarted
   * node finds what an earlier process sent (sequence 0, 1, ... until the status table has no entity) and a new
   * send takes the next number (the status table refuses a second entity under an id).
   */
  public static UUID sourceId(String windowIdText, int sequence) {
    return UUID.nameUUIDFromBytes((windowIdText + "#send#" + sequence).getBytes(StandardCharsets.UTF_8));
  }
}
