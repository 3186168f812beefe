package org.defenderadx.migration.worker.node;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;
import org.defenderadx.migration.api.bus.TableWork;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.ConfigRowLimits;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.WindowSchedule;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.defenderadx.migration.worker.export.ServiceClock;

/**
 * An offer from the event bus names a table; it never says how to export it. Any cluster member can put an offer on
 * the bus, so the node that takes one reads the table's row in force from ADX itself, takes it only if that row is
 * active and acceptable, and plans from that row and its own clocks: the row, horizon and close point the offer
 * carries are ignored (a forged offer cannot export a switched-off table or move a watermark into the future).
 */
public final class OfferCheck {

  /** Run ids are ours (UUIDs): anything else in an offer is refused, not echoed into audit rows. */
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

  /** What a run starts from: the row in force in ADX, and the span planned from this node's clocks. */
  public record Checked(MigrationConfigRow row, Instant horizonStart, Instant closePoint, String runId) {
  }

  private final MigrationStateStore state;
  private final WindowSchedule schedule;
  private final ServiceClock serviceClock;
  private final TimeSource time;

  public OfferCheck(MigrationStateStore state, WindowSchedule schedule, ServiceClock serviceClock, TimeSource time) {
    this.state = state;
    this.schedule = schedule;
    this.serviceClock = serviceClock;
    this.time = time;
  }

  /** The run to start for {@code work}, or a failure whose message says why the offer is declined. */
  public Future<Checked> check(TableWork work) {
    if (work.runId() == null || !RUN_ID.matcher(work.runId()).matches()) {
      return Future.failedFuture("offer refused: its run id is not one of ours");
    }
    return state.latest().compose(rows -> {
      Optional<MigrationConfigRow> inForce = rows.rows().stream()
          .filter(r -> r.tenantId().equals(work.tenantKey()) && r.sourceTable().equals(work.sourceTable()))
          .findFirst();
      if (inForce.isEmpty()) {
        return Future.failedFuture("offer refused: no usable configuration row for "
            + ConfigRowLimits.printable(work.sourceTable()) + " in ADX");
      }
      MigrationConfigRow row = inForce.get();
      if (!row.active()) {
        return Future.failedFuture("offer refused: " + row.sourceTable() + " is not active in ADX");
      }
      try {
        row.resolve();
      } catch (ConfigRowException e) {
        return Future.failedFuture("offer refused: " + ConfigRowLimits.printable(e.getMessage()));
      }
      Instant now = time.now();
      Optional<Instant> serviceNow = Optional.of(serviceClock.now(row.tenantId(), now));
      Optional<String> ahead = ConfigRowLimits.watermarkProblem(row, now.isAfter(serviceNow.get()) ? now
          : serviceNow.get());
      if (ahead.isPresent()) {
        return Future.failedFuture("offer refused: " + ahead.get());
      }
      return Future.succeededFuture(new Checked(row, schedule.horizonStart(now, row.progress().isPresent()),
          schedule.closePoint(now, serviceNow, row.lateArrivalAllowance()), work.runId()));
    });
  }
}
