package org.defenderadx.simulator.adx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.microsoft.azure.kusto.data.Client;
import com.microsoft.azure.kusto.data.exceptions.DataServiceException;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Update policies fan raw records out into typed tables as they are ingested. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpdatePolicyTest {
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
  void start() throws Exception {
    adx = AdxStandIn.start(vertx, new AdxStandInOptions()).await();
    client = KustoClients.client(adx);
    client.executeMgmt("db", ".execute database script with (ThrowOnErrors=true) <|\n"
        + ".create-merge table Raw (Records:dynamic)\n"
        + ".create-or-alter table Raw ingestion json mapping 'DynamicJsonMap' '[{\"column\":\"Records\",\"Properties\":{\"Path\":\"$\"}}]'\n"
        + ".create-merge table Devices (DeviceId:string, N:long, Tags:dynamic)\n"
        + ".create-or-alter function ExpandRaw() { Raw | project DeviceId = tostring(Records.DeviceId), "
        + "N = tolong(Records.n), Tags = extent_tags() }\n"
        + ".alter table Devices policy update @'[{\"IsEnabled\":true,\"Source\":\"Raw\",\"Query\":\"ExpandRaw()\","
        + "\"IsTransactional\":true,\"PropagateIngestionProperties\":true}]'\n");
  }

  @AfterEach
  void stop() {
    adx.stop().await();
  }

  private void ingestRaw(String records, String tags) {
    client.executeMgmt("db", ".ingest inline into table Raw with (format='multijson', "
        + "ingestionMappingReference='DynamicJsonMap', tags='" + tags + "') <|\n" + records);
  }

  @Test
  void eachIngestionIntoTheSourceAppendsOnlyItsOwnRowsToTheTarget() {
    ingestRaw("{\"DeviceId\":\"d1\",\"n\":1}\n{\"DeviceId\":\"d2\",\"n\":2}", "[\"ingest-by:w1\"]");
    ingestRaw("{\"DeviceId\":\"d3\",\"n\":3}", "[\"ingest-by:w2\"]");

    assertThat(adx.database("db").tableNamed("Devices").rowsAsMaps()).extracting(m -> m.get("DeviceId") + "/"
        + m.get("N")).containsExactly("d1/1", "d2/2", "d3/3");
    assertThat(adx.database("db").tableNamed("Devices").extents()).hasSize(2)
        .allSatisfy(e -> assertThat(e.tags()).hasSize(1));
    assertThat(adx.database("db").tableNamed("Devices").rowsAsMaps().get(2).get("Tags"))
        .isEqualTo(java.util.List.of("ingest-by:w2"));
  }

  @Test
  void failingTransactionalPolicyFailsTheIngestionAndAppendsNothing() {
    client.executeMgmt("db", ".create-or-alter function ExpandRaw() { Raw | project DeviceId = NoSuchColumn }");
    assertThatThrownBy(() -> ingestRaw("{\"DeviceId\":\"d1\"}", "[]"))
        .isInstanceOf(DataServiceException.class).hasMessageContaining("update policy");
    assertThat(adx.database("db").tableNamed("Raw").rowCount()).isZero();
    assertThat(adx.database("db").tableNamed("Devices").rowCount()).isZero();
  }
}
