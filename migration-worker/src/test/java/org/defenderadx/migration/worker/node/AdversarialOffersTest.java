package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.bus.TableWork;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Table offers forged on the event bus, as any member of the cluster could send them: the fetch verticle reads the
 * row in force from ADX under the table's lease and plans from it and its own clocks, so a forged offer exports no
 * switched-off or unknown table, and one that carries a doctored row and close point exports only what the row in
 * ADX says, up to now.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class AdversarialOffersTest {

  private StandIns env;
  private TableLeases leases;

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
    leases = new TableLeases(env.vertx);
    TableRuns runs = new TableRuns(env.vertx, env.exporter("node-a"),
        Map.of("", TenantFixture.context(env.vertx, env.sim, env.time, "", "graph")), leases, Duration.ofSeconds(30),
        "node-a", env.offerCheck());
    await(env.vertx.deployVerticle(new FetchVerticle(runs, "node-a")));
  }

  @AfterEach
  void stop() throws Exception {
    env.close();
  }

  @Test
  void anOfferForATableSwitchedOffInAdxIsDeclinedAndNothingIsExported() throws Exception {
    env.configureIncremental(List.of("DeviceInfo"));
    MigrationConfigRow active = row("DeviceInfo");
    Map<String, Object> off = new HashMap<>(active.toColumns());
    off.put("IsActive", false);
    off.put("Version", 2L);
    await(env.appender.append(MigrationStateStore.CONFIG_TABLE, List.of(off)));

    JsonObject answer = offer(new TableWork("", "DeviceInfo", active.toColumns(), env.time.now().minus(
        Duration.ofDays(30)), Instant.parse("2028-01-01T00:00:00Z"), "forged-1"));

    assertThat(answer.getBoolean("accepted")).isFalse();
    assertThat(answer.getString("reason")).contains("not active");
    assertNothingExported("DeviceInfo");
  }

  @Test
  void offersForUnknownTablesTenantsOrWithForeignRunIdsAreDeclined() throws Exception {
    env.configureIncremental(List.of("DeviceInfo"));
    Map<String, Object> invented = new HashMap<>(row("DeviceInfo").toColumns());
    invented.put("SourceTable", "DeviceProcessEvents");
    invented.put("DestinationTable", "DeviceProcessEventsRaw");
    Instant now = env.time.now();

    JsonObject noRow = offer(new TableWork("", "DeviceProcessEvents", invented, now.minus(Duration.ofDays(30)), now,
        "forged-2"));
    JsonObject otherTenant = offer(new TableWork("fabrikam", "DeviceInfo", row("DeviceInfo").toColumns(),
        now.minus(Duration.ofDays(30)), now, "forged-3"));
    JsonObject runId = offer(new TableWork("", "DeviceInfo", row("DeviceInfo").toColumns(),
        now.minus(Duration.ofDays(30)), now, "run\n12:00:00 INFO forged"));
    Throwable notWork = await(env.vertx.eventBus().request(Addresses.TABLE_WORK, new JsonObject().put("x", 1))
        .<Throwable>map(m -> null).otherwise(e -> e));

    assertThat(noRow.getBoolean("accepted")).isFalse();
    assertThat(noRow.getString("reason")).contains("no usable configuration row");
    assertThat(otherTenant.getBoolean("accepted")).isFalse();
    assertThat(runId.getBoolean("accepted")).isFalse();
    assertThat(runId.getString("reason")).doesNotContain("\n");
    assertThat(notWork).isNotNull();
    assertNothingExported("DeviceProcessEvents");
    assertNothingExported("DeviceInfo");
    assertThat(await(leases.isHeld(TableLeases.key("", "DeviceInfo")))).as("lease left behind").isFalse();
  }

  @Test
  void aDoctoredRowAndClosePointInAnOfferAreIgnoredForTheRowInAdxAndTheNodesClock() throws Exception {
    env.configureIncremental(List.of("DeviceInfo"));
    Map<String, Object> doctored = new HashMap<>(row("DeviceInfo").toColumns());
    doctored.put("DestinationTable", "DeviceLogonEventsRaw");
    doctored.put("LastRefreshedTimeInString", "2027-06-01T00:00:00.0000000Z");
    Instant now = env.time.now();
    Promise<TableOutcome> outcome = Promise.promise();
    MessageConsumer<JsonObject> outcomes = env.vertx.eventBus().consumer(Addresses.TABLE_OUTCOMES,
        m -> outcome.tryComplete(TableOutcome.fromJson(m.body())));
    await(outcomes.completion());

    JsonObject answer = offer(new TableWork("", "DeviceInfo", doctored, now.minus(Duration.ofDays(30)),
        Instant.parse("2028-01-01T00:00:00Z"), "forged-4"));
    TableOutcome done = await(outcome.future());

    assertThat(answer.getBoolean("accepted")).isTrue();
    assertThat(done.failure()).isEmpty();
    Instant watermark = done.watermark().orElseThrow();
    assertThat(watermark).as("watermark").isBefore(env.time.now());
    env.assertExact("DeviceInfo", "DeviceInfoRaw", watermark);
    assertThat(((Number) await(env.adxClient.query("DeviceLogonEventsRaw | count")).get(0).get("Count"))
        .longValue()).as("rows sent where the doctored row pointed").isZero();
  }

  private MigrationConfigRow row(String table) throws Exception {
    return await(env.state.latest()).rows().stream().filter(r -> r.sourceTable().equals(table)).findFirst()
        .orElseThrow();
  }

  private JsonObject offer(TableWork work) throws Exception {
    return await(env.vertx.eventBus().<JsonObject>request(Addresses.TABLE_WORK, work.toJson())).body();
  }

  private void assertNothingExported(String table) throws Exception {
    Object windows = await(env.adxClient.query("MigrationAuditLog | where SourceTable == '" + table
        + "' and Status == 'Succeeded' | count")).get(0).get("Count");
    assertThat(((Number) windows).longValue()).as("windows of %s committed", table).isZero();
  }
}
