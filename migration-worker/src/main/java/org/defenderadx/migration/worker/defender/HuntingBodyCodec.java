package org.defenderadx.migration.worker.defender;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.codec.BodyCodec;
import io.vertx.ext.web.codec.spi.BodyStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * How one hunting call's response body is read, chosen by its head: a 200 with a JSON body is piped into the parser
 * (on a worker pool, through {@link WorkerPoolFeed}), any other status's body is kept as text up to
 * {@link #MAX_ERROR_BODY}. No body is ever held whole, nor trusted for size: a 200 past the byte limit is cut off
 * there ({@link Body.Cut}), and a 200 that is not a hunting response, or carries a row past the row limit, is given
 * up on as soon as that shows ({@link Body.Unusable}); either way the request is reset, so the connection does not
 * go on carrying the rest. The web client asks for the body stream once the head is in; it learns the head from
 * {@link HuntingClient}'s interceptor just before.
 */
final class HuntingBodyCodec implements BodyCodec<HuntingBodyCodec.Body> {

  /** Error bodies are read up to this size; more is never needed to classify them. */
  static final int MAX_ERROR_BODY = 64 * 1024;
  /** How much of an unusable body its error quotes. */
  static final int PREVIEW_CHARS = 200;
  private static final int PREVIEW_BYTES = 4 * PREVIEW_CHARS; // UTF-8 takes at most 4 bytes a character

  /** What a body was. */
  sealed interface Body {
    /** A 200's rows went into the writer, all of them. */
    record Rows(long bytes) implements Body {
    }

    /** Any other status: the start of its body. */
    record Text(String text) implements Body {
    }

    /** A 200 cut off once it passed {@code limit} bytes: the result is too large for one call. */
    record Cut(long bytesRead, long limit) implements Body {
    }

    /** A 200 that cannot be used, and why: it is not a hunting response, or one of its rows is too large. */
    record Unusable(String reason) implements Body {
    }
  }

  private final WorkerExecutor parsePool;
  private final WindowBlobWriter sink;
  private final ResponseLimits limits;
  private volatile HttpClientResponse head;
  private volatile Body stopped;
  private volatile Throwable failure;

  HuntingBodyCodec(WorkerExecutor parsePool, WindowBlobWriter sink, ResponseLimits limits) {
    this.parsePool = parsePool;
    this.sink = sink;
    this.limits = limits;
  }

  /** The response's status and headers, before its body. */
  void head(HttpClientResponse head) {
    this.head = head;
  }

  /** The head, once it is in. */
  Optional<HttpClientResponse> head() {
    return Optional.ofNullable(head);
  }

  /** What the body was, if the codec cut it short itself. */
  Optional<Body> stopped() {
    return Optional.ofNullable(stopped);
  }

  /** Why the body could not be read, if the codec found out first (before the connection's own failure). */
  Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  /** Gives up on the response (the call timed out): resets its stream, if it has begun. */
  void abort() {
    HttpClientResponse h = head;
    if (h != null) {
      h.request().reset();
    }
  }

  @Override
  public BodyStream<Body> stream() {
    HttpClientResponse h = head;
    if (h == null) {
      throw new IllegalStateException("the response head was not seen before its body (is the interceptor installed?)");
    }
    if (h.statusCode() != 200) {
      return new TextStream();
    }
    return isJson(h.getHeader(HttpHeaders.CONTENT_TYPE)) ? new RowStream() : new PreviewStream();
  }

  private void stop(Body body) {
    if (stopped == null && failure == null) {
      stopped = body;
      abort();
    }
  }

  private void broke(Throwable cause) {
    if (stopped == null && failure == null) {
      failure = cause;
      abort();
    }
  }

  /** {@code application/json}, {@code text/json} or any {@code +json} type, whatever its parameters. */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    return type.equals("application/json") || type.equals("text/json") || type.endsWith("+json");
  }

  private String notAHuntingResponse(String why, Buffer preview) {
    HttpClientResponse h = head;
    String type = h.getHeader(HttpHeaders.CONTENT_TYPE);
    return "HTTP " + h.statusCode() + " with Content-Type " + (type == null ? "(none)" : "'" + sanitise(type, 100) + "'")
        + " is not an Advanced Hunting response (" + why + "); " + (preview.length() == 0 ? "the body is empty"
        : "it began: \"" + sanitise(preview.toString(StandardCharsets.UTF_8), PREVIEW_CHARS) + "\"")
        + ". Check the API's base URL and anything between it and us (a proxy, a sign-in page)";
  }

  private String rowTooLarge(String why) {
    Provenance p = sink.provenance();
    return "a result row of " + p.sourceTable() + " (window " + p.unitId()
        + (p.tenantKey().isEmpty() ? "" : ", tenant '" + p.tenantKey() + "'") + ") is too large: " + why
        + "; splitting the window cannot shrink a row: raise migration.maxRowSize (at most migration.byteCap)"
        + " or project the table's large columns away";
  }

  /** At most {@code max} characters, control characters and line breaks as spaces, so it fits on one log line. */
  static String sanitise(String text, int max) {
    StringBuilder sb = new StringBuilder(Math.min(text.length(), max) + 3);
    for (int i = 0; i < text.length() && sb.length() < max; i++) {
      char c = text.charAt(i);
      sb.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\ufffd' ? ' ' : c);
    }
    if (text.length() > max) {
      sb.append("...");
    }
    return sb.toString().replaceAll(" {2,}", " ").trim();
  }

  /** A 200's body, counted and into the parser. */
  private final class RowStream extends Stream {
    private final WorkerPoolFeed feed = new WorkerPoolFeed(parsePool,
        new HuntingResultStreamParser(sink, limits.maxRowBytes()));
    private final Buffer preview = Buffer.buffer();
    private long bytes;

    RowStream() {
      feed.done().onFailure(this::failed);
    }

    private void failed(Throwable cause) {
      if (bytes == 0) {
        // No body at all: a body that broke off before its first byte looks the same, so this is worth a retry.
        broke(new IOException("the response's body is empty (HTTP " + head.statusCode() + ", Content-Type '"
            + sanitise(String.valueOf(head.getHeader(HttpHeaders.CONTENT_TYPE)), 100) + "')"));
      } else if (cause instanceof HuntingResultStreamParser.NotAHuntingResponseException) {
        stop(new Body.Unusable(notAHuntingResponse(cause.getMessage(), preview)));
      } else if (cause instanceof HuntingResultStreamParser.RowTooLargeException) {
        stop(new Body.Unusable(rowTooLarge(cause.getMessage())));
      } else {
        broke(cause);
      }
    }

    @Override
    public Future<Body> result() {
      return feed.done().map(v -> new Body.Rows(bytes));
    }

    @Override
    public Future<Void> write(Buffer data) {
      bytes += data.length();
      keep(preview, data, PREVIEW_BYTES);
      if (bytes > limits.maxBodyBytes()) {
        stop(new Body.Cut(bytes, limits.maxBodyBytes()));
        IOException cut = new IOException("the response passed " + limits.maxBodyBytes() + " bytes");
        feed.fail(cut);
        return Future.failedFuture(cut);
      }
      return feed.write(data);
    }

    @Override
    public Future<Void> end() {
      return feed.end();
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

  /** A 200 that is not JSON: read just far enough to say what it is, then given up on. */
  private final class PreviewStream extends Stream {
    private final Buffer preview = Buffer.buffer();
    private final Promise<Body> result = Promise.promise();

    private void judge() {
      String type = head.getHeader(HttpHeaders.CONTENT_TYPE);
      Body.Unusable unusable = new Body.Unusable(notAHuntingResponse(type == null ? "no Content-Type"
          : "not JSON", preview));
      stop(unusable);
      result.tryComplete(unusable);
    }

    @Override
    public Future<Body> result() {
      return result.future();
    }

    @Override
    public Future<Void> write(Buffer data) {
      keep(preview, data, PREVIEW_BYTES);
      if (preview.length() >= PREVIEW_BYTES) {
        judge();
        return Future.failedFuture(new IOException("not a hunting response"));
      }
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
      judge();
      return Future.succeededFuture();
    }
  }

  /** Any other status's body: its first {@link #MAX_ERROR_BODY} bytes as text; the rest is not read. */
  private final class TextStream extends Stream {
    private final Buffer text = Buffer.buffer();
    private final Promise<Body> result = Promise.promise();

    @Override
    public Future<Body> result() {
      return result.future();
    }

    @Override
    public Future<Void> write(Buffer data) {
      keep(text, data, MAX_ERROR_BODY);
      if (text.length() >= MAX_ERROR_BODY) {
        Body.Text enough = new Body.Text(text.toString(StandardCharsets.UTF_8));
        stop(enough);
        result.tryComplete(enough);
        return Future.failedFuture(new IOException("error body read far enough"));
      }
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
      result.tryComplete(new Body.Text(text.toString(StandardCharsets.UTF_8)));
      return Future.succeededFuture();
    }
  }

  private static void keep(Buffer kept, Buffer data, int max) {
    int room = max - kept.length();
    if (room > 0) {
      kept.appendBuffer(data.length() > room ? data.getBuffer(0, room) : data);
    }
  }

  /** What every body stream does the same way. */
  private abstract static class Stream implements BodyStream<Body> {
    @Override
    public void handle(Throwable failure) {
      // The pipe reports the connection's failures; nothing to add.
    }

    @Override
    public Stream exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public Stream setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public Stream drainHandler(Handler<Void> handler) {
      return this;
    }
  }
}
