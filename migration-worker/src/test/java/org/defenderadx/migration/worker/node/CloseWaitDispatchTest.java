package org.defenderadx.migration.worker.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableWork;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.CloseWait;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TestClocks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The coordinator holds back a table with closed hours to export while the next hour closes within
 * {@code migration.closeWait}, and offers it once that hour has closed (its run then takes the hour in); snapshot
 * tables and ops run-now are not held. The offers are recorded by a consumer on the work address that declines them.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CloseWaitDispatchTest {

  private static final String BEHIND = "DeviceInfo";
  private static final String SNAPSHOT = "DeviceTvmSoftwareInventory";

  private StandIns env;

  @BeforeEach
  void start() throws Exception {
    env = StandIns.start(Vertx.vertx());
  }

  @AfterEach
  void stop() throws Exception {
    env.close();
  }

  @Test
  void aBackfillMinutesBeforeTheNextCloseIsOfferedAfterItAndRunNowDoesNotWait() throws Exception {
    // GIVEN a table never loaded (30 days of closed hours behind) and a snapshot table, at 00:01 with a 5-minute
    // settle lag: the hour 23:00-00:00 closes at 00:05, four minutes on
    env.configureIncremental(List.of(BEHIND, SNAPSHOT));
    TestClocks.MutableClock clock = new TestClocks.MutableClock(Instant.parse("2026-11-15T00:01:00Z"));
    TimeSource time = TimeSource.of(clock, 1.0);
    List<TableWork> offers = new CopyOnWriteArrayList<>();
    env.vertx.eventBus().<JsonObject>consumer(Addresses.TABLE_WORK, m -> {
      offers.add(TableWork.fromJson(m.body()));
      m.reply(new JsonObject().put("accepted", false).put("node", "recorder").put("reason", "recording offers"));
    });
    CoordinatorVerticle coordinator = new CoordinatorVerticle(env.state, new TableLeases(env.vertx), Set.of(""),
        WindowSchedule.thirtyDays(Duration.ofHours(1), Duration.ofMinutes(5)), env.serviceClock, time,
        Duration.ofMillis(200))
        .waitingForCloses(new CloseWait(new WindowGrid(Duration.ofHours(1)), Duration.ofMinutes(10)));

    // WHEN the coordinator runs cycles before the close
    await(env.vertx.deployVerticle(coordinator));
    awaitOffers(offers, SNAPSHOT, 5); // every cycle offers it again (the recorder declines): five cycles ran

    // THEN the snapshot table is offered, the table behind is not
    assertThat(offered(offers, BEHIND)).as("offers of the table behind before its next close").isEmpty();

    // WHEN ops asks for a run now: offered at once, closing where the clocks close now
    await(coordinator.runNow(Optional.empty(), Optional.of(BEHIND)));
    TableWork runNow = awaitOffers(offers, BEHIND, 1);
    assertThat(runNow.closePoint()).isEqualTo(Instant.parse("2026-11-14T23:56:00Z"));
    offers.clear();

    // WHEN the clock reaches 00:05:30: less the 5-minute settle lag, past the end of the hour 23:00-00:00
    clock.advance(Duration.ofSeconds(270));

    // THEN the next cycle offers it, closing past the hour's end, so its units take the hour 23:00-00:00 in
    TableWork afterClose = awaitOffers(offers, BEHIND, 1);
    assertThat(afterClose.closePoint()).isAfterOrEqualTo(Instant.parse("2026-11-15T00:00:00Z"));
  }

  private static List<TableWork> offered(List<TableWork> offers, String table) {
    return offers.stream().filter(w -> w.sourceTable().equals(table)).toList();
  }

  /** The first offer of {@code table}, once it has been offered {@code times} times. */
  private TableWork awaitOffers(List<TableWork> offers, String table, int times) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (offered(offers, table).size() < times && System.nanoTime() < deadline) {
      await(env.vertx.timer(50));
    }
    assertThat(offered(offers, table)).as("offers of %s", table).hasSizeGreaterThanOrEqualTo(times);
    return offered(offers, table).get(0);
  }
}
