package org.defenderadx.simulator.adx;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.QueueMessageEncoding;
import com.azure.storage.queue.models.QueueMessageItem;
import com.microsoft.azure.kusto.data.Client;
import com.microsoft.azure.kusto.ingest.IngestClientFactory;
import com.microsoft.azure.kusto.ingest.IngestionMapping;
import com.microsoft.azure.kusto.ingest.IngestionProperties;
import com.microsoft.azure.kusto.ingest.QueuedIngestClient;
import com.microsoft.azure.kusto.ingest.result.IngestionResult;
import com.microsoft.azure.kusto.ingest.result.IngestionStatus;
import com.microsoft.azure.kusto.ingest.source.StreamSourceInfo;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.defenderadx.simulator.adx.azurite.AzuriteProcess;
import org.defenderadx.simulator.adx.dm.StorageBackend;
import org.defenderadx.simulator.adx.store.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Queued ingestion end to end: the real QueuedIngestClient, Azurite, and the stand-in's data-management loop. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class QueuedIngestionTest {
  private static final String DB = "db";
  private static AzuriteProcess azurite;
  private static Vertx vertx;
  private ScaledClock clock;
  private AdxStandIn adx;
  private Client client;
  private QueuedIngestClient queued;

  @BeforeAll
  static void startAzurite() {
    azurite = AzuriteProcess.start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopAzurite() {
    vertx.close().await();
    azurite.stop();
  }

  @BeforeEach
  void start() throws Exception {
    clearQueues();
    clock = new ScaledClock(Instant.parse("2026-01-01T00:00:00Z"), 1.0);
    adx = AdxStandIn.start(vertx, new AdxStandInOptions().azurite(azurite.endpoints()).clock(clock)
        .pollInterval(Duration.ofMillis(25))).await();
    client = KustoClients.client(adx);
    client.executeMgmt(DB, ".create-merge table Raw (Records:dynamic)");
    client.executeMgmt(DB, ".create-or-alter table Raw ingestion json mapping 'DynamicJsonMap' "
        + "'[{\"column\":\"Records\",\"Properties\":{\"Path\":\"$\"}}]'");
    queued = IngestClientFactory.createClient(KustoClients.connection(adx));
  }

  @AfterEach
  void stop() throws Exception {
    queued.close();
    adx.stop().await();
  }

  private static void clearQueues() {
    for (String q : List.of(StorageBackend.READY_QUEUE, StorageBackend.FAILED_QUEUE, StorageBackend.SUCCESS_QUEUE)) {
      QueueClient c = new QueueClientBuilder().connectionString(azurite.connectionString()).queueName(q).buildClient();
      c.createIfNotExists();
      c.clearMessages();
    }
  }

  private static IngestionProperties rawProperties() {
    IngestionProperties p = new IngestionProperties(DB, "Raw");
    p.setDataFormat(IngestionProperties.DataFormat.MULTIJSON);
    p.setIngestionMapping("DynamicJsonMap", IngestionMapping.IngestionMappingKind.JSON);
    p.setReportLevel(IngestionProperties.IngestionReportLevel.FAILURES_AND_SUCCESSES);
    p.setReportMethod(IngestionProperties.IngestionReportMethod.TABLE);
    return p;
  }

  private IngestionResult ingest(String ndjson, IngestionProperties p) throws Exception {
    return queued.ingestFromStream(new StreamSourceInfo(
        new ByteArrayInputStream(ndjson.getBytes(StandardCharsets.UTF_8))), p);
  }

  private static String status(IngestionResult r) throws Exception {
    return r.getIngestionStatusCollection().get(0).getStatus();
  }

  private static IngestionStatus awaitFinalStatus(IngestionResult r) throws Exception {
    awaitTrue(() -> {
      try {
        return !status(r).equals("Pending");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    return r.getIngestionStatusCollection().get(0);
  }

  /** Polls a condition the stand-in's background loop will make true; fails after 20 s. */
  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 20 s");
      }
      Thread.sleep(20);
    }
  }

  private Table raw() {
    return adx.database(DB).tableNamed("Raw");
  }

  @Test
  void ingestionResourcesPointAtAzuriteWithSasAndBothSpellingsWork() throws Exception {
    List<String> types = KustoClients.column(client.executeMgmt(".get ingestion resources"), "ResourceTypeName");
    assertThat(types).containsExactlyInAnyOrder("SecuredReadyForAggregationQueue", "FailedIngestionsQueue",
        "SuccessfulIngestionsQueue", "TempStorage", "IngestionsStatusTable");
    assertThat(KustoClients.column(client.executeMgmt(".show ingestion resources"), "StorageRoot"))
        .allSatisfy(url -> assertThat(url).startsWith("http://127.0.0.1:").contains("/devstoreaccount1/")
            .contains("?").contains("sig="));
    assertThat(KustoClients.column(client.executeMgmt(".get kusto identity token"), "AuthorizationContext"))
        .singleElement().satisfies(token -> assertThat(token).isNotBlank());
    assertThat(adx.database(DB).name()).isEqualTo(DB);
  }

  @Test
  void queuedBlobWaitsForTheBatchingTimeThenSucceedsAndIsDeleted() throws Exception {
    // GIVEN
    IngestionResult r = ingest("{\"DeviceId\":\"d1\",\"n\":1}\n{\"DeviceId\":\"d2\",\"n\":2}\n"
        + "{\"DeviceId\":\"d3\",\"n\":3,\"nested\":{\"a\":[1,2]}}\n", rawProperties());
    assertThat(status(r)).isEqualTo("Pending");
    awaitTrue(() -> adx.dataManagement().pendingBlobs() == 1);

    // WHEN the default 5-minute batching time passes on the stand-in's clock
    assertThat(status(r)).isEqualTo("Pending");
    clock.advance(Duration.ofMinutes(5));

    // THEN
    IngestionStatus s = awaitFinalStatus(r);
    assertThat(s.getStatus()).isEqualTo("Succeeded");
    assertThat(s.getDatabase()).isEqualTo(DB);
    assertThat(s.operationId).isNotNull();
    List<Map<String, Object>> rows = raw().rowsAsMaps();
    assertThat(rows).hasSize(3);
    assertThat(rows.get(2).get("Records")).isEqualTo(Map.of("DeviceId", "d3", "n", 3L,
        "nested", Map.of("a", List.of(1L, 2L))));
    assertThat(raw().extents()).hasSize(1);
    assertThat(raw().extents().get(0).createdOn()).isAfterOrEqualTo(Instant.parse("2026-01-01T00:05:00Z"));
    BlobContainerClient container = new BlobServiceClientBuilder().connectionString(azurite.connectionString())
        .buildClient().getBlobContainerClient(StorageBackend.TEMP_CONTAINER);
    awaitTrue(() -> !container.listBlobs().iterator().hasNext());
  }

  @Test
  void ingestIfNotExistsSkipsASecondBlobWithTheSameIngestByTag() throws Exception {
    IngestionProperties p = rawProperties();
    p.setIngestByTags(List.of("batch-1"));
    p.setIngestIfNotExists(List.of("batch-1"));
    // Sealed at once (ingest-by tag): no clock advance needed.
    IngestionStatus first = awaitFinalStatus(ingest("{\"a\":1}\n{\"a\":2}\n", p));
    IngestionProperties again = rawProperties();
    again.setIngestByTags(List.of("batch-1"));
    again.setIngestIfNotExists(List.of("batch-1"));
    IngestionStatus second = awaitFinalStatus(ingest("{\"a\":1}\n{\"a\":2}\n", again));

    assertThat(first.getStatus()).isEqualTo("Succeeded");
    assertThat(second.getStatus()).isEqualTo("Skipped");
    assertThat(second.errorCodeString).isEqualTo("Skipped_IngestByTagAlreadyExists");
    assertThat(raw().rowCount()).isEqualTo(2);
    assertThat(raw().extents().get(0).tags()).contains("ingest-by:batch-1");
  }

  @Test
  void injectedFailureIsReportedInTheStatusTableAndTheFailureQueue() throws Exception {
    adx.faults().failIngestion("Raw", "disk full on the data node", 1);
    IngestionProperties p = rawProperties();
    p.setReportMethod(IngestionProperties.IngestionReportMethod.QUEUE_AND_TABLE);
    p.setFlushImmediately(true);

    IngestionStatus s = awaitFinalStatus(ingest("{\"a\":1}\n", p));

    assertThat(s.getStatus()).isEqualTo("Failed");
    assertThat(s.details).contains("disk full on the data node");
    assertThat(raw().rowCount()).isZero();
    List<String> failures = readAll(StorageBackend.FAILED_QUEUE);
    assertThat(failures).hasSize(1);
    assertThat(failures.get(0)).contains("\"Table\":\"Raw\"").contains("disk full on the data node")
        .contains("\"IngestionSourceId\"");
  }

  @Test
  void transientInjectedFailureSaysSoAndARetryOfTheSameWindowSucceeds() throws Exception {
    adx.faults().failIngestion("Raw", "node restarting", 1, false);
    IngestionProperties p = rawProperties();
    p.setIngestByTags(List.of("w-7"));
    p.setIngestIfNotExists(List.of("w-7"));
    IngestionStatus failed = awaitFinalStatus(ingest("{\"a\":1}\n", p));
    assertThat(failed.getStatus()).isEqualTo("Failed");
    assertThat(failed.failureStatus).hasToString("Transient");

    IngestionProperties retry = rawProperties();
    retry.setIngestByTags(List.of("w-7"));
    retry.setIngestIfNotExists(List.of("w-7"));
    assertThat(awaitFinalStatus(ingest("{\"a\":1}\n", retry)).getStatus()).isEqualTo("Succeeded");
    assertThat(raw().rowCount()).isEqualTo(1);
  }

  @Test
  void malformedRecordsMakeAPartialSuccess() throws Exception {
    IngestionProperties p = rawProperties();
    p.setFlushImmediately(true);
    IngestionStatus s = awaitFinalStatus(ingest("{\"a\":1}\n{\"a\": broken\n{\"a\":3}\n", p));
    assertThat(s.getStatus()).isEqualTo("PartiallySucceeded");
    assertThat(s.details).contains("1 of 3 records");
    assertThat(raw().rowsAsMaps()).extracting(m -> m.get("Records")).containsExactly(Map.of("a", 1L), Map.of("a", 3L));
  }

  @Test
  void injectedPartialSuccessKeepsTheFirstHalf() throws Exception {
    adx.faults().partiallySucceed("Raw", 1);
    IngestionProperties p = rawProperties();
    p.setFlushImmediately(true);
    IngestionStatus s = awaitFinalStatus(ingest("{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":4}\n", p));
    assertThat(s.getStatus()).isEqualTo("PartiallySucceeded");
    assertThat(raw().rowCount()).isEqualTo(2);
  }

  @Test
  void slowDataManagementKeepsStatusPendingUntilItsDelayPassesOnTheClock() throws Exception {
    adx.faults().delayDataManagement(Duration.ofMinutes(10));
    IngestionProperties p = rawProperties();
    p.setFlushImmediately(true);
    IngestionResult r = ingest("{\"a\":1}\n", p);
    awaitTrue(() -> adx.dataManagement().pendingBlobs() == 1);
    clock.advance(Duration.ofMinutes(9));
    assertThat(status(r)).isEqualTo("Pending");
    assertThat(raw().rowCount()).isZero();

    clock.advance(Duration.ofMinutes(1));

    assertThat(awaitFinalStatus(r).getStatus()).isEqualTo("Succeeded");
    assertThat(raw().rowCount()).isEqualTo(1);
  }

  @Test
  void itemCountOfTheBatchingPolicySealsABatchIntoOneExtent() throws Exception {
    client.executeMgmt(DB, ".alter table Raw policy ingestionbatching @'{\"MaximumNumberOfItems\":2}'");
    IngestionResult a = ingest("{\"a\":1}\n", rawProperties());
    IngestionResult b = ingest("{\"b\":2}\n", rawProperties());
    assertThat(awaitFinalStatus(a).getStatus()).isEqualTo("Succeeded");
    assertThat(awaitFinalStatus(b).getStatus()).isEqualTo("Succeeded");
    assertThat(raw().extents()).hasSize(1);
    assertThat(raw().rowCount()).isEqualTo(2);
  }

  @Test
  void failuresOnlyReportingLeavesSuccessPendingAndPostsNothing() throws Exception {
    IngestionProperties p = rawProperties();
    p.setReportLevel(IngestionProperties.IngestionReportLevel.FAILURES_ONLY);
    p.setReportMethod(IngestionProperties.IngestionReportMethod.QUEUE_AND_TABLE);
    p.setFlushImmediately(true);
    IngestionResult r = ingest("{\"a\":1}\n", p);
    awaitTrue(() -> raw().rowCount() == 1);
    awaitTrue(() -> adx.dataManagement().pendingBlobs() == 0);
    assertThat(status(r)).isEqualTo("Pending");
    assertThat(readAll(StorageBackend.SUCCESS_QUEUE)).isEmpty();
    assertThat(readAll(StorageBackend.FAILED_QUEUE)).isEmpty();
  }

  @Test
  void successQueueGetsANotificationWhenSuccessesAreReportedByQueue() throws Exception {
    IngestionProperties p = rawProperties();
    p.setReportMethod(IngestionProperties.IngestionReportMethod.QUEUE);
    p.setFlushImmediately(true);
    ingest("{\"a\":1}\n", p);
    awaitTrue(() -> !readAll(StorageBackend.SUCCESS_QUEUE).isEmpty());
    assertThat(readAll(StorageBackend.SUCCESS_QUEUE).get(0)).contains("\"Database\":\"db\"").contains("SucceededOn");
  }

  @Test
  void measuresTheEndToEndRateOfGzippedMultiJsonBlobs() throws Exception {
    // Measured and printed, not asserted on: SDK upload to Azurite, queue, download, gunzip, parse, append, status.
    String record = "{\"DeviceId\":\"%d\",\"DeviceName\":\"host-%d.contoso.local\",\"SoftwareName\":\"product_%d\","
        + "\"CveId\":\"CVE-2024-%d\",\"Timestamp\":\"2025-01-01T00:00:%02d.%07dZ\",\"Tags\":[\"t%d\"]}\n";
    int blobs = 6;
    int perBlob = 20_000;
    List<byte[]> gzipped = new ArrayList<>();
    long jsonBytes = 0;
    for (int b = 0; b < blobs; b++) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < perBlob; i++) {
        int n = b * perBlob + i;
        sb.append(String.format(java.util.Locale.ROOT, record, n, n % 5000, n % 1200, 10000 + n, n % 60, n, n % 11));
      }
      byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
      jsonBytes += json.length;
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
        gz.write(json);
      }
      gzipped.add(out.toByteArray());
    }
    long start = System.nanoTime();
    List<IngestionResult> results = new ArrayList<>();
    for (int b = 0; b < blobs; b++) {
      IngestionProperties p = rawProperties();
      p.setIngestByTags(List.of("rate-" + b));
      p.setIngestIfNotExists(List.of("rate-" + b));
      results.add(queued.ingestFromStream(new StreamSourceInfo(new ByteArrayInputStream(gzipped.get(b)), false,
          java.util.UUID.randomUUID(), com.microsoft.azure.kusto.ingest.source.CompressionType.gz), p));
    }
    double queuedAfter = (System.nanoTime() - start) / 1e9;
    awaitTrue(() -> raw().rowCount() == (long) blobs * perBlob);
    double seconds = (System.nanoTime() - start) / 1e9;
    for (IngestionResult r : results) {
      assertThat(awaitFinalStatus(r).getStatus()).isEqualTo("Succeeded");
    }
    System.out.printf(java.util.Locale.ROOT, "ADX stand-in queued ingestion end to end (cold JVM, SDK upload to "
        + "Azurite included): %d blobs, %.1f MB of JSON queued in %.2f s, all rows in the table after %.2f s = %.0f MB/s "
        + "of JSON%n", blobs, jsonBytes / 1e6, queuedAfter, seconds, jsonBytes / 1e6 / seconds);
    assertThat(raw().rowCount()).isEqualTo((long) blobs * perBlob);
  }

  private static List<String> readAll(String queue) {
    QueueClient c = new QueueClientBuilder().connectionString(azurite.connectionString()).queueName(queue)
        .messageEncoding(QueueMessageEncoding.BASE64).buildClient();
    List<String> out = new ArrayList<>();
    for (var item : c.peekMessages(32, null, null)) {
      out.add(item.getBody().toString());
    }
    return out;
  }

  @SuppressWarnings("unused")
  private static String body(QueueMessageItem item) {
    return item.getBody().toString();
  }
}
