package org.defenderadx.migration.worker.quota;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * At most {@code permits} calls of one tenant in flight from this node at once ({@code api.maxConcurrentCalls}),
 * whatever the number of fetch instances and tables: a call waits here, in arrival order, before it takes a permit
 * from the call budget, so no budget is spent while waiting.
 */
public final class CallGate {

  private final int permits;
  private int inUse;
  private final Deque<Promise<Void>> waiting = new ArrayDeque<>();

  public CallGate(int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be at least 1");
    }
    this.permits = permits;
  }

  /** Completes when the call may go; every success must be followed by one {@link #release()}. */
  public synchronized Future<Void> acquire() {
    if (inUse < permits) {
      inUse++;
      return Future.succeededFuture();
    }
    Promise<Void> turn = Promise.promise();
    waiting.add(turn);
    return turn.future();
  }

  /** Ends a call: the next waiting one goes (keeping the permit), or the permit is free again. */
  public void release() {
    Promise<Void> next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        inUse--;
      }
    }
    if (next != null) {
      next.complete();
    }
  }

  public synchronized int inUse() {
    return inUse;
  }

  public synchronized int waiting() {
    return waiting.size();
  }
}
