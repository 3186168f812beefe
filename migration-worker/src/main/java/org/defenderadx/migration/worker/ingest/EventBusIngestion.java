package org.defenderadx.migration.worker.ingest;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.time.Duration;
import java.util.Optional;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.common.model.MigrationConfigRow;

/**
 * The exporters' side of the {@link IngestionVerticle}: each unit and commit is a node-local request on the event
 * bus (no copy of the blob, see {@link LocalCodec}), answered when ADX confirmed it or the commit landed.
 */
public final class EventBusIngestion implements IngestionPort {

  /** A commit is two control commands; this bounds the wait for them (the SDK's own timeouts are shorter). */
  static final Duration COMMIT_TIMEOUT = Duration.ofMinutes(5);

  private final Vertx vertx;
  private final DeliveryOptions deliveries;
  private final DeliveryOptions commits;

  /** @param longestDelivery the longest a delivery may take ({@link IngestionService.Options#longestDelivery()}) */
  public EventBusIngestion(Vertx vertx, Duration longestDelivery) {
    this.vertx = vertx;
    this.deliveries = options(longestDelivery.plus(COMMIT_TIMEOUT));
    this.commits = options(COMMIT_TIMEOUT);
  }

  private static DeliveryOptions options(Duration timeout) {
    return new DeliveryOptions().setLocalOnly(true).setCodecName(LocalCodec.NAME).setSendTimeout(timeout.toMillis());
  }

  @Override
  public Future<Delivered> deliver(Shipment shipment) {
    return request(Addresses.INGEST_DELIVER, shipment, deliveries);
  }

  @Override
  public Future<Optional<Delivered>> recover(String destination, String tag, String unitId) {
    return request(Addresses.INGEST_RECOVER, new IngestionVerticle.Recover(destination, tag, unitId), deliveries);
  }

  @Override
  public Future<MigrationConfigRow> commit(WatermarkCommit commit) {
    return request(Addresses.INGEST_COMMIT, commit, commits);
  }

  @Override
  public Future<MigrationConfigRow> commit(SnapshotCommit commit) {
    return request(Addresses.INGEST_COMMIT, commit, commits);
  }

  @SuppressWarnings("unchecked")
  private <T> Future<T> request(String address, Object body, DeliveryOptions options) {
    return vertx.eventBus().request(address, body, options).map(m -> (T) m.body());
  }
}
