package org.defenderadx.migration.worker.node;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.TableWork;

/**
 * A fetch worker of the design card, deployed {@code migration.fetchInstances} times per node: takes table offers
 * from the event bus (round-robin across instances and nodes) and runs each accepted table on its own event loop
 * through the node's {@link TableRuns}: planning and paging behind the tenant's shared budget and breaker, each
 * finished window handed to the node's ingestion verticle.
 */
public final class FetchVerticle extends VerticleBase {

  private final TableRuns runs;
  private final String node;
  private MessageConsumer<JsonObject> consumer;

  public FetchVerticle(TableRuns runs, String node) {
    this.runs = runs;
    this.node = node;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().consumer(Addresses.TABLE_WORK, this::offered);
    // A drained node is no longer among the receivers: offers go round-robin to nodes that can take them.
    runs.closing().onComplete(v -> context.runOnContext(x -> consumer.unregister()));
    return consumer.completion();
  }

  /** Takes no more offers; the node's {@link TableRuns#stop()} ends the runs. */
  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }

  private void offered(Message<JsonObject> message) {
    if (!runs.admits(message)) {
      message.fail(401, "table work without this cluster's signature");
      return;
    }
    TableWork work;
    try {
      work = TableWork.fromJson(message.body());
    } catch (RuntimeException e) {
      message.fail(400, "not table work: " + e.getClass().getSimpleName());
      return;
    }
    runs.offer(work).onComplete(ar -> message.reply(new JsonObject()
        .put("accepted", ar.succeeded() && ar.result().accepted()).put("node", node)
        .put("reason", ar.succeeded() ? ar.result().reason() : String.valueOf(ar.cause().getMessage()))));
  }
}
