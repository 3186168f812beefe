package org.defenderadx.migration.worker.typed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.defenderadx.migration.common.config.TablePolicies;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.common.window.WindowPlanner;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.SnapshotExporter;
import org.defenderadx.migration.worker.export.TableExporter;
import org.defenderadx.migration.worker.export.TenantContext;
import org.defenderadx.migration.worker.quota.InFlightBytes;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.TenantFixture;
import org.defenderadx.simulator.defender.ServedValues;
import org.defenderadx.simulator.defender.data.SimulatedTenant.TimestampFilter;
import org.defenderadx.simulator.kql.Catalog;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.defenderadx.simulator.kql.KqlEngine;
import org.defenderadx.simulator.kql.QueryContext;
import org.defenderadx.simulator.kql.QueryResult;
import org.defenderadx.simulator.kql.StoredFunction;
import org.defenderadx.simulator.kql.StoredRow;
import org.defenderadx.simulator.kql.TableSource;
import org.defenderadx.simulator.querycompat.HuntingQueryCorpus;
import org.defenderadx.simulator.querycompat.HuntingQueryCorpus.HuntingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Hunting queries written after Microsoft's documented advanced hunting examples (the corpus in the simulator's
 * {@code query-compat/hunting-queries.kql}) run unchanged on the archive's typed tables and return the same rows as on
 * the Defender simulator. The tables are migrated first through the real SDK, Azurite and the ADX stand-in's
 * transactional update policies; each query then runs on ADX as it is, and on the simulator over the rows the
 * archive holds (rows ingested from the export's start to its committed watermark; the snapshot tables as at their
 * committed stamp). Queries on {@code ingestion_time()} are excluded: the archive's ingestion times are its own.
 * Columns are compared by name where both results have them (a typed table's {@code _}-prefixed provenance columns
 * are the archive's own); an empty string and a null compare equal (an ADX string column holds no null).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class HuntingQueryCompatTest {

  private static final List<String> EVENT_TABLES = List.of("DeviceProcessEvents", "DeviceNetworkEvents",
      "DeviceFileEvents", "DeviceLogonEvents", "DeviceRegistryEvents", "DeviceEvents", "DeviceInfo", "AlertInfo");
  private static final List<String> SNAPSHOT_TABLES = List.of("DeviceTvmSoftwareVulnerabilities",
      "DeviceTvmSecureConfigurationAssessment");

  private StandIns env;
  private Catalog source;
  private Instant snapshotStamp;

  @BeforeAll
  void migrate() throws Exception {
    env = StandIns.start(Vertx.vertx());
    env.configureIncremental(EVENT_TABLES);
    List<Map<String, Object>> snapshotRows = new ArrayList<>();
    for (String t : SNAPSHOT_TABLES) {
      snapshotRows.add(Map.of("SourceTable", t, "DestinationTable", t + "Raw", "WatermarkColumn", "None",
          "LoadType", "Full", "IsActive", true, "TenantId", "", "Version", 1L));
    }
    await(env.appender.append(MigrationStateStore.CONFIG_TABLE, snapshotRows));
    TypedTables typed = new TypedTables(env.adxClient, env.state, TablePolicies.standard(), env.time, "test-node");
    SnapshotExporter snapshots = new SnapshotExporter(env.fetcher(), env.ingestion(env.vertx), env.state, env.time,
        new SnapshotExporter.Options("test-node", Duration.ofDays(1), 1_000, 1024 * 1024, 2048, 0.5, 3));
    TableExporter exporter = new TableExporter(env.vertx, env.fetcher(), env.ingestion(env.vertx), env.state,
        new WindowPlanner(new WindowGrid(Duration.ofDays(1))), env.time, new TableExporter.Options("test-node", 64),
        snapshots, new InFlightBytes(Long.MAX_VALUE)).keepingTypedTables(typed);
    TenantContext tenant = TenantFixture.context(env.vertx, env.sim, env.time, "", "graph");
    // The first grid line (a day) at least six simulated hours inside the source's 30 days: no row ages out while
    // the export runs, and the first window starts exactly there.
    Instant from = env.time.now().minus(Duration.ofDays(30)).plus(Duration.ofHours(6))
        .truncatedTo(java.time.temporal.ChronoUnit.DAYS).plus(Duration.ofDays(1));
    Instant close = env.time.now().minus(Duration.ofMinutes(5));
    Instant watermark = null;
    for (MigrationConfigRow row : await(env.state.latest()).rows()) {
      TableExporter.Result r = await(exporter.run(tenant, row, from, close, "compat"));
      assertThat(r.failure()).as(row.sourceTable()).isEmpty();
      if (EVENT_TABLES.contains(row.sourceTable())) {
        Instant wm = r.row().lastRefreshed().orElseThrow();
        assertThat(watermark == null || watermark.equals(wm)).as("every table committed to the same grid line").isTrue();
        watermark = wm;
      } else {
        snapshotStamp = snapshotStamp == null ? r.row().lastCommittedSnapshot().orElseThrow() : snapshotStamp;
      }
    }
    for (String t : EVENT_TABLES) {
      assertThat(count(t)).as(t).isEqualTo(count(t + "Raw")).isPositive();
    }
    // The source as the archive holds it: as at the snapshots' stamp, event rows ingested in [from, watermark); a
    // snapshot call asks for the 30 days of Timestamp before its stamp (Graph's Timespan), a window call for all.
    source = asArchived(env.sim.tenant().at(snapshotStamp, TimestampFilter.NONE), env.sim.tenant().at(snapshotStamp,
        new TimestampFilter(snapshotStamp.minus(Duration.ofDays(30)), null)), from, watermark);
  }

  @AfterAll
  void stop() throws Exception {
    env.close();
  }

  @Test
  void theCorpusHasAtLeastFifteenQueriesAndNoneOnIngestionTime() {
    assertThat(HuntingQueryCorpus.load()).hasSizeGreaterThanOrEqualTo(15)
        .allSatisfy(q -> assertThat(q.kql()).doesNotContain("ingestion_time("));
  }

  @TestFactory
  Stream<DynamicTest> eachHuntingQueryReturnsTheSameRowsOnTheArchive() {
    return HuntingQueryCorpus.load().stream().map(q -> DynamicTest.dynamicTest(q.name(), () -> compare(q)));
  }

  private void compare(HuntingQuery q) throws Exception {
    QueryResult atSource = new KqlEngine().execute(q.kql(), new QueryContext(source, snapshotStamp));
    List<Object[]> sourceRows = atSource.toList();
    List<Map<String, Object>> archiveRows = await(env.adxClient.query(q.kql()));
    List<String> names = atSource.columns().stream().map(Column::name).toList();
    if (!q.mayBeEmpty()) {
      assertThat(sourceRows).as("%s at the source", q.name()).isNotEmpty();
    }
    List<String> expected = new ArrayList<>();
    for (Object[] row : sourceRows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < names.size(); i++) {
        sb.append(names.get(i)).append('=').append(text(row[i])).append('|');
      }
      expected.add(sb.toString());
    }
    List<String> actual = new ArrayList<>();
    for (Map<String, Object> row : archiveRows) {
      assertThat(row.keySet()).as("%s: the archive's columns", q.name()).containsAll(names);
      StringBuilder sb = new StringBuilder();
      for (String name : names) {
        sb.append(name).append('=').append(text(row.get(name))).append('|');
      }
      actual.add(sb.toString());
    }
    expected.sort(null);
    actual.sort(null);
    assertThat(actual).as(q.name()).isEqualTo(expected);
  }

  /** A value as comparable text, whichever side produced it (engine objects, or the SDK's). */
  private static String text(Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof Instant t) {
      return KustoTime.format(t);
    }
    if (v instanceof Duration d) {
      return ServedValues.timespan(d);
    }
    if (v instanceof Number n) {
      return new BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
    }
    if (v instanceof Map<?, ?> || v instanceof Collection<?>) {
      return canonical(v);
    }
    String s = String.valueOf(v);
    if (s.length() >= 20 && s.charAt(4) == '-' && s.charAt(10) == 'T' && s.endsWith("Z")) {
      try {
        return KustoTime.format(KustoTime.parse(s));
      } catch (RuntimeException e) {
        return s;
      }
    }
    if (s.startsWith("{") || s.startsWith("[")) {
      try {
        return canonical(Json.decodeValue(s));
      } catch (RuntimeException e) {
        return s;
      }
    }
    return s;
  }

  /** JSON with object keys sorted and numbers in one form. */
  private static String canonical(Object v) {
    if (v instanceof io.vertx.core.json.JsonObject o) {
      return canonical(o.getMap());
    }
    if (v instanceof io.vertx.core.json.JsonArray a) {
      return canonical(a.getList());
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, String> sorted = new TreeMap<>();
      m.forEach((k, x) -> sorted.put(String.valueOf(k), canonical(x)));
      return sorted.toString();
    }
    if (v instanceof Collection<?> c) {
      return c.stream().map(HuntingQueryCompatTest::canonical).toList().toString();
    }
    return text(v);
  }

  /** The tenant's tables as the archive holds them: snapshot tables whole, event rows ingested in [from, to). */
  private static Catalog asArchived(Catalog events, Catalog snapshots, Instant from, Instant to) {
    return new Catalog() {
      @Override
      public Optional<TableSource> table(String name) {
        if (SNAPSHOT_TABLES.contains(name)) {
          return snapshots.table(name);
        }
        return events.table(name).map(t -> new TableSource() {
          @Override
          public String name() {
            return t.name();
          }

          @Override
          public List<Column> columns() {
            return t.columns();
          }

          @Override
          public Iterator<StoredRow> scan(IngestionTimeRange hint) {
            Iterator<StoredRow> all = t.scan(new IngestionTimeRange(from, to));
            List<StoredRow> kept = new ArrayList<>();
            all.forEachRemaining(r -> {
              if (!r.ingestionTime().isBefore(from) && r.ingestionTime().isBefore(to)) {
                kept.add(r);
              }
            });
            return kept.iterator();
          }
        });
      }

      @Override
      public Optional<StoredFunction> function(String name) {
        return events.function(name);
      }
    };
  }

  private long count(String query) throws Exception {
    return ((Number) await(env.adxClient.query(query + " | count")).get(0).get("Count")).longValue();
  }
}
