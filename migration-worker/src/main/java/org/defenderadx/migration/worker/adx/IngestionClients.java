package org.defenderadx.migration.worker.adx;

import com.microsoft.azure.kusto.data.ClientFactory;
import com.microsoft.azure.kusto.ingest.IngestClient;
import com.microsoft.azure.kusto.ingest.IngestClientFactory;
import io.vertx.core.WorkerExecutor;
import org.defenderadx.migration.common.config.AdxConfig;

/**
 * The SDK ingest client of the configured {@code adx.ingestionMode} and the {@link WindowIngestion} over it: queued
 * (with the status table read by id for start-up recovery), streaming, or managed streaming (both with provenance
 * checks in ADX). One per process; {@link #client()} is to be closed when the node stops.
 */
public record IngestionClients(IngestClient client, WindowIngestion ingestion) {

  /** @param engine the engine client (provenance counts in streaming modes) */
  public static IngestionClients create(AdxConfig adx, AdxClient engine, WorkerExecutor sdkPool) throws Exception {
    return switch (adx.ingestionMode()) {
      case QUEUED -> {
        IngestClient queued = IngestClientFactory.createClient(AdxConnections.ingestion(adx));
        IngestionStatusTable statusTable = new IngestionStatusTable(new AdxClient(
            ClientFactory.createClient(AdxConnections.ingestion(adx)), adx.database(), sdkPool), sdkPool);
        yield new IngestionClients(queued,
            new WindowIngestion(queued, adx.database(), sdkPool, statusTable));
      }
      case STREAMING -> {
        IngestClient streaming = IngestClientFactory.createStreamingIngestClient(AdxConnections.engine(adx));
        yield new IngestionClients(streaming, WindowIngestion.streaming(streaming, engine, adx.database(), sdkPool,
            WindowIngestion.STREAMING_REQUEST_BYTES));
      }
      case MANAGED_STREAMING -> {
        IngestClient managed = IngestClientFactory.createManagedStreamingIngestClient(AdxConnections.ingestion(adx),
            AdxConnections.engine(adx));
        yield new IngestionClients(managed, WindowIngestion.streaming(managed, engine, adx.database(), sdkPool,
            WindowIngestion.STREAMING_REQUEST_BYTES));
      }
    };
  }
}
