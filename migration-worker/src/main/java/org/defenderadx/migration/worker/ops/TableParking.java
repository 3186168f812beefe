package org.defenderadx.migration.worker.ops;

import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.SourceUnavailable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parks a table whose run found that the tenant does not have it ({@link SourceUnavailable}: unknown table, missing
 * permission) for {@code migration.parkProbeInterval}: a cluster-wide hold (sealed, lapsing by itself, then one run
 * probes the table again), a warning in the log and a {@code Parked} row in {@code MigrationAuditLog}. {@code
 * migrationctl resume} ends it at once; the status lists parked tables.
 */
public final class TableParking {
  private static final Logger LOG = LoggerFactory.getLogger(TableParking.class);
  public static final String AUDIT_STATUS = "Parked";

  private final OpsHolds holds;
  private final MigrationStateStore state;
  private final TimeSource time;
  private final Duration probeInterval;
  private final String node;

  public TableParking(OpsHolds holds, MigrationStateStore state, TimeSource time, Duration probeInterval,
                      String node) {
    this.holds = holds;
    this.state = state;
    this.time = time;
    this.probeInterval = probeInterval;
    this.node = node;
  }

  /** Parks the outcome's table if its failure says the tenant does not have it; never fails. */
  public Future<Void> afterRun(TableOutcome outcome, String destinationTable, String runId) {
    String failure = outcome.failure().orElse(null);
    if (!SourceUnavailable.in(failure)) {
      return Future.succeededFuture();
    }
    Instant probe = time.now().plus(probeInterval);
    String reason = failure + "; parked until " + KustoTime.format(probe) + " (migrationctl resume tries it now)";
    LOG.warn("{} (tenant '{}'): {}", outcome.sourceTable(), outcome.tenantKey(), reason);
    AuditRecord audit = new AuditRecord(destinationTable, time.now(), AUDIT_STATUS, reason, 0, outcome.tenantKey(),
        outcome.sourceTable(), runId, "", null, null, 0, 0, 0, Duration.ZERO, node, Map.of());
    // The hold lapses in real time (shared-map TTL), like the leases.
    return holds.park(outcome.tenantKey(), outcome.sourceTable(), reason,
            Duration.ofMillis(time.realDelayMillis(probeInterval)))
        .compose(v -> state.audit(List.of(audit)))
        .onFailure(e -> LOG.warn("{} (tenant '{}'): parking failed: {}", outcome.sourceTable(), outcome.tenantKey(),
            e.getMessage()))
        .<Void>mapEmpty().otherwiseEmpty();
  }
}
