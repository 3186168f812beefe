package org.defenderadx.migration.worker.ingest;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes a message's object as it is between verticles of one node: a window's blob is handed to ingestion without
 * a copy. It cannot be encoded for the wire, so such messages can never leave the node (and no cluster peer can send
 * one: the ingestion addresses are node-local consumers).
 */
public final class LocalCodec implements MessageCodec<Object, Object> {

  public static final String NAME = "defender-adx-migration.node-local";

  /** Registers the codec on this Vert.x once. */
  public static void register(Vertx vertx) {
    try {
      vertx.eventBus().registerCodec(new LocalCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // another component of this node registered it first
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, Object o) {
    throw new UnsupportedOperationException("a node-local message cannot be sent to another node");
  }

  @Override
  public Object decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException("a node-local message cannot come from another node");
  }

  @Override
  public Object transform(Object o) {
    return o;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
