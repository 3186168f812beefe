package org.defenderadx.migration.worker.ingest;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.List;
import org.defenderadx.migration.api.bus.Addresses;

/**
 * One per node: every unit the fetch verticles finish (windows, snapshot buckets, repairs) comes here over the event
 * bus to be sent to ADX, confirmed and retried, and every commit of a watermark or snapshot progress, in order per
 * table. The work is the {@link IngestionService}'s; this wires it to node-local addresses.
 */
public final class IngestionVerticle extends VerticleBase {

  /** A request to confirm an earlier process's send of a unit before it is fetched again. */
  public record Recover(String destination, String tag, String unitId) {
  }

  private static final DeliveryOptions REPLY = new DeliveryOptions().setCodecName(LocalCodec.NAME);

  private final IngestionService service;
  private List<MessageConsumer<Object>> consumers = List.of();

  public IngestionVerticle(IngestionService service) {
    this.service = service;
  }

  @Override
  public Future<?> start() {
    LocalCodec.register(vertx);
    consumers = List.of(
        vertx.eventBus().localConsumer(Addresses.INGEST_DELIVER, m -> answer(m, service.deliver((Shipment) m.body()))),
        vertx.eventBus().localConsumer(Addresses.INGEST_RECOVER, m -> {
          Recover r = (Recover) m.body();
          answer(m, service.recover(r.destination(), r.tag(), r.unitId()));
        }),
        vertx.eventBus().localConsumer(Addresses.INGEST_COMMIT, m -> answer(m, m.body() instanceof WatermarkCommit w
            ? service.commit(w) : service.commit((SnapshotCommit) m.body()))));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  /** Shutdown: nothing more is sent or committed; a restart finds the sends under way in the status table. */
  @Override
  public Future<?> stop() {
    service.abandon();
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList());
  }

  private static void answer(Message<Object> m, Future<?> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        m.reply(ar.result(), REPLY);
      } else {
        m.fail(500, String.valueOf(ar.cause().getMessage()));
      }
    });
  }
}
