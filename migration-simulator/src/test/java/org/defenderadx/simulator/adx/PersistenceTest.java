package org.defenderadx.simulator.adx;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.azure.kusto.data.Client;
import com.microsoft.azure.kusto.ingest.IngestClientFactory;
import com.microsoft.azure.kusto.ingest.IngestionMapping;
import com.microsoft.azure.kusto.ingest.IngestionProperties;
import com.microsoft.azure.kusto.ingest.StreamingIngestClient;
import com.microsoft.azure.kusto.ingest.source.StreamSourceInfo;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.defenderadx.simulator.adx.store.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PersistenceTest {
  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    vertx.close().await();
  }

  @Test
  void restartedStandInKeepsTablesExtentsMappingsFunctionsAndPolicies(@TempDir Path dir) throws Exception {
    // GIVEN a stand-in that journals to a directory
    AdxStandIn first = AdxStandIn.start(vertx, new AdxStandInOptions().dataDirectory(dir)).await();
    Client client = KustoClients.client(first);
    client.executeMgmt("db", ".create-merge table T (Name:string, At:datetime, Bag:dynamic)");
    client.executeMgmt("db", ".create-merge table T (Name:string, Extra:long)");
    client.executeMgmt("db", ".create-or-alter table T ingestion json mapping 'M' '[{\"column\":\"Bag\",\"path\":\"$\"}]'");
    client.executeMgmt("db", ".ingest inline into table T with (tags='[\"ingest-by:w1\"]') <|\n"
        + "a,2025-01-01T00:00:00Z,\"{\"\"k\"\":[1,2]}\",7\n");
    client.executeMgmt("db", ".ingest inline into table T <|\nb,,,\n");
    client.executeMgmt("db", ".create-or-alter function with (view=true) V() { T | take 1 }");
    client.executeMgmt("db", ".create table Raw (Records:dynamic)");
    client.executeMgmt("db", ".create-or-alter table Raw ingestion json mapping 'DynamicJsonMap' "
        + "'[{\"column\":\"Records\",\"Properties\":{\"Path\":\"$\"}}]'");
    client.executeMgmt("db", ".ingest inline into table Raw with (format='multijson', "
        + "ingestionMappingReference='DynamicJsonMap') <|\n{\"x\":{\"y\":[1,\"ü\"]}}\n{\"z\":null}");
    client.executeMgmt("db", ".alter table T policy ingestionbatching @'{\"MaximumNumberOfItems\":3}'");
    client.executeMgmt("db", ".drop extents ('" + first.database("db").tableNamed("T").extents().get(1).id()
        + "') from T");
    first.stop().await();

    // WHEN a new stand-in starts on the same directory
    AdxStandIn second = AdxStandIn.start(vertx, new AdxStandInOptions().dataDirectory(dir)).await();
    try {
      // THEN
      Table t = second.database("db").tableNamed("T");
      assertThat(t.columns()).extracting(c -> c.name()).containsExactly("Name", "At", "Bag", "Extra");
      assertThat(t.extents()).hasSize(1);
      assertThat(t.extents().get(0).tags()).containsExactly("ingest-by:w1");
      Map<String, Object> row = t.rowsAsMaps().get(0);
      assertThat(row).containsEntry("Name", "a").containsEntry("Extra", 7L)
          .containsEntry("Bag", Map.of("k", java.util.List.of(1L, 2L)));
      assertThat(row.get("At").toString()).isEqualTo("2025-01-01T00:00:00Z");
      assertThat(t.mapping("json", "M")).isPresent();
      assertThat(t.policy("ingestionbatching")).hasValue("{\"MaximumNumberOfItems\":3}");
      assertThat(second.database("db").function("V")).isPresent();
      assertThat(second.database("db").tableNamed("Raw").rowsAsMaps()).extracting(m -> m.get("Records"))
          .containsExactly(Map.of("x", Map.of("y", java.util.List.of(1L, "ü"))),
              java.util.Collections.singletonMap("z", null));
      assertThat(Files.list(dir)).extracting(p -> p.getFileName().toString()).containsExactly("db.journal");
    } finally {
      second.stop().await();
    }
  }

  @Test
  void digestOnlyStorageKeepsCountsAndDigestsAcrossRestarts(@TempDir Path dir) throws Exception {
    AdxStandIn first = AdxStandIn.start(vertx, new AdxStandInOptions().dataDirectory(dir).digestOnly(true)).await();
    Client client = KustoClients.client(first);
    client.executeMgmt("db", ".create table Raw (Records:dynamic)");
    client.executeMgmt("db", ".create-or-alter table Raw ingestion json mapping 'DynamicJsonMap' "
        + "'[{\"column\":\"Records\",\"Properties\":{\"Path\":\"$\"}}]'");
    StreamingIngestClient streaming = IngestClientFactory.createStreamingIngestClient(KustoClients.connection(first));
    IngestionProperties p = new IngestionProperties("db", "Raw");
    p.setDataFormat(IngestionProperties.DataFormat.MULTIJSON);
    p.setIngestionMapping("DynamicJsonMap", IngestionMapping.IngestionMappingKind.JSON);
    String records = "{\"id\":1}\n{\"id\":2}\n{\"id\":1}\n";
    streaming.ingestFromStream(new StreamSourceInfo(new ByteArrayInputStream(records.getBytes(StandardCharsets.UTF_8))), p);
    streaming.close();
    Table before = first.database("db").tableNamed("Raw");
    assertThat(before.extents().get(0).rows()).isNull();
    long[] digests = before.digests();
    first.stop().await();

    AdxStandIn second = AdxStandIn.start(vertx, new AdxStandInOptions().dataDirectory(dir).digestOnly(true)).await();
    try {
      Table t = second.database("db").tableNamed("Raw");
      assertThat(t.rowCount()).isEqualTo(3);
      assertThat(t.digests()).containsExactly(digests);
      assertThat(Arrays.stream(t.digests()).distinct().count()).as("the repeated record has the same digest")
          .isEqualTo(2);
      assertThat(KustoClients.column(KustoClients.client(second).executeQuery("db", "Raw | count"), "Count"))
          .containsExactly("3");
    } finally {
      second.stop().await();
    }
  }
}
