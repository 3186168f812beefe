package org.defenderadx.simulator.adx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.microsoft.azure.kusto.data.Client;
import com.microsoft.azure.kusto.data.KustoOperationResult;
import com.microsoft.azure.kusto.data.KustoResultSetTable;
import com.microsoft.azure.kusto.data.exceptions.DataServiceException;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.defenderadx.simulator.adx.store.Extent;
import org.defenderadx.simulator.adx.store.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .replace extents}: drop some of a table's extents and move others in from other tables, as one transaction
 * (all or nothing), refusing what ADX refuses.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReplaceExtentsTest {
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
  void dropsTheListedExtentsAndMovesTheOthersInKeepingTheirTagsUnderNewIds() throws Exception {
    // GIVEN a table with two tagged extents, and a staging table holding the replacement of the first
    client.executeMgmt("db", ".create table T (Name:string, N:long)");
    client.executeMgmt("db", ".create table S (Name:string, N:long)");
    ingest("T", "w1", "old,1");
    ingest("T", "w2", "kept,2");
    ingest("S", "w1", "new,1\nnewer,1");
    UUID old = extent("T", "w1").id();
    UUID staged = extent("S", "w1").id();
    Instant stagedAt = extent("S", "w1").createdOn();

    // WHEN
    KustoOperationResult r = client.executeMgmt("db", ".replace extents in table T <| "
        + "{ .show table T extents where tags has 'ingest-by:w1' }, { .show table S extents }");

    // THEN the old extent is gone, the staged one is in T under a new id with its tag, rows and creation time
    List<String> original = new ArrayList<>();
    List<String> result = new ArrayList<>();
    KustoResultSetTable rows = r.getPrimaryResults();
    while (rows.next()) {
      original.add(rows.getString("OriginalExtentId"));
      result.add(rows.getString("ResultExtentId"));
    }
    assertThat(original).containsExactly(staged.toString(), old.toString());
    assertThat(result.get(1)).isEmpty();
    Extent moved = extent("T", "w1");
    assertThat(moved.id().toString()).isEqualTo(result.get(0)).isNotEqualTo(staged.toString());
    assertThat(moved.rowCount()).isEqualTo(2);
    assertThat(moved.createdOn()).isEqualTo(stagedAt);
    assertThat(adx.database("db").tableNamed("T").rowsAsMaps()).extracting(m -> m.get("Name"))
        .containsExactly("kept", "new", "newer");
    assertThat(adx.database("db").tableNamed("S").extents()).isEmpty();
    // and the moved rows still answer to their tag, as extent_tags() and ingestIfNotExists see it
    assertThat(adx.database("db").tableNamed("T").hasExtentTagged("ingest-by:w1")).isTrue();
  }

  @Test
  void anExtentToDropThatIsGoneFailsTheWholeCommandAndChangesNothing() throws Exception {
    client.executeMgmt("db", ".create table T (Name:string)");
    client.executeMgmt("db", ".create table S (Name:string)");
    ingest("T", "w1", "old");
    ingest("S", "w1", "new");
    Map<String, List<UUID>> before = extentIds();

    assertThatThrownBy(() -> client.executeMgmt("db", ".replace extents in table T <| "
        + "{ print ExtentId = '" + UUID.randomUUID() + "' }, { .show table S extents }"))
        .isInstanceOf(DataServiceException.class).hasMessageContaining("not in the table");

    assertThat(extentIds()).isEqualTo(before);
  }

  @Test
  void refusesSourceColumnsTheDestinationLacksAndMovesFromTheDestinationItself() throws Exception {
    client.executeMgmt("db", ".create table T (Name:string)");
    client.executeMgmt("db", ".create table Wide (Name:string, Extra:long)");
    client.executeMgmt("db", ".create table Typed (Name:long)");
    ingest("T", "w1", "old");
    ingest("Wide", "w1", "new,1");
    ingest("Typed", "w1", "5");
    Map<String, List<UUID>> before = extentIds();

    assertThatThrownBy(() -> client.executeMgmt("db", ".replace extents in table T <| "
        + "{ .show table T extents }, { .show table Wide extents }"))
        .isInstanceOf(DataServiceException.class).hasMessageContaining("'Extra'");
    assertThatThrownBy(() -> client.executeMgmt("db", ".replace extents in table T <| "
        + "{ .show table T extents }, { .show table Typed extents }"))
        .isInstanceOf(DataServiceException.class).hasMessageContaining("same name and type");
    assertThatThrownBy(() -> client.executeMgmt("db", ".replace extents in table T <| "
        + "{ .show table T extents }, { .show table T extents }"))
        .isInstanceOf(DataServiceException.class).hasMessageContaining("already in it");
    assertThatThrownBy(() -> client.executeMgmt("db", ".replace async extents in table T <| "
        + "{ .show table T extents }, { .show table Wide extents }"))
        .isInstanceOf(DataServiceException.class).hasMessageContaining("async");

    assertThat(extentIds()).isEqualTo(before);
  }

  @Test
  void aNarrowerSourceIsMovedIntoTheDestinationsColumnOrderWithNullsForTheRest() throws Exception {
    client.executeMgmt("db", ".create table T (A:string, B:long, C:string)");
    client.executeMgmt("db", ".create table S (C:string, A:string)");
    ingest("S", "w1", "c1,a1");

    client.executeMgmt("db", ".replace extents in table T <| { print ExtentId = '" + UUID.randomUUID()
        + "' | where false }, { .show table S extents }");

    Map<String, Object> row = adx.database("db").tableNamed("T").rowsAsMaps().get(0);
    assertThat(row).containsEntry("A", "a1").containsEntry("C", "c1").containsEntry("B", null);
  }

  @Test
  void aRestartedStandInReplaysTheReplacement(@TempDir Path dir) throws Exception {
    AdxStandIn first = AdxStandIn.start(vertx, new AdxStandInOptions().dataDirectory(dir)).await();
    Client c = KustoClients.client(first);
    c.executeMgmt("db", ".create table T (Name:string)");
    c.executeMgmt("db", ".create table S (Name:string)");
    c.executeMgmt("db", ".ingest inline into table T with (tags='[\"ingest-by:w1\"]') <|\nold\n");
    c.executeMgmt("db", ".ingest inline into table S with (tags='[\"ingest-by:w1\"]') <|\nnew\n");
    c.executeMgmt("db", ".replace extents in table T <| { .show table T extents }, { .show table S extents }");
    List<Extent> after = first.database("db").tableNamed("T").extents();
    first.stop().await();

    AdxStandIn second = AdxStandIn.start(vertx, new AdxStandInOptions().dataDirectory(dir)).await();
    try {
      Table t = second.database("db").tableNamed("T");
      assertThat(t.extents()).extracting(Extent::id).containsExactly(after.get(0).id());
      assertThat(t.extents().get(0).tags()).containsExactly("ingest-by:w1");
      assertThat(t.rowsAsMaps()).extracting(m -> m.get("Name")).containsExactly("new");
      assertThat(second.database("db").tableNamed("S").extents()).isEmpty();
    } finally {
      second.stop().await();
    }
  }

  private void ingest(String table, String tag, String csv) throws Exception {
    client.executeMgmt("db", ".ingest inline into table " + table + " with (tags='[\"ingest-by:" + tag + "\"]') <|\n"
        + csv + "\n");
  }

  private Extent extent(String table, String tag) {
    return adx.database("db").tableNamed(table).extents().stream().filter(e -> e.hasTag("ingest-by:" + tag))
        .findFirst().orElseThrow();
  }

  private Map<String, List<UUID>> extentIds() {
    Map<String, List<UUID>> ids = new TreeMap<>();
    for (Table t : adx.database("db").tables()) {
      ids.put(t.name(), t.extents().stream().map(Extent::id).toList());
    }
    return ids;
  }
}
