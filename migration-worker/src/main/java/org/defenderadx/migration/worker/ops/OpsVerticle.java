package org.defenderadx.migration.worker.ops;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.OpsReply;
import org.defenderadx.migration.api.bus.OpsRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires {@link OpsCommands} to the event bus: one consumer per ops address, each checking the command's token
 * ({@link Addresses#OPS_TOKEN_HEADER}) before anything else. A command without the right token is refused and
 * logged (without the token). {@link Addresses#OPS_PING} is answered without one: it says nothing but the node's name.
 */
public final class OpsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(OpsVerticle.class);

  private final OpsCommands commands;
  private final OpsToken token;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  public OpsVerticle(OpsCommands commands, OpsToken token) {
    this.commands = commands;
    this.token = token;
  }

  @Override
  public Future<?> start() {
    if (!token.configured()) {
      LOG.warn("no ops token configured (ops.tokenEnv / ops.tokenFile, or MIGRATION_OPS_TOKEN): every ops command "
          + "will be refused");
    }
    Map<String, Function<OpsRequest, Future<OpsReply>>> routes = Map.ofEntries(
        Map.entry(Addresses.OPS_TABLES, commands::tables),
        Map.entry(Addresses.OPS_PAUSE, commands::pause),
        Map.entry(Addresses.OPS_RESUME, commands::resume),
        Map.entry(Addresses.OPS_RUN_NOW, commands::runNow),
        Map.entry(Addresses.OPS_RESET_WATERMARK, commands::resetWatermark),
        Map.entry(Addresses.OPS_BACKFILL, commands::backfill),
        Map.entry(Addresses.OPS_VERIFY, commands::verify),
        Map.entry(Addresses.OPS_REPAIR, commands::repair),
        Map.entry(Addresses.OPS_AUDIT, commands::audit),
        Map.entry(Addresses.OPS_PLAN, commands::plan),
        Map.entry(Addresses.OPS_SCHEMA, commands::schema));
    List<Future<Void>> registered = new ArrayList<>();
    routes.forEach((address, command) -> {
      MessageConsumer<JsonObject> c = vertx.eventBus().consumer(address,
          m -> handle(address, m, command).onComplete(ar -> m.reply(ar.result().toJson())));
      consumers.add(c);
      registered.add(c.completion());
    });
    MessageConsumer<JsonObject> ping = vertx.eventBus().consumer(Addresses.OPS_PING,
        m -> m.reply(new JsonObject().put("node", commands.node())));
    consumers.add(ping);
    registered.add(ping.completion());
    MessageConsumer<JsonObject> drain = vertx.eventBus().consumer(Addresses.OPS_DRAIN, this::drain);
    consumers.add(drain);
    registered.add(drain.completion());
    return Future.all(registered);
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> done = new ArrayList<>();
    consumers.forEach(c -> done.add(c.unregister()));
    return Future.join(done);
  }

  /** Always succeeds, with the reply to send. */
  private Future<OpsReply> handle(String address, Message<JsonObject> m,
                                  Function<OpsRequest, Future<OpsReply>> command) {
    String verb = address.substring(address.lastIndexOf('.') + 1);
    if (!token.matches(m.headers().get(Addresses.OPS_TOKEN_HEADER))) {
      LOG.warn("ops command '{}' refused: {}", verb, m.headers().contains(Addresses.OPS_TOKEN_HEADER)
          ? "wrong token" : "no token");
      return Future.succeededFuture(OpsReply.refused(commands.node(), token.configured()
          ? "refused: the ops token is missing or wrong"
          : "refused: node " + commands.node() + " has no ops token configured (ops.tokenEnv / ops.tokenFile)"));
    }
    OpsRequest request;
    try {
      request = OpsRequest.fromJson(m.body() == null ? new JsonObject() : m.body());
    } catch (RuntimeException e) {
      return Future.succeededFuture(OpsReply.badRequest(commands.node(), "malformed " + verb + " request: " + e));
    }
    LOG.info("ops command '{}' from {}: {}", verb, request.requestedBy(), request.toJson().encode());
    Future<OpsReply> reply;
    try {
      reply = command.apply(request);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    return reply.recover(e -> Future.succeededFuture(e instanceof BadRequest
        || e instanceof IllegalArgumentException ? OpsReply.badRequest(commands.node(), e.getMessage())
        : OpsReply.failed(commands.node(), verb + " failed: " + (e.getMessage() == null ? e : e.getMessage()),
            new JsonObject())));
  }

  private void drain(Message<JsonObject> m) {
    String replyTo = m.headers().get(Addresses.OPS_REPLY_TO_HEADER);
    OpsRequest request = OpsRequest.fromJson(m.body() == null ? new JsonObject() : m.body());
    if (request.node().isPresent() && !request.node().get().equals(commands.node())) {
      return; // meant for another node
    }
    handle(Addresses.OPS_DRAIN, m, commands::drain).onComplete(ar -> {
      if (replyTo != null) {
        vertx.eventBus().send(replyTo, ar.result().toJson());
      } else if (m.replyAddress() != null) {
        m.reply(ar.result().toJson());
      }
    });
  }
}
