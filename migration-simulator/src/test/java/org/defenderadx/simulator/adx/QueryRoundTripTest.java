package org.defenderadx.simulator.adx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.microsoft.azure.kusto.data.Client;
import com.microsoft.azure.kusto.data.ClientRequestProperties;
import com.microsoft.azure.kusto.data.KustoOperationResult;
import com.microsoft.azure.kusto.data.KustoResultSetTable;
import com.microsoft.azure.kusto.data.exceptions.DataServiceException;
import com.microsoft.azure.kusto.data.exceptions.ThrottleException;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.LocalDateTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** v2 queries through the real SDK, run by the shared KQL engine over the stand-in's tables. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueryRoundTripTest {
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
    Clock frozen = Clock.fixed(Instant.parse("2026-02-01T00:00:00Z"), ZoneOffset.UTC);
    adx = AdxStandIn.start(vertx, new AdxStandInOptions().clock(frozen).queryRecordLimit(1000)).await();
    client = KustoClients.client(adx);
  }

  @AfterEach
  void stop() {
    adx.stop().await();
  }

  @Test
  void originalConfigViewReturnsOneRowPerSourceTableAfterSetupAndSeedTwice() throws Exception {
    KqlScriptRunner.apply(client, "frigatebird_db", OriginalScriptsTest.script("TVMExportConfig.kql"));
    KqlScriptRunner.apply(client, "frigatebird_db", OriginalScriptsTest.script("TVMExportConfigInsert.kql"));
    KqlScriptRunner.apply(client, "frigatebird_db", OriginalScriptsTest.script("TVMExportConfig.kql"));
    KqlScriptRunner.apply(client, "frigatebird_db", OriginalScriptsTest.script("TVMExportConfigInsert.kql"));

    KustoResultSetTable t = client.executeQuery("frigatebird_db", "VwLatestMigrationConfiguration").getPrimaryResults();

    assertThat(t.count()).isEqualTo(9);
    List<String> sources = KustoClients.column(client.executeQuery("frigatebird_db",
        "VwLatestMigrationConfiguration | order by SourceTable asc"), "SourceTable");
    assertThat(sources).first().isEqualTo("DeviceBaselineComplianceAssessment");
    KustoResultSetTable one = client.executeQuery("frigatebird_db",
        "VwLatestMigrationConfiguration | where SourceTable == 'DeviceTvmBrowserExtensions'").getPrimaryResults();
    assertThat(one.next()).isTrue();
    assertThat(one.getString("WatermarkColumn")).isEqualTo("InstallationTime");
    assertThat(one.getString("LastRefreshedTimeInString")).isEmpty();
    assertThat(one.getBoolean("IsActive")).isTrue();
    assertThat(one.getKustoDateTime("IngestionTime")).isEqualTo(LocalDateTime.parse("2026-02-01T00:00:00"));
  }

  @Test
  void setOrAppendFromDatatableAndFromQueryAndDynamicAccess() throws Exception {
    client.executeMgmt("db", ".set-or-append Raw <| datatable(Records:dynamic) [dynamic({\"DeviceId\":\"d1\",\"x\":1}),"
        + " dynamic({\"DeviceId\":\"d2\",\"x\":2})]");
    client.executeMgmt("db", ".set-or-append Devices with (tags='[\"ingest-by:copy-1\"]') <| Raw "
        + "| project DeviceId = tostring(Records.DeviceId), X = tolong(Records[\"x\"])");

    KustoResultSetTable t = client.executeQuery("db", "Devices | extend Tags = extent_tags(), At = ingestion_time() "
        + "| order by X desc").getPrimaryResults();
    assertThat(t.next()).isTrue();
    assertThat(t.getString("DeviceId")).isEqualTo("d2");
    assertThat(t.getLong("X")).isEqualTo(2);
    assertThat(t.getString("Tags")).contains("ingest-by:copy-1");
    assertThat(t.getKustoDateTime("At")).isEqualTo(LocalDateTime.parse("2026-02-01T00:00:00"));
    KustoResultSetTable latest = client.executeQuery("db", "Raw | summarize arg_max(tolong(Records.x), *)")
        .getPrimaryResults();
    assertThat(latest.next()).isTrue();
    assertThat(latest.getJSONObject("Records").get("DeviceId").asText()).isEqualTo("d2");
  }

  @Test
  void queryParametersAreBound() throws Exception {
    client.executeMgmt("db", ".set-or-append T <| datatable(Name:string, When:datetime) "
        + "['a', datetime(2025-01-01), 'b', datetime(2025-06-01)]");
    ClientRequestProperties props = new ClientRequestProperties();
    props.setParameter("since", LocalDateTime.parse("2025-03-01T00:00:00"));
    KustoOperationResult r = client.executeQuery("db",
        "declare query_parameters(since:datetime); T | where When > since", props);
    assertThat(KustoClients.column(r, "Name")).containsExactly("b");
  }

  @Test
  void unknownColumnIsAPermanentSemanticError() {
    client.executeMgmt("db", ".create table T (a:string)");
    assertThatThrownBy(() -> client.executeQuery("db", "T | where nope == 1"))
        .isInstanceOfSatisfying(DataServiceException.class, e -> {
          assertThat(e.isPermanent()).isTrue();
          assertThat(e.getMessage()).contains("nope");
        });
  }

  @Test
  void throttledQueryRaisesThrottleException() {
    client.executeMgmt("db", ".create table T (a:string)");
    adx.faults().throttle(AdxFaults.Endpoint.QUERY, 1);
    assertThatThrownBy(() -> client.executeQuery("db", "T")).isInstanceOf(ThrottleException.class);
    assertThat(client.executeQuery("db", "T | count").getPrimaryResults().count()).isEqualTo(1);
  }

  @Test
  void resultsOverTheRecordLimitFailLikeKustoUnlessTruncationIsOff() throws Exception {
    assertThatThrownBy(() -> client.executeQuery("db", "range i from 1 to 1001 step 1"))
        .isInstanceOf(DataServiceException.class).hasMessageContaining("LimitsExceeded");
    ClientRequestProperties props = new ClientRequestProperties();
    props.setOption("notruncation", true);
    assertThat(client.executeQuery("db", "range i from 1 to 1001 step 1", props).getPrimaryResults().count())
        .isEqualTo(1001);
  }

  @Test
  void showCommandsCanBePipedIntoAQueryAndDropExtentsByTag() throws Exception {
    client.executeMgmt("db", ".create table Alpha (a:string)");
    client.executeMgmt("db", ".create table Beta (a:string)");
    assertThat(KustoClients.column(client.executeMgmt("db", ".show tables | where TableName startswith 'Al'"),
        "TableName")).containsExactly("Alpha");

    client.executeMgmt("db", ".ingest inline into table Alpha with (tags='[\"ingest-by:w1\"]') <|\nx\n");
    client.executeMgmt("db", ".ingest inline into table Alpha with (tags='[\"ingest-by:w2\"]') <|\ny\n");
    client.executeMgmt("db", ".drop extents <| .show table Alpha extents | where Tags contains 'ingest-by:w1'");
    assertThat(adx.database("db").tableNamed("Alpha").rowsAsMaps()).extracting(m -> m.get("a"))
        .containsExactly("y");
  }
}
