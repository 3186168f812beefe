package org.defenderadx.simulator.adx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.microsoft.azure.kusto.data.Client;
import com.microsoft.azure.kusto.data.KustoOperationResult;
import com.microsoft.azure.kusto.data.KustoResultSetTable;
import com.microsoft.azure.kusto.data.exceptions.DataServiceException;
import com.microsoft.azure.kusto.data.exceptions.ThrottleException;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.defenderadx.simulator.adx.store.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ManagementCommandsTest {
  private static Vertx vertx;
  private AdxStandIn adx;
  private Client client;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    vertx.close().await();
  }

  @BeforeEach
  void start() {
    adx = AdxStandIn.start(vertx, new AdxStandInOptions()).await();
    client = KustoClients.client(adx);
  }

  @AfterEach
  void stop() {
    adx.stop().await();
  }

  @Test
  void createsTableAndShowsItsSchemaAsJson() throws Exception {
    // WHEN
    client.executeMgmt("db", ".create table Events (Timestamp:datetime, DeviceId:string, Raw:dynamic) "
        + "with (folder='Raw', docstring='raw events')");
    // THEN
    KustoOperationResult r = client.executeMgmt("db", ".show table Events schema as json");
    KustoResultSetTable t = r.getPrimaryResults();
    assertThat(t.next()).isTrue();
    assertThat(t.getString("TableName")).isEqualTo("Events");
    assertThat(t.getString("Folder")).isEqualTo("Raw");
    assertThat(t.getString("Schema")).contains("\"OrderedColumns\":[{\"Name\":\"Timestamp\",\"Type\":\"System.DateTime\","
        + "\"CslType\":\"datetime\"},{\"Name\":\"DeviceId\"");
    assertThat(KustoClients.column(client.executeMgmt("db", ".show tables"), "TableName")).containsExactly("Events");
  }

  @Test
  void createMergeAddsNewColumnsAtTheEndSoUpgradedAndFreshTablesDifferInOrder() throws Exception {
    // GIVEN a table created by an older script, upgraded by a newer one
    client.executeMgmt("old", ".create-merge table Config (Source:string, Watermark:datetime)");
    client.executeMgmt("old", ".create-merge table Config (Source:string, Active:bool, Watermark:datetime)");
    // AND the same newer script on a fresh database
    client.executeMgmt("fresh", ".create-merge table Config (Source:string, Active:bool, Watermark:datetime)");
    // THEN
    assertThat(adx.database("old").tableNamed("Config").columns()).extracting(c -> c.name())
        .containsExactly("Source", "Watermark", "Active");
    assertThat(adx.database("fresh").tableNamed("Config").columns()).extracting(c -> c.name())
        .containsExactly("Source", "Active", "Watermark");
  }

  @Test
  void createMergeRejectsChangingAColumnType() throws Exception {
    client.executeMgmt("db", ".create-merge table T (a:string)");
    assertThatThrownBy(() -> client.executeMgmt("db", ".create-merge table T (a:long)"))
        .isInstanceOf(DataServiceException.class).hasMessageContaining("cannot be changed");
  }

  @Test
  void unknownCommandIsAPermanentErrorNamingTheCommand() {
    assertThatThrownBy(() -> client.executeMgmt("db", ".frobnicate table T"))
        .isInstanceOfSatisfying(DataServiceException.class, e -> {
          assertThat(e.isPermanent()).isTrue();
          assertThat(e.getMessage()).contains(".frobnicate table T");
        });
  }

  @Test
  void ingestInlineStoresRowsInAnExtentWithItsTags() throws Exception {
    client.executeMgmt("db", ".create table T (Name:string, Count:long, When:datetime, Flag:bool)");
    client.executeMgmt("db", ".ingest inline into table T with (tags='[\"ingest-by:b1\",\"source:test\"]') <|\n"
        + "\"a\",1,2025-01-02T03:04:05.1234567Z,1\n\"b, c\",2,null,0\n");
    Table t = adx.database("db").tableNamed("T");
    assertThat(t.rowCount()).isEqualTo(2);
    assertThat(t.rowsAsMaps().get(1)).containsEntry("Name", "b, c").containsEntry("Count", 2L)
        .containsEntry("When", null).containsEntry("Flag", false);
    assertThat(t.rowsAsMaps().get(0).get("When").toString()).isEqualTo("2025-01-02T03:04:05.123456700Z");

    KustoResultSetTable extents = client.executeMgmt("db", ".show table T extents").getPrimaryResults();
    assertThat(extents.next()).isTrue();
    assertThat(extents.getLong("RowCount")).isEqualTo(2);
    assertThat(extents.getString("Tags")).isEqualTo("ingest-by:b1\r\nsource:test");
    KustoResultSetTable tagged = client.executeMgmt("db",
        ".show table T extents where tags has 'ingest-by:b1'").getPrimaryResults();
    assertThat(tagged.count()).isEqualTo(1);
  }

  @Test
  void ingestIfNotExistsSkipsCommandIngestionWhenTheTagIsPresent() throws Exception {
    client.executeMgmt("db", ".create table T (Name:string)");
    String ingest = ".ingest inline into table T with (tags='[\"ingest-by:b1\"]', ingestIfNotExists='[\"b1\"]') <|\nx\n";
    client.executeMgmt("db", ingest);
    client.executeMgmt("db", ingest);
    assertThat(adx.database("db").tableNamed("T").rowCount()).isEqualTo(1);
  }

  @Test
  void concurrentSendsWithTheSameIngestByTagIngestOnce() throws Exception {
    client.executeMgmt("db", ".create table T (Name:string)");
    String ingest = ".ingest inline into table T with (tags='[\"ingest-by:w9\"]', ingestIfNotExists='[\"w9\"]') <|\nx\ny\n";
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
    try {
      List<java.util.concurrent.Future<?>> sends = new java.util.ArrayList<>();
      for (int i = 0; i < 12; i++) {
        sends.add(pool.submit(() -> client.executeMgmt("db", ingest)));
      }
      for (java.util.concurrent.Future<?> f : sends) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(adx.database("db").tableNamed("T").extents()).hasSize(1);
    assertThat(adx.database("db").tableNamed("T").rowCount()).isEqualTo(2);
  }

  @Test
  void dropExtentsRemovesTheNamedExtentOnly() throws Exception {
    client.executeMgmt("db", ".create table T (Name:string)");
    client.executeMgmt("db", ".ingest inline into table T <|\nfirst\n");
    client.executeMgmt("db", ".ingest inline into table T <|\nsecond\n");
    String firstId = adx.database("db").tableNamed("T").extents().get(0).id().toString();
    KustoOperationResult r = client.executeMgmt("db", ".drop extents ('" + firstId + "') from T");
    assertThat(KustoClients.column(r, "ExtentId")).containsExactly(firstId);
    assertThat(adx.database("db").tableNamed("T").rowsAsMaps()).extracting(m -> m.get("Name"))
        .containsExactly("second");
  }

  @Test
  void policiesAreStoredAndMerged() throws Exception {
    client.executeMgmt("db", ".create table T (Name:string)");
    client.executeMgmt("db", ".alter table T policy ingestionbatching @'{\"MaximumBatchingTimeSpan\":\"00:00:30\"}'");
    client.executeMgmt("db", ".alter-merge table T policy ingestionbatching @'{\"MaximumNumberOfItems\":20}'");
    client.executeMgmt("db", ".alter database db policy retention @'{\"SoftDeletePeriod\":\"3650.00:00:00\"}'");
    assertThat(adx.database("db").tableNamed("T").policy("IngestionBatching")).hasValue(
        "{\"MaximumBatchingTimeSpan\":\"00:00:30\",\"MaximumNumberOfItems\":20}");
    assertThat(KustoClients.column(client.executeMgmt("db", ".show database db policy retention"), "Policy"))
        .containsExactly("{\"SoftDeletePeriod\":\"3650.00:00:00\"}");
  }

  @Test
  void keywordFormsOfPoliciesAreStoredAsJson() throws Exception {
    client.executeMgmt("db", ".create table T (Name:string)");
    client.executeMgmt("db", ".alter-merge table T policy retention softdelete = 3650d recoverability = enabled");
    client.executeMgmt("db", ".alter table T policy caching hot = 31d");
    client.executeMgmt("db", ".alter table T policy streamingingestion enable");
    Table t = adx.database("db").tableNamed("T");
    assertThat(t.policy("retention")).hasValue("{\"SoftDeletePeriod\":\"3650.00:00:00\",\"Recoverability\":\"Enabled\"}");
    assertThat(t.policy("caching")).hasValue("{\"DataHotSpan\":\"31.00:00:00\"}");
    assertThat(t.policy("streamingingestion")).hasValue("{\"IsEnabled\":true}");
  }

  @Test
  void functionsViewsAndMaterializedViewsAreStoredAndDropped() throws Exception {
    client.executeMgmt("db", ".create table T (Name:string)");
    client.executeMgmt("db", ".create-or-alter function with (view=true, folder='Views') Latest() { T | take 1 }");
    client.executeMgmt("db", ".create-or-alter materialized-view MV on table T { T | summarize count() by Name }");
    assertThat(adx.database("db").function("Latest")).hasValueSatisfying(f -> {
      assertThat(f.view()).isTrue();
      assertThat(f.body()).isEqualTo("T | take 1");
    });
    assertThat(adx.database("db").function("MV")).isPresent();
    client.executeMgmt("db", ".drop materialized-view MV");
    assertThat(adx.database("db").function("MV")).isEmpty();
    assertThatThrownBy(() -> client.executeMgmt("db", ".drop materialized-view MV"))
        .isInstanceOf(DataServiceException.class);
    client.executeMgmt("db", ".drop materialized-view MV ifexists");
  }

  @Test
  void databaseScriptReportsEachCommandAndStopsAtTheFirstFailure() throws Exception {
    KustoOperationResult r = client.executeMgmt("db", ".execute database script <|\n"
        + ".create table A (x:string)\n"
        + ".create table B (y:nosuchtype)\n"
        + ".create table C (z:string)\n");
    assertThat(KustoClients.column(r, "Result")).containsExactly("Completed", "Failed", "Skipped");
    assertThat(adx.database("db").findTable("C")).isEmpty();
  }

  @Test
  void throttledManagementCommandsRaiseThrottleExceptionThenSucceed() throws Exception {
    adx.faults().throttle(AdxFaults.Endpoint.MGMT, 1);
    assertThatThrownBy(() -> client.executeMgmt("db", ".show tables")).isInstanceOf(ThrottleException.class);
    assertThat(client.executeMgmt("db", ".show tables").getPrimaryResults().count()).isZero();
  }

  @Test
  void transientAndPermanentErrorsCarryTheirPermanence() {
    adx.faults().transientError(AdxFaults.Endpoint.MGMT, 1).permanentError(AdxFaults.Endpoint.MGMT, 1, "no way");
    assertThatThrownBy(() -> client.executeMgmt("db", ".show tables"))
        .isInstanceOfSatisfying(DataServiceException.class, e -> assertThat(e.isPermanent()).isFalse());
    assertThatThrownBy(() -> client.executeMgmt("db", ".show tables"))
        .isInstanceOfSatisfying(DataServiceException.class, e -> {
          assertThat(e.isPermanent()).isTrue();
          assertThat(e.getMessage()).contains("no way");
        });
  }

  @Test
  void principalsAreRecorded() throws Exception {
    client.executeMgmt("db", ".add database users (@'aadapp=app1;tenant1')");
    client.executeMgmt("db", ".add database db viewers ('aadapp=app2;tenant1') 'reads config'");
    assertThat(adx.database("db").principals()).extracting(p -> p.role() + "=" + p.principal())
        .containsExactly("users=aadapp=app1;tenant1", "viewers=aadapp=app2;tenant1");
  }

  @Test
  void mappingsAreCreatedShownAndValidatedAgainstTheTable() throws Exception {
    client.executeMgmt("db", ".create table Raw (Records:dynamic)");
    client.executeMgmt("db", ".create-or-alter table Raw ingestion json mapping 'DynamicJsonMap' "
        + "'[{\"column\":\"Records\",\"Properties\":{\"Path\":\"$\"}}]'");
    assertThat(KustoClients.column(client.executeMgmt("db", ".show table Raw ingestion json mappings"), "Name"))
        .containsExactly("DynamicJsonMap");
    assertThatThrownBy(() -> client.executeMgmt("db", ".create-or-alter table Raw ingestion json mapping 'Bad' "
        + "'[{\"column\":\"Nope\",\"Properties\":{\"Path\":\"$\"}}]'")).isInstanceOf(DataServiceException.class)
        .hasMessageContaining("Nope");
    assertThat(List.copyOf(adx.database("db").tableNamed("Raw").mappings())).hasSize(1);
  }
}
