package org.defenderadx.migration.worker.defender;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds one response body to its parser on a worker pool, so the parse and gzip (CPU-bound, about 10 ms per MB)
 * never run on the event loop. One task at a time per body keeps the chunks in order; chunks that arrive meanwhile
 * go together into the next task, and the body is paused while more than {@link #PAUSE_AT} bytes wait.
 * Every method is called on the response's context; the tasks' completions come back to it.
 */
final class WorkerPoolFeed {

  static final int PAUSE_AT = 1024 * 1024;

  private final WorkerExecutor pool;
  private final ReadStream<Buffer> body;
  private final HuntingResultStreamParser parser;
  private final Promise<Void> done = Promise.promise();
  private final ArrayDeque<byte[]> waiting = new ArrayDeque<>();
  private int waitingBytes;
  private boolean running;
  private boolean paused;
  private boolean ended;

  WorkerPoolFeed(WorkerExecutor pool, ReadStream<Buffer> body, HuntingResultStreamParser parser) {
    this.pool = pool;
    this.body = body;
    this.parser = parser;
  }

  /** Completes once the parser has seen the whole body and found it complete; fails on the first parse error. */
  Future<Void> done() {
    return done.future();
  }

  void chunk(Buffer buffer) {
    if (done.future().isComplete()) {
      return; // failed already: the rest of the body is only drained
    }
    byte[] bytes = buffer.getBytes();
    waiting.add(bytes);
    waitingBytes += bytes.length;
    if (waitingBytes > PAUSE_AT && !paused) {
      paused = true;
      body.pause();
    }
    next();
  }

  void end() {
    ended = true;
    next();
  }

  void fail(Throwable cause) {
    done.tryFail(cause);
    resume();
  }

  private void next() {
    if (running || done.future().isComplete()) {
      return;
    }
    if (!waiting.isEmpty()) {
      List<byte[]> batch = new ArrayList<>(waiting);
      waiting.clear();
      waitingBytes = 0;
      resume();
      running = true;
      pool.<Void>executeBlocking(() -> {
        for (byte[] bytes : batch) {
          parser.feed(bytes, 0, bytes.length);
        }
        return null;
      }, false).onComplete(ar -> {
        running = false;
        if (ar.failed()) {
          fail(new IOException("unreadable result: " + ar.cause().getMessage(), ar.cause()));
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

  private void resume() {
    if (paused) {
      paused = false;
      body.resume();
    }
  }
}
