package org.defenderadx.migration.worker.export;

import org.defenderadx.migration.worker.quota.InFlightBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import com.microsoft.azure.kusto.ingest.IngestClient;
import com.microsoft.azure.kusto.ingest.IngestClientFactory;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.AdxConnections;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.defenderadx.migration.worker.testing.AdxFixture;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.defenderadx.simulator.adx.AdxFaults;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Streaming ingestion: a window's rows go in several requests when they exceed one request's size, and a failed
 * request is followed by a re-send that checks ADX by provenance and sends only what is missing: no row twice.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class StreamingExportTest {

  private static final String TABLE = "DeviceLogonEvents";

  private StandIns env;
  private IngestClient streaming;

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
    streaming = IngestClientFactory.createStreamingIngestClient(
        AdxConnections.engine(AdxFixture.config(env.adx.url(), StandIns.DATABASE)));
  }

  @AfterEach
  void stop() throws Exception {
    streaming.close();
    env.close();
  }

  @Test
  void windowsSplitIntoRequestsAndAFailedRequestIsResentWithoutDuplicatingTheRequestsThatLanded() throws Exception {
    // GIVEN requests of at most 5,000 bytes (several per window), windows one at a time, and the stand-in failing
    // the third streaming request (the third piece of the first window) with a transient error
    env.configureIncremental(List.of(TABLE));
    env.adx.faults().failRequestsAfter(AdxFaults.Endpoint.STREAMING_INGEST, null, 2, AdxFaults.Kind.TRANSIENT, 1,
        "Service temporarily unavailable (injected fault)");
    WindowIngestion ingestion = WindowIngestion.streaming(streaming, env.adxClient, StandIns.DATABASE, env.sdkPool,
        5_000);
    TableExporter exporter = new TableExporter(env.vertx, env.fetcher(),
        StandIns.ingestion(env.vertx, ingestion, env.state, env.time), env.state,
        new WindowPlanner(new WindowGrid(Duration.ofDays(1))), env.time,
        new TableExporter.Options("test-node", 64, 1, 32), null, new InFlightBytes(Long.MAX_VALUE));
    MigrationConfigRow row = await(env.state.latest()).rows().get(0);
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    Instant start = env.time.now().minus(Duration.ofDays(4));
    Instant close = WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5))
        .closePoint(env.time.now(), Optional.empty(), Duration.ZERO);

    // WHEN the table is exported
    TableExporter.Result result = await(exporter.run(tenant, row, start, close, "run-1"));

    // THEN the failure was retried, nothing went through queued ingestion, and every row is there once
    assertThat(result.failure()).isEmpty();
    assertThat(result.caughtUp()).isTrue();
    List<Map<String, Object>> retried = await(env.adxClient.query(
        "MigrationAuditLog | where Status == 'Retried' | project FailureReason"));
    assertThat(retried).singleElement().satisfies(r ->
        assertThat(String.valueOf(r.get("FailureReason"))).contains("temporarily unavailable"));
    assertThat(env.adx.dataManagement().blobsReceived()).isZero();
    List<Map<String, Object>> extents = await(env.adxClient.mgmt(".show table " + TABLE + "Raw extents"));
    assertThat(extents.size()).as("streaming requests that landed").isGreaterThan(result.windowsCommitted());
    env.assertExact(TABLE, TABLE + "Raw", result.row().lastRefreshed().orElseThrow(), start);
  }
}
