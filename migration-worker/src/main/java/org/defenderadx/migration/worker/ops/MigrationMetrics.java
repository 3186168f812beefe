package org.defenderadx.migration.worker.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.circuitbreaker.CircuitBreakerState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.export.LateCommitWatch;
import org.defenderadx.migration.worker.observe.EngineObserver;

/**
 * Every meter of the migration, in the node's Prometheus registry (next to the Vert.x meters of
 * vertx-micrometer-metrics). Names as Prometheus shows them; {@code tenant} is the tenant key ({@code ""} for the
 * default tenant), {@code table} the source table:
 * <ul>
 *   <li>{@code migration_rows_fetched_total{tenant,table}}: rows read from Advanced Hunting in whole windows (a
 *       window fetched again after a failed ingestion counts again)</li>
 *   <li>{@code migration_rows_ingested_total{tenant,table}}: rows ADX confirmed and the watermark (or snapshot
 *       bucket) committed: each row once</li>
 *   <li>{@code migration_windows_committed_total{tenant,table}}: windows and snapshot buckets committed</li>
 *   <li>{@code migration_api_calls_total{tenant,status}}: answers from the Defender API by HTTP status
 *       ({@code none}: no answer, the connection failed or timed out)</li>
 *   <li>{@code migration_throttled_total{tenant,kind}}: 429s by quota, {@code kind} = {@code call-quota} (calls per
 *       minute or hour: the call waits) or {@code cpu-quota} (15-minute CPU budget: the tenant pauses)</li>
 *   <li>{@code migration_window_splits_total{tenant,table}}: windows halved because the result was cut by a cap or
 *       too large</li>
 *   <li>{@code migration_ingestion_latency_seconds{result}}: from handing a blob to ADX to ADX saying what became of
 *       it, on the migration's clock; {@code result} = Succeeded, Skipped, Failed, PartiallySucceeded</li>
 *   <li>{@code migration_watermark_lag_seconds{tenant,table}}: how far the committed watermark is behind now</li>
 *   <li>{@code migration_breaker_state{tenant}}: this node's circuit breaker: 0 closed, 1 half-open, 2 open</li>
 *   <li>{@code migration_call_budget_permits{tenant,bucket}}: permits left in the cluster-wide call budget,
 *       {@code bucket} = {@code minute} or {@code hour}</li>
 *   <li>{@code migration_late_commits_total{tenant,table}}: hours whose count at the source changed after export
 *       ({@code LateCommit} audit rows)</li>
 * </ul>
 */
public final class MigrationMetrics implements EngineObserver {

  public static final String ROWS_FETCHED = "migration.rows.fetched";
  public static final String ROWS_INGESTED = "migration.rows.ingested";
  public static final String WINDOWS_COMMITTED = "migration.windows.committed";
  public static final String API_CALLS = "migration.api.calls";
  public static final String THROTTLED = "migration.throttled";
  public static final String WINDOW_SPLITS = "migration.window.splits";
  public static final String INGESTION_LATENCY = "migration.ingestion.latency";
  public static final String WATERMARK_LAG = "migration.watermark.lag";
  public static final String BREAKER_STATE = "migration.breaker.state";
  public static final String CALL_BUDGET = "migration.call.budget.permits";
  public static final String LATE_COMMITS = "migration.late.commits";
  static final String TABLES_PARKED = "migration.tables.parked";
  static final String CREDENTIAL_FAILURES = "migration.credential.failures";

  /** Sends not settled after this long are forgotten (the node was restarted under them, or they timed out). */
  private static final Duration FORGET_SENDS_AFTER = Duration.ofDays(1);

  private final MeterRegistry registry;
  private final TimeSource time;
  private final Map<UUID, Instant> sentAt = new ConcurrentHashMap<>();
  /** Held here: Micrometer keeps only weak references to what a gauge reads. */
  private final Map<String, AtomicReference<Instant>> watermarks = new ConcurrentHashMap<>();
  private final Map<String, AtomicReference<Double>> budgetLevels = new ConcurrentHashMap<>();
  private final Map<String, Supplier<CircuitBreakerState>> breakers = new ConcurrentHashMap<>();

  public MigrationMetrics(MeterRegistry registry, TimeSource time) {
    this.registry = registry;
    this.time = time;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Shows a tenant's breaker ({@code state} is read at every scrape). */
  public void breaker(String tenantKey, Supplier<CircuitBreakerState> state) {
    if (breakers.putIfAbsent(tenantKey, state) == null) {
      Gauge.builder(BREAKER_STATE, () -> breakerValue(breakers.get(tenantKey).get()))
          .description("this node's circuit breaker for the tenant: 0 closed, 1 half-open, 2 open")
          .tags("tenant", tenantKey).register(registry);
    }
  }

  /** Shows how many token requests for the tenant failed in a row ({@code failures} is read at every scrape). */
  public void credential(String tenantKey, IntSupplier failures) {
    Gauge.builder(CREDENTIAL_FAILURES, failures::getAsInt)
        .description("token requests for the tenant that failed in a row on this node (0: the credential works)")
        .tags("tenant", tenantKey).register(registry);
  }

  static int breakerValue(CircuitBreakerState state) {
    return switch (state) {
      case CLOSED -> 0;
      case HALF_OPEN -> 1;
      case OPEN -> 2;
    };
  }

  /** The permits left in a tenant's shared budget, as last read. */
  public void budgetLevel(String tenantKey, double minutePermits, Optional<Double> hourPermits) {
    level(tenantKey, "minute").set(minutePermits);
    hourPermits.ifPresent(h -> level(tenantKey, "hour").set(h));
  }

  private AtomicReference<Double> level(String tenantKey, String bucket) {
    return budgetLevels.computeIfAbsent(tenantKey + "|" + bucket, k -> {
      AtomicReference<Double> ref = new AtomicReference<>(0.0);
      Gauge.builder(CALL_BUDGET, ref, AtomicReference::get)
          .description("permits left in the tenant's cluster-wide call budget")
          .tags("tenant", tenantKey, "bucket", bucket).register(registry);
      return ref;
    });
  }

  @Override
  public void apiCall(String tenantKey, String sourceTable, int status) {
    counter(API_CALLS, "answers from the Defender API by HTTP status",
        Tags.of("tenant", tenantKey, "status", status == 0 ? "none" : Integer.toString(status))).increment();
  }

  @Override
  public void throttled(String tenantKey, String sourceTable, ThrottleKind kind) {
    counter(THROTTLED, "429s from the Defender API by the quota they spent",
        Tags.of("tenant", tenantKey, "kind", kind == ThrottleKind.CALL_QUOTA ? "call-quota" : "cpu-quota"))
        .increment();
  }

  @Override
  public void windowSplit(String tenantKey, String sourceTable) {
    counter(WINDOW_SPLITS, "windows halved because a result was cut or too large", table(tenantKey, sourceTable))
        .increment();
  }

  @Override
  public void rowsFetched(String tenantKey, String sourceTable, long rows) {
    counter(ROWS_FETCHED, "rows read from Advanced Hunting in whole windows", table(tenantKey, sourceTable))
        .increment(rows);
  }

  @Override
  public void ingestionSent(UUID sourceId, String destinationTable) {
    Instant now = time.now();
    if (sentAt.size() > 10_000) {
      sentAt.values().removeIf(at -> at.isBefore(now.minus(FORGET_SENDS_AFTER)));
    }
    sentAt.put(sourceId, now);
  }

  @Override
  public void ingestionSettled(UUID sourceId, String destinationTable, String state) {
    Instant sent = sentAt.remove(sourceId);
    if (sent == null) {
      return; // sent before this node started, or already reported
    }
    Timer.builder(INGESTION_LATENCY).description("from handing a blob to ADX to ADX saying what became of it")
        .tags("result", resultName(state)).publishPercentileHistogram(false).register(registry)
        .record(Duration.between(sent, time.now()));
  }

  private static String resultName(String state) {
    return switch (state) {
      case "SUCCEEDED" -> "Succeeded";
      case "SKIPPED" -> "Skipped";
      case "FAILED" -> "Failed";
      case "PARTIALLY_SUCCEEDED" -> "PartiallySucceeded";
      default -> state;
    };
  }

  @Override
  public void audited(List<AuditRecord> records) {
    for (AuditRecord r : records) {
      Tags tags = table(r.tenantId(), r.sourceTable());
      if ("Succeeded".equals(r.status())) {
        counter(ROWS_INGESTED, "rows ADX confirmed and the watermark committed", tags).increment(r.recordCount());
        counter(WINDOWS_COMMITTED, "windows and snapshot buckets committed", tags).increment();
      } else if (LateCommitWatch.LATE_COMMIT.equals(r.status())) {
        counter(LATE_COMMITS, "hours whose count at the source changed after they were exported", tags).increment();
      } else if (TableParking.AUDIT_STATUS.equals(r.status())) {
        counter(TABLES_PARKED, "times a table was parked because the tenant does not have it", tags).increment();
      }
    }
  }

  @Override
  public void committed(MigrationConfigRow row) {
    watermark(row);
  }

  @Override
  public void configurationRead(List<MigrationConfigRow> rows) {
    rows.forEach(this::watermark);
  }

  private void watermark(MigrationConfigRow row) {
    if (row.lastRefreshed().isEmpty()) {
      return;
    }
    watermarks.computeIfAbsent(row.tenantId() + "|" + row.sourceTable(), k -> {
      AtomicReference<Instant> ref = new AtomicReference<>();
      Gauge.builder(WATERMARK_LAG, ref, r -> r.get() == null ? Double.NaN
              : Duration.between(r.get(), time.now()).toMillis() / 1000.0)
          .description("how far the committed watermark is behind now").baseUnit("seconds")
          .tags(table(row.tenantId(), row.sourceTable())).register(registry);
      return ref;
    }).set(row.lastRefreshed().get());
  }

  private Counter counter(String name, String description, Tags tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }

  private static Tags table(String tenantKey, String sourceTable) {
    return Tags.of("tenant", tenantKey == null ? "" : tenantKey, "table", sourceTable);
  }
}
