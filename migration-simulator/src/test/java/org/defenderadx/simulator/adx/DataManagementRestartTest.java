package org.defenderadx.simulator.adx;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.azure.kusto.data.Client;
import com.microsoft.azure.kusto.ingest.IngestClientFactory;
import com.microsoft.azure.kusto.ingest.IngestionMapping;
import com.microsoft.azure.kusto.ingest.IngestionProperties;
import com.microsoft.azure.kusto.ingest.QueuedIngestClient;
import com.microsoft.azure.kusto.ingest.result.IngestionResult;
import com.microsoft.azure.kusto.ingest.source.StreamSourceInfo;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.defenderadx.simulator.adx.azurite.AzuriteProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A stand-in that stops before ingesting a queued blob leaves it to the next one, as the real service would. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DataManagementRestartTest {
  private static AzuriteProcess azurite;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    azurite = AzuriteProcess.start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    azurite.stop();
  }

  private static AdxStandInOptions options(Path dir) {
    return new AdxStandInOptions().azurite(azurite.endpoints()).dataDirectory(dir)
        .clock(new ScaledClock(Instant.parse("2026-01-01T00:00:00Z"), 1.0))
        .pollInterval(Duration.ofMillis(25)).queueVisibilityTimeout(Duration.ofSeconds(2));
  }

  @Test
  void blobReceivedByAStoppedStandInIsIngestedByTheNextOneWithItsTables(@TempDir Path dir) throws Exception {
    // GIVEN a stand-in whose data management holds a received blob (slow service)
    AdxStandIn first = AdxStandIn.start(vertx, options(dir)).await();
    Client client = KustoClients.client(first);
    client.executeMgmt("db", ".create table Raw (Records:dynamic)");
    client.executeMgmt("db", ".create-or-alter table Raw ingestion json mapping 'DynamicJsonMap' "
        + "'[{\"column\":\"Records\",\"Properties\":{\"Path\":\"$\"}}]'");
    first.faults().delayDataManagement(Duration.ofHours(1));
    QueuedIngestClient queued = IngestClientFactory.createClient(KustoClients.connection(first));
    IngestionProperties p = new IngestionProperties("db", "Raw");
    p.setDataFormat(IngestionProperties.DataFormat.MULTIJSON);
    p.setIngestionMapping("DynamicJsonMap", IngestionMapping.IngestionMappingKind.JSON);
    p.setReportLevel(IngestionProperties.IngestionReportLevel.FAILURES_AND_SUCCESSES);
    p.setReportMethod(IngestionProperties.IngestionReportMethod.TABLE);
    p.setIngestByTags(java.util.List.of("w-1"));
    IngestionResult r = queued.ingestFromStream(new StreamSourceInfo(new ByteArrayInputStream(
        "{\"a\":1}\n{\"a\":2}\n".getBytes(StandardCharsets.UTF_8))), p);
    awaitTrue(() -> first.dataManagement().pendingBlobs() == 1);

    // WHEN it stops, and a new one starts on the same data directory and Azurite
    first.stop().await();
    AdxStandIn second = AdxStandIn.start(vertx, options(dir)).await();
    try {
      // THEN the message reappears once its visibility lapses and the new stand-in ingests it
      awaitTrue(() -> second.database("db").findTable("Raw").map(t -> t.rowCount() == 2).orElse(false));
      awaitTrue(() -> {
        try {
          return r.getIngestionStatusCollection().get(0).getStatus().equals("Succeeded");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertThat(second.database("db").tableNamed("Raw").extents()).singleElement()
          .satisfies(e -> assertThat(e.tags()).containsExactly("ingest-by:w-1"));
    } finally {
      queued.close();
      second.stop().await();
    }
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.sleep(25);
    }
  }
}
