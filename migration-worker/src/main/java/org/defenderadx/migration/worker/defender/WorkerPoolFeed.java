package org.defenderadx.migration.worker.defender;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The write stream a response body is piped into: feeds it to its parser on a worker pool, so the parse and gzip
 * (CPU-bound, about 10 ms per MB) never run on the event loop. One task at a time per body keeps the chunks in order;
 * chunks that arrive meanwhile go together into the next task, and the queue reports itself full while more than
 * {@link #PAUSE_AT} bytes wait, so the pipe pauses the body. Every method is called on the response's context; the
 * tasks' completions come back to it.
 */
final class WorkerPoolFeed implements WriteStream<Buffer> {

  static final int PAUSE_AT = 1024 * 1024;

  private final WorkerExecutor pool;
  private final HuntingResultStreamParser parser;
  private final Promise<Void> done = Promise.promise();
  private final ArrayDeque<byte[]> waiting = new ArrayDeque<>();
  private int waitingBytes;
  private boolean running;
  private boolean ended;
  private Handler<Void> drainHandler;

  WorkerPoolFeed(WorkerExecutor pool, HuntingResultStreamParser parser) {
    this.pool = pool;
    this.parser = parser;
  }

  /** Completes once the parser has seen the whole body and found it complete; fails on the first parse error. */
  Future<Void> done() {
    return done.future();
  }

  @Override
  public Future<Void> write(Buffer buffer) {
    if (done.future().isComplete()) { // failed already: the pipe stops on this, and the request is reset
      return done.future().failed() ? Future.failedFuture(done.future().cause())
          : Future.failedFuture(new IllegalStateException("body written after its end"));
    }
    byte[] bytes = buffer.getBytes();
    waiting.add(bytes);
    waitingBytes += bytes.length;
    next();
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> end() {
    ended = true;
    next();
    return done.future();
  }

  /** Fails the body (the next write or the end reports it) and lets a paused pipe go on to find out. */
  void fail(Throwable cause) {
    if (done.tryFail(cause)) {
      waiting.clear();
      waitingBytes = 0;
      drained();
    }
  }

  @Override
  public boolean writeQueueFull() {
    return waitingBytes > PAUSE_AT;
  }

  @Override
  public WorkerPoolFeed drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
    return this;
  }

  @Override
  public WorkerPoolFeed setWriteQueueMaxSize(int maxSize) {
    return this; // the pause threshold is the feed's own
  }

  @Override
  public WorkerPoolFeed exceptionHandler(Handler<Throwable> handler) {
    return this; // failures are reported through write, end and done
  }

  private void next() {
    if (running || done.future().isComplete()) {
      return;
    }
    if (!waiting.isEmpty()) {
      List<byte[]> batch = new ArrayList<>(waiting);
      waiting.clear();
      waitingBytes = 0;
      drained();
      running = true;
      pool.<Void>executeBlocking(() -> {
        for (byte[] bytes : batch) {
          parser.feed(bytes, 0, bytes.length);
        }
        return null;
      }, false).onComplete(ar -> {
        running = false;
        if (ar.failed()) {
          boolean notHunting = ar.cause() instanceof HuntingResultStreamParser.NotAHuntingResponseException
              || ar.cause() instanceof HuntingResultStreamParser.RowTooLargeException;
          fail(notHunting ? ar.cause() : new IOException("unreadable result: " + ar.cause().getMessage(), ar.cause()));
        } else {
          next();
        }
      });
    } else if (ended) {
      running = true;
      pool.<Void>executeBlocking(() -> {
        parser.end();
        return null;
      }, false).onComplete(ar -> {
        running = false;
        if (ar.failed()) {
          fail(ar.cause());
        } else {
          done.tryComplete();
        }
      });
    }
  }

  private void drained() {
    Handler<Void> h = drainHandler;
    drainHandler = null;
    if (h != null) {
      h.handle(null);
    }
  }
}
