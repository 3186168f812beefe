package org.defenderadx.simulator.adx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.microsoft.azure.kusto.data.Client;
import com.microsoft.azure.kusto.data.exceptions.DataServiceException;
import com.microsoft.azure.kusto.ingest.IngestClientFactory;
import com.microsoft.azure.kusto.ingest.IngestionMapping;
import com.microsoft.azure.kusto.ingest.IngestionProperties;
import com.microsoft.azure.kusto.ingest.StreamingIngestClient;
import com.microsoft.azure.kusto.ingest.exceptions.IngestionServiceException;
import com.microsoft.azure.kusto.ingest.result.IngestionResult;
import com.microsoft.azure.kusto.ingest.source.StreamSourceInfo;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Streaming ingestion through the real StreamingIngestClient (which gzips the body). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamingIngestionTest {
  private static Vertx vertx;
  private AdxStandIn adx;
  private StreamingIngestClient streaming;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    vertx.close().await();
  }

  @BeforeEach
  void start() throws Exception {
    adx = AdxStandIn.start(vertx, new AdxStandInOptions().streamingMaxBytes(64 * 1024)).await();
    Client client = KustoClients.client(adx);
    client.executeMgmt("db", ".create table Raw (Records:dynamic)");
    client.executeMgmt("db", ".create-or-alter table Raw ingestion json mapping 'DynamicJsonMap' "
        + "'[{\"column\":\"Records\",\"Properties\":{\"Path\":\"$\"}}]'");
    client.executeMgmt("db", ".create table Typed (Id:long, Name:string, When:datetime)");
    client.executeMgmt("db", ".create-or-alter table Typed ingestion json mapping 'ByPath' "
        + "'[{\"column\":\"Id\",\"path\":\"$.id\"},{\"column\":\"Name\",\"Properties\":{\"Path\":\"$.who.name\"}},"
        + "{\"column\":\"When\",\"Properties\":{\"Path\":\"$.ts\"}}]'");
    streaming = IngestClientFactory.createStreamingIngestClient(KustoClients.connection(adx));
  }

  @AfterEach
  void stop() throws Exception {
    streaming.close();
    adx.stop().await();
  }

  private static IngestionProperties props(String table, String mapping) {
    IngestionProperties p = new IngestionProperties("db", table);
    p.setDataFormat(IngestionProperties.DataFormat.MULTIJSON);
    if (mapping != null) {
      p.setIngestionMapping(mapping, IngestionMapping.IngestionMappingKind.JSON);
    }
    return p;
  }

  private static StreamSourceInfo source(String text) {
    return new StreamSourceInfo(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void multiJsonWithTheDynamicMappingLandsWholeRecordsAsDynamic() throws Exception {
    IngestionResult r = streaming.ingestFromStream(source("[{\"a\":1},{\"b\":{\"c\":\"ü\"}}]\n{\"d\":null}"),
        props("Raw", "DynamicJsonMap"));
    assertThat(r.getIngestionStatusCollection().get(0).getStatus()).isEqualTo("Succeeded");
    assertThat(adx.database("db").tableNamed("Raw").rowsAsMaps()).extracting(m -> m.get("Records"))
        .containsExactly(Map.of("a", 1L), Map.of("b", Map.of("c", "ü")), java.util.Collections.singletonMap("d", null));
  }

  @Test
  void pathMappingsConvertValuesToTheColumnTypes() throws Exception {
    streaming.ingestFromStream(source("{\"id\":\"42\",\"who\":{\"name\":\"x\"},\"ts\":\"2025-03-04T05:06:07.1234567Z\"}"),
        props("Typed", "ByPath"));
    Map<String, Object> row = adx.database("db").tableNamed("Typed").rowsAsMaps().get(0);
    assertThat(row).containsEntry("Id", 42L).containsEntry("Name", "x");
    assertThat(row.get("When").toString()).isEqualTo("2025-03-04T05:06:07.123456700Z");
  }

  @Test
  void jsonWithoutAMappingIsRejectedPermanently() {
    assertThatThrownBy(() -> streaming.ingestFromStream(source("{\"a\":1}"), props("Raw", null)))
        .isInstanceOfSatisfying(IngestionServiceException.class, e -> {
          assertThat(permanent(e)).isTrue();
          assertThat(e.getCause()).hasMessageContaining("requires a pre-created ingestion mapping");
        });
  }

  @Test
  void unknownMappingReferenceIsRejectedPermanently() {
    assertThatThrownBy(() -> streaming.ingestFromStream(source("{\"a\":1}"), props("Raw", "NoSuchMap")))
        .isInstanceOfSatisfying(IngestionServiceException.class, e -> {
          assertThat(permanent(e)).isTrue();
          assertThat(e.getCause()).hasMessageContaining("NoSuchMap");
        });
  }

  @Test
  void requestsOverTheSizeLimitAreRejectedPermanently() {
    String big = "{\"pad\":\"" + "x".repeat(70 * 1024) + "\"}";
    assertThatThrownBy(() -> streaming.ingestFromStream(source(big), props("Raw", "DynamicJsonMap")))
        .isInstanceOfSatisfying(IngestionServiceException.class, e -> assertThat(permanent(e)).isTrue())
        .hasStackTraceContaining("exceeds the limit");
    assertThat(adx.database("db").tableNamed("Raw").rowCount()).isZero();
  }

  @Test
  void transientFaultIsNotPermanent() {
    adx.faults().transientError(AdxFaults.Endpoint.STREAMING_INGEST, 1);
    assertThatThrownBy(() -> streaming.ingestFromStream(source("{\"a\":1}"), props("Raw", "DynamicJsonMap")))
        .isInstanceOfSatisfying(IngestionServiceException.class, e -> assertThat(permanent(e)).isFalse());
  }

  @Test
  void withThePolicyRequiredOnlyTablesWithStreamingEnabledAcceptStreams() throws Exception {
    AdxStandIn strict = AdxStandIn.start(vertx, new AdxStandInOptions().requireStreamingIngestionPolicy(true)).await();
    try (StreamingIngestClient client = IngestClientFactory.createStreamingIngestClient(
        KustoClients.connection(strict))) {
      Client mgmt = KustoClients.client(strict);
      mgmt.executeMgmt("db", ".create table Raw (Records:dynamic)");
      mgmt.executeMgmt("db", ".create-or-alter table Raw ingestion json mapping 'DynamicJsonMap' "
          + "'[{\"column\":\"Records\",\"Properties\":{\"Path\":\"$\"}}]'");
      assertThatThrownBy(() -> client.ingestFromStream(source("{\"a\":1}"), props("Raw", "DynamicJsonMap")))
          .isInstanceOfSatisfying(IngestionServiceException.class, e -> assertThat(permanent(e)).isTrue())
          .hasStackTraceContaining("Streaming ingestion policy is not enabled");
      mgmt.executeMgmt("db", ".alter table Raw policy streamingingestion enable");
      client.ingestFromStream(source("{\"a\":1}"), props("Raw", "DynamicJsonMap"));
      assertThat(strict.database("db").tableNamed("Raw").rowCount()).isEqualTo(1);
    } finally {
      strict.stop().await();
    }
  }

  @Test
  void streamedRowsHaveNoExtentTags() throws Exception {
    streaming.ingestFromStream(source("{\"a\":1}"), props("Raw", "DynamicJsonMap"));
    assertThat(adx.database("db").tableNamed("Raw").extents()).singleElement()
        .satisfies(e -> assertThat(e.tags()).isEqualTo(List.of()));
  }

  /** The streaming client wraps the service's DataServiceException, which carries {@code @permanent}. */
  private static boolean permanent(IngestionServiceException e) {
    assertThat(e.getCause()).isInstanceOf(DataServiceException.class);
    return ((DataServiceException) e.getCause()).isPermanent();
  }
}
