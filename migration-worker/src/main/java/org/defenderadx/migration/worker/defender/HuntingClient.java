package org.defenderadx.migration.worker.defender;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends one hunting query and streams a successful response straight into a {@link WindowBlobWriter}, parsed and
 * gzip'd on a worker pool, in order; never holds the response whole. It does no retrying and no classification: it reports what happened.
 */
public final class HuntingClient {

  /** Error bodies are read up to this size; more is never needed to classify them. */
  private static final int MAX_ERROR_BODY = 64 * 1024;
  /** The name of the worker pool the 4-argument constructor parses on. */
  public static final String PARSE_POOL = "hunting-parse";

  private final Vertx vertx;
  private final HttpClient http;
  private final Clock clock;
  private final Duration callTimeout;
  private final WorkerExecutor parsePool;

  /** Parses on the shared worker pool {@value #PARSE_POOL}, one thread per core. */
  public HuntingClient(Vertx vertx, HttpClient http, Clock clock, Duration callTimeout) {
    this(vertx, http, clock, callTimeout,
        vertx.createSharedWorkerExecutor(PARSE_POOL, Runtime.getRuntime().availableProcessors()));
  }

  /**
   * @param callTimeout how long one call may take end to end; the service gives up after 3 minutes (200 s on the
   *                    legacy MDE API), so a little more than that
   * @param parsePool   where a response is parsed and gzip'd, off the event loop (CPU-bound work)
   */
  public HuntingClient(Vertx vertx, HttpClient http, Clock clock, Duration callTimeout, WorkerExecutor parsePool) {
    this.vertx = vertx;
    this.http = http;
    this.clock = clock;
    this.callTimeout = callTimeout;
    this.parsePool = parsePool;
  }

  /**
   * @param url           the flavour's hunting endpoint
   * @param authorization the Authorization header value, if any
   * @param jsonBody      the request body ({@code {"Query": ..., "Timespan": ...}})
   * @param sink          receives the rows of a 200 response
   */
  public Future<HuntingResponse> run(URI url, Optional<String> authorization, String jsonBody, WindowBlobWriter sink) {
    Instant started = clock.instant();
    Promise<HuntingResponse> result = Promise.promise();
    AtomicBoolean done = new AtomicBoolean();
    long timer = vertx.setTimer(callTimeout.toMillis(), id -> {
      if (done.compareAndSet(false, true)) {
        result.complete(new HuntingResponse.TransportError(
            new TimeoutException("no complete response within " + callTimeout), true, since(started)));
      }
    });
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(url.toString())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8")
        .putHeader(HttpHeaders.ACCEPT, "application/json")
        .setIdleTimeout(callTimeout.toMillis());
    authorization.ifPresent(a -> options.putHeader(HttpHeaders.AUTHORIZATION, a));

    http.request(options)
        .compose(req -> req.send(Buffer.buffer(jsonBody)))
        .compose(resp -> resp.statusCode() == 200 ? streamRows(resp, sink, started) : readError(resp, started))
        .onComplete(ar -> {
          if (done.compareAndSet(false, true)) {
            vertx.cancelTimer(timer);
            result.complete(ar.succeeded() ? ar.result()
                : new HuntingResponse.TransportError(ar.cause(), false, since(started)));
          }
        });
    return result.future();
  }

  private Future<HuntingResponse> streamRows(HttpClientResponse resp, WindowBlobWriter sink, Instant started) {
    WorkerPoolFeed feed = new WorkerPoolFeed(parsePool, resp, new HuntingResultStreamParser(sink));
    resp.handler(feed::chunk);
    resp.exceptionHandler(feed::fail);
    resp.endHandler(v -> feed.end());
    return feed.done().map(v -> new HuntingResponse.Rows(sink, serviceDate(resp), since(started)));
  }

  private Future<HuntingResponse> readError(HttpClientResponse resp, Instant started) {
    Buffer body = Buffer.buffer();
    Promise<HuntingResponse> promise = Promise.promise();
    resp.handler(b -> {
      if (body.length() < MAX_ERROR_BODY) {
        body.appendBuffer(b.length() + body.length() > MAX_ERROR_BODY ? b.getBuffer(0, MAX_ERROR_BODY - body.length()) : b);
      }
    });
    resp.exceptionHandler(promise::tryFail);
    resp.endHandler(v -> promise.tryComplete(new HuntingResponse.HttpError(resp.statusCode(), body.toString(),
        Optional.ofNullable(resp.getHeader("Retry-After")), serviceDate(resp), since(started))));
    return promise.future();
  }

  private Duration since(Instant started) {
    return Duration.between(started, clock.instant());
  }

  static Optional<Instant> serviceDate(HttpClientResponse resp) {
    String date = resp.getHeader(HttpHeaders.DATE);
    if (date == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
