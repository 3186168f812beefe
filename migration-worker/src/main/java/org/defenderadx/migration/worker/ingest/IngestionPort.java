package org.defenderadx.migration.worker.ingest;

import io.vertx.core.Future;
import java.util.Optional;
import org.defenderadx.migration.common.model.MigrationConfigRow;

/**
 * Where the exporters hand finished units and commits: in a node, the {@link IngestionVerticle} over the event bus
 * ({@link EventBusIngestion}); in tests of an exporter alone, the {@link IngestionService} itself.
 */
public interface IngestionPort {

  /** Sends the unit, confirms it through the status table, retries; see {@link IngestionService#deliver}. */
  Future<Delivered> deliver(Shipment shipment);

  /**
   * Before a unit is fetched again after a restart: confirms the newest send an earlier process made of it, if the
   * status table has one. Empty when there was none or it did not succeed: then the unit is fetched and delivered.
   */
  Future<Optional<Delivered>> recover(String destination, String tag, String unitId);

  /** Moves a table's watermark past confirmed windows and audits them, in order, under the commit's fence. */
  Future<MigrationConfigRow> commit(WatermarkCommit commit);

  /** Records a snapshot table's progress (a bucket, a plan, or the snapshot itself), under the commit's fence. */
  Future<MigrationConfigRow> commit(SnapshotCommit commit);
}
