package org.defenderadx.migration.worker.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.defenderadx.simulator.defender.SimFault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Merging grid cells into units: a backfill on an hourly grid (720 cells over 30 days) costs far fewer calls than
 * cells, every unit is recorded before it is fetched, and a run that stopped half way resumes inside the recorded
 * units (it records no unit over ground already planned), ending exact.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class CellMergingExportTest {

  private static final WindowGrid HOURLY = new WindowGrid(Duration.ofHours(1));
  /**
   * Three hours from the source's horizon: at 60 simulated seconds a second, rows this close to it age out only
   * minutes into the test, so every row from the start on is still at the source when a run reaches it.
   */
  private static final WindowSchedule SCHEDULE = WindowSchedule.thirtyDays(Duration.ofHours(3), Duration.ofMinutes(5));

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
  void backfillCostsFewerCallsThanCellsAndEndsExact() throws Exception {
    String table = "DeviceLogonEvents";
    env.configureIncremental(List.of(table));
    TableExporter exporter = env.mergingExporter("test-node", HOURLY);
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    MigrationConfigRow row = await(env.state.latest()).rows().get(0);
    Instant start = SCHEDULE.horizonStart(env.time.now());
    Instant close = SCHEDULE.closePoint(env.time.now(), Optional.empty(), Duration.ZERO);
    long before = env.sim.stats().calls("graph", 200);

    TableExporter.Result result = await(exporter.run(tenant, row, start, close, "run-1"));

    assertThat(result.failure()).isEmpty();
    assertThat(result.caughtUp()).isTrue();
    env.assertExact(table, row.destinationTable(), result.row().lastRefreshed().orElseThrow(), start);
    long cells = Duration.between(HOURLY.cellStart(start), HOURLY.cellStart(close)).toHours();
    long calls = env.sim.stats().calls("graph", 200) - before;
    assertThat(calls).as("calls for %s cells", cells).isLessThan(cells / 4);
    // The audit books every call: census calls on Planned rows, cut calls on the first window split from them.
    Object booked = await(env.adxClient.query("MigrationAuditLog | where SourceTable == '" + table + "' and Status in "
        + "('Planned', 'Succeeded') | summarize C = sum(ApiCalls)")).get(0).get("C");
    assertThat(((Number) booked).longValue()).as("ApiCalls in the audit").isEqualTo(calls);
    List<Window> units = planned(table);
    assertThat(units).as("recorded units tile the backfill").isNotEmpty();
    for (int i = 1; i < units.size(); i++) {
      assertThat(units.get(i).lo()).isEqualTo(units.get(i - 1).hi());
    }
    assertThat(units).anySatisfy(u -> assertThat(u.width()).isGreaterThan(Duration.ofHours(1)));
    assertThat(committed(table)).allSatisfy(w -> assertThat(units).anySatisfy(u ->
        assertThat(!w.lo().isBefore(u.lo()) && !w.hi().isAfter(u.hi())).as(w + " inside " + u).isTrue()));
  }

  @Test
  void unitsAimAtTheEffectiveCapAndABurstIsPagedStraightAwayWithoutACutCall() throws Exception {
    // GIVEN a table whose 30 days hold several times the (scaled) effective cap, 1,500 of its rows sharing one
    // ingestion time (more than a call may carry)
    String table = "DeviceProcessEvents";
    env.configureIncremental(List.of(table));
    TableExporter exporter = env.mergingExporter("test-node", HOURLY);
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    MigrationConfigRow row = await(env.state.latest()).rows().get(0);
    Instant start = SCHEDULE.horizonStart(env.time.now());
    Instant close = SCHEDULE.closePoint(env.time.now(), Optional.empty(), Duration.ZERO);
    long callsBefore = env.sim.stats().calls("graph", 200);
    long allBefore = env.sim.stats().calls("graph", 400) + env.sim.stats().calls("graph", 429);

    // WHEN it is back-filled
    TableExporter.Result result = await(exporter.run(tenant, row, start, close, "run-1"));

    // THEN it is exact, and no call was wasted: one census, then every call a whole window, none cut
    assertThat(result.failure()).isEmpty();
    env.assertExact(table, row.destinationTable(), result.row().lastRefreshed().orElseThrow(), start);
    long calls = env.sim.stats().calls("graph", 200) - callsBefore;
    assertThat(env.sim.stats().calls("graph", 400) + env.sim.stats().calls("graph", 429) - allBefore).isZero();
    List<Map<String, Object>> windows = await(env.adxClient.query("MigrationAuditLog | where SourceTable == '"
        + table + "' and Status == 'Succeeded' | project WindowStart, WindowEnd, RecordCount, ApiCalls "
        + "| order by WindowStart asc"));
    assertThat(windows).allSatisfy(w -> assertThat(((Number) w.get("ApiCalls")).longValue()).isEqualTo(1));
    assertThat(calls).isEqualTo(windows.size() + 1);
    // The burst was a unit of its own, paged at once in hash buckets (a power of two of them), none of them cut.
    var limits = env.sim.config().limits();
    long byteCap = limits.byteCap(org.defenderadx.simulator.defender.ApiFlavour.GRAPH).bytes();
    // The table's bytes per row as the service renders it (with the row count our windows add to each row).
    Fetched sampled = await(env.fetcher().fetch(tenant, row.resolve(), Window.of(start, close), table + " | take 300 | extend __WindowTotal = 300",
        new org.defenderadx.migration.worker.defender.Provenance(tenant.key(), table, "sample", null)));
    assertThat(sampled).as(sampled.toString()).isInstanceOf(Fetched.Complete.class);
    Fetched.Complete sample = (Fetched.Complete) sampled;
    double bytesPerRow = (double) sample.responseBytes() / sample.rows();
    List<Map<String, Object>> burst = windows.stream().filter(w -> instant(w.get("WindowEnd")).equals(
        instant(w.get("WindowStart")).plusNanos(100))).toList();
    long burstRows = burst.stream().mapToLong(w -> ((Number) w.get("RecordCount")).longValue()).sum();
    assertThat(burstRows).isEqualTo(1500);
    assertThat(Integer.bitCount(burst.size())).isEqualTo(1);
    // The census samples the rows' size before any answer has measured it: within a tenth of the answers' own.
    HourlyCounts.Census census = await(new HourlyCounts(env.fetcher(), env.adxClient).census(tenant, row.resolve(),
        start, start.plus(Duration.ofDays(1)), Duration.ofHours(1), true));
    assertThat(census.sampledRowBytes()).isPresent();
    long sampledBytes = census.sampledRowBytes().getAsLong();
    assertThat(sampledBytes / bytesPerRow).as("sampled %d bytes a row, answers %.0f", sampledBytes, bytesPerRow)
        .isBetween(0.9, 1.1);
    // The units but the one ending at the burst, the first included (sized from that sample), carried on average at
    // least 70% of the effective cap: the smaller of the row cap and the byte cap at the table's bytes per row.
    double cap = Math.min(limits.rowCap(), byteCap / bytesPerRow);
    List<Map<String, Object>> spread = windows.stream().filter(w -> !burst.contains(w)).toList();
    List<Map<String, Object>> measured = new ArrayList<>(spread);
    measured.removeIf(w -> burst.stream().anyMatch(b -> b.get("WindowStart").equals(w.get("WindowEnd"))));
    double perCall = measured.stream().mapToLong(w -> ((Number) w.get("RecordCount")).longValue()).average()
        .orElseThrow();
    assertThat(perCall / cap).as("%.0f rows a call, effective cap %.0f rows", perCall, cap)
        .isGreaterThanOrEqualTo(0.7);
  }

  private static Instant instant(Object v) {
    return org.defenderadx.migration.common.kql.KustoTime.fromValue(v);
  }

  @Test
  void aPreemptedCensusIsTriedOnHalfItsRangeNeverAgainOnTheSameRange() throws Exception {
    // GIVEN the source preempting the first call of a backfill: its census
    String table = "DeviceLogonEvents";
    env.configureIncremental(List.of(table));
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    MigrationConfigRow row = await(env.state.latest()).rows().get(0);
    Instant start = SCHEDULE.horizonStart(env.time.now());
    Instant close = SCHEDULE.closePoint(env.time.now(), Optional.empty(), Duration.ZERO);
    env.sim.injectFaults(SimFault.PREEMPTED);
    long before = env.sim.stats().calls("graph", 200);

    // WHEN
    TableExporter.Result result = await(env.mergingExporter("test-node", HOURLY).run(tenant, row, start, close,
        "run-1"));

    // THEN the next census counted half the range, no census range was asked twice, no stretch fell back to one
    // call per hourly cell, and the table ends exact
    assertThat(result.failure()).isEmpty();
    env.assertExact(table, row.destinationTable(), result.row().lastRefreshed().orElseThrow(), start);
    List<String> censuses = env.sim.stats().queries().stream().filter(q -> q.contains("summarize InstantRows = count()") && q.contains("mv-expand __bins"))
        .toList();
    assertThat(censuses).as("census queries").hasSizeGreaterThanOrEqualTo(2).doesNotHaveDuplicates();
    List<Instant> first = bounds(censuses.get(0));
    List<Instant> second = bounds(censuses.get(1));
    assertThat(second.get(0)).as("the census after the preempted one starts where it did").isEqualTo(first.get(0));
    assertThat(second.get(1)).as("and ends half way").isBefore(first.get(1)).isAfter(first.get(0));
    assertThat(Duration.between(second.get(0), second.get(1)).toHours())
        .isBetween(Duration.between(first.get(0), first.get(1)).toHours() / 2 - 1,
            Duration.between(first.get(0), first.get(1)).toHours() / 2 + 1);
    long cells = Duration.between(HOURLY.cellStart(start), HOURLY.cellStart(close)).toHours();
    assertThat(env.sim.stats().calls("graph", 200) - before).as("calls for %s cells", cells).isLessThan(cells / 4);
  }

  /** The {@code [lo, hi)} of a census query: its first two datetime literals. */
  private static List<Instant> bounds(String census) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("datetime\\(([^)]+)\\)").matcher(census);
    List<Instant> found = new ArrayList<>();
    while (m.find() && found.size() < 2) {
      found.add(Instant.parse(m.group(1)));
    }
    assertThat(found).as(census).hasSize(2);
    return found;
  }

  @Test
  void aRunThatStoppedHalfWayResumesInsideTheRecordedUnits() throws Exception {
    String table = "DeviceProcessEvents";
    env.configureIncremental(List.of(table));
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    MigrationConfigRow row = await(env.state.latest()).rows().get(0);
    Instant start = SCHEDULE.horizonStart(env.time.now());
    Instant close = SCHEDULE.closePoint(env.time.now(), Optional.empty(), Duration.ZERO);

    // GIVEN a run whose commits are refused after a few (as when its lease is lost); a commit takes every window
    // confirmed at the head of the line, so three commits carry at least three windows
    AtomicInteger commits = new AtomicInteger();
    TableExporter.Result first = await(env.mergingExporter("node-a", HOURLY).run(tenant, row, start, close, "run-1",
        () -> commits.incrementAndGet() <= 3 ? Future.succeededFuture()
            : Future.failedFuture(new IllegalStateException("lease lost"))));
    assertThat(first.failure()).isPresent();
    assertThat(first.windowsCommitted()).isGreaterThanOrEqualTo(3);
    List<Window> plannedBefore = planned(table);

    // WHEN another exporter (a restarted node) resumes from the committed row
    TableExporter.Result second = await(env.mergingExporter("node-b", HOURLY).run(tenant, first.row(), start, close,
        "run-2"));

    // THEN it fetched the units planned before (none recorded again over them), and ADX is exact
    assertThat(second.failure()).isEmpty();
    assertThat(second.caughtUp()).isTrue();
    assertThat(second.windowsCommitted()).as("windows left for the restarted node").isPositive();
    List<Window> plannedAfter = planned(table);
    assertThat(plannedAfter).containsAll(plannedBefore);
    for (int i = 1; i < plannedAfter.size(); i++) {
      assertThat(plannedAfter.get(i).lo()).as("no unit recorded twice or over another").isEqualTo(
          plannedAfter.get(i - 1).hi());
    }
    env.assertExact(table, row.destinationTable(), second.row().lastRefreshed().orElseThrow(), start);
  }

  private List<Window> planned(String table) throws Exception {
    return windows("MigrationAuditLog | where Status == 'Planned' and SourceTable == '" + table + "'");
  }

  private List<Window> committed(String table) throws Exception {
    return windows("MigrationAuditLog | where Status == 'Succeeded' and SourceTable == '" + table + "'");
  }

  private List<Window> windows(String kql) throws Exception {
    List<Map<String, Object>> rows = await(env.adxClient.query(kql
        + " | project WindowStart, WindowEnd | order by WindowStart asc"));
    List<Window> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      out.add(Window.of(HourlyCounts.instant(r.get("WindowStart")), HourlyCounts.instant(r.get("WindowEnd"))));
    }
    return out;
  }
}
