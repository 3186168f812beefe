package org.defenderadx.migration.worker.adx;

import com.microsoft.azure.kusto.ingest.IngestClient;
import com.microsoft.azure.kusto.ingest.IngestionMapping;
import com.microsoft.azure.kusto.ingest.IngestionProperties;
import com.microsoft.azure.kusto.ingest.result.IngestionResult;
import com.microsoft.azure.kusto.ingest.result.IngestionStatus;
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
import java.util.UUID;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.ops.EngineObserver;

/**
 * Sends one window's blob to ADX through queued ingestion and reads back what became of it. One window is one blob
 * carrying the window's identity as an {@code ingest-by:} tag with {@code ingestIfNotExists}, so ADX ingests a
 * window at most once however often it is sent; the status table (report level FailuresAndSuccesses) says when it
 * landed. The SDK blocks, so everything runs on the named SDK worker pool.
 */
public final class WindowIngestion {

  /** The mapping every raw table has (kql/setup.kql): the whole JSON object into {@code Records}. */
  public static final String MAPPING = "DynamicJsonMap";

  private final IngestClient client;
  private final String database;
  private final WorkerExecutor sdkPool;
  private volatile EngineObserver observer = EngineObserver.NONE;

  public WindowIngestion(IngestClient client, String database, WorkerExecutor sdkPool) {
    this.client = client;
    this.database = database;
    this.sdkPool = sdkPool;
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

  public Future<Status> status(Ticket ticket) {
    return sdkPool.executeBlocking(() -> {
      List<IngestionStatus> statuses = ticket.result().getIngestionStatusCollection();
      if (statuses.isEmpty()) {
        return new Status(State.PENDING, "no status yet");
      }
      IngestionStatus s = statuses.get(0);
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
    }, false);
  }

  /**
   * The id the status table knows one send by: derived from the window, the run and the attempt, so that it is new
   * for every send (the status table refuses a second entry under an id, which a restarted node re-sending a window
   * would otherwise hit) and can still be found again from the audit log, which records run ids.
   */
  public static UUID sourceId(String windowIdText, String runId, int attempt) {
    return UUID.nameUUIDFromBytes((windowIdText + "#" + runId + "#" + attempt).getBytes(StandardCharsets.UTF_8));
  }
}
