package org.defenderadx.migration.worker.defender;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.ext.web.codec.BodyCodec;
import io.vertx.ext.web.codec.spi.BodyStream;

/**
 * How one hunting call's response body is read, chosen by its status: a 200's body is piped into the parser (on a
 * worker pool, through {@link WorkerPoolFeed}), any other body is kept as text up to {@link #MAX_ERROR_BODY}.
 * No body is ever held whole. The web client asks for the body stream once the response head is in; it learns the
 * head from {@link HuntingClient}'s interceptor just before.
 */
final class HuntingBodyCodec implements BodyCodec<HuntingBodyCodec.Body> {

  /** Error bodies are read up to this size; more is never needed to classify them. */
  static final int MAX_ERROR_BODY = 64 * 1024;

  /** What a body was. */
  sealed interface Body {
    /** A 200's rows went into the writer, all of them. */
    record Rows() implements Body {
    }

    /** Any other status: the start of its body. */
    record Text(String text) implements Body {
    }
  }

  private final WorkerExecutor parsePool;
  private final WindowBlobWriter sink;
  private HttpClientResponse head;

  HuntingBodyCodec(WorkerExecutor parsePool, WindowBlobWriter sink) {
    this.parsePool = parsePool;
    this.sink = sink;
  }

  /** The response's status and headers, before its body. */
  void head(HttpClientResponse head) {
    this.head = head;
  }

  @Override
  public BodyStream<Body> stream() {
    if (head == null) {
      throw new IllegalStateException("the response head was not seen before its body (is the interceptor installed?)");
    }
    return head.statusCode() == 200 ? new RowStream(new WorkerPoolFeed(parsePool, new HuntingResultStreamParser(sink)))
        : new TextStream(MAX_ERROR_BODY);
  }

  /** A 200's body, into the parser. */
  private static final class RowStream implements BodyStream<Body> {
    private final WorkerPoolFeed feed;

    RowStream(WorkerPoolFeed feed) {
      this.feed = feed;
    }

    @Override
    public Future<Body> result() {
      return feed.done().map(v -> new Body.Rows());
    }

    @Override
    public void handle(Throwable failure) {
      feed.fail(failure);
    }

    @Override
    public Future<Void> write(Buffer data) {
      return feed.write(data);
    }

    @Override
    public Future<Void> end() {
      return feed.end();
    }

    @Override
    public RowStream exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public RowStream setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return feed.writeQueueFull();
    }

    @Override
    public RowStream drainHandler(Handler<Void> handler) {
      feed.drainHandler(handler);
      return this;
    }
  }

  /** Any other body: its first {@code max} bytes, as text; the rest is read and dropped. */
  private static final class TextStream implements BodyStream<Body> {
    private final int max;
    private final Buffer text = Buffer.buffer();
    private final Promise<Body> result = Promise.promise();

    TextStream(int max) {
      this.max = max;
    }

    @Override
    public Future<Body> result() {
      return result.future();
    }

    @Override
    public void handle(Throwable failure) {
      result.tryFail(failure);
    }

    @Override
    public Future<Void> write(Buffer data) {
      int room = max - text.length();
      if (room > 0) {
        text.appendBuffer(data.length() > room ? data.getBuffer(0, room) : data);
      }
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
      result.tryComplete(new Body.Text(text.toString()));
      return Future.succeededFuture();
    }

    @Override
    public TextStream exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public TextStream setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public TextStream drainHandler(Handler<Void> handler) {
      return this;
    }
  }
}
