package org.defenderadx.migration.worker.defender;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.impl.ClientPhase;
import io.vertx.ext.web.client.impl.HttpContext;
import io.vertx.ext.web.client.impl.WebClientInternal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.defenderadx.migration.common.config.MigrationTuning;

/**
 * Sends one hunting query through a {@link WebClient} and streams a successful response straight into a
 * {@link WindowBlobWriter}, parsed and gzip'd on a worker pool, in order; never holds the response whole. It does no
 * retrying and no classification: it reports what happened. Nor does it trust the response: a body is read only up
 * to its {@link ResponseLimits}, and a 200 is used only if it is a hunting response (see {@link HuntingBodyCodec}).
 *
 * <p>The body is read by a {@link HuntingBodyCodec}, which must know the response's status before it is handed the
 * body (a 200's body goes to the parser, any other is kept as text). The web client gives a body codec no response
 * head, so one interceptor hands it over; interceptors are the web client's internal API ({@code WebClientInternal},
 * "internal and subject to change"), the extension point its own session and caching clients are built on.
 */
public final class HuntingClient {

  /** The name of the worker pool the 4-argument constructor parses on. */
  public static final String PARSE_POOL = "hunting-parse";

  private final Vertx vertx;
  private final WebClient web;
  private final Clock clock;
  private final Duration callTimeout;
  private final WorkerExecutor parsePool;
  private final ResponseLimits limits;

  /** Parses on the shared worker pool {@value #PARSE_POOL}, one thread per core, within the default limits. */
  public HuntingClient(Vertx vertx, HttpClient http, Clock clock, Duration callTimeout) {
    this(vertx, http, clock, callTimeout, ResponseLimits.defaults());
  }

  /** Parses on the shared worker pool {@value #PARSE_POOL}, within the configured byte cap and row limit. */
  public HuntingClient(Vertx vertx, HttpClient http, Clock clock, Duration callTimeout, MigrationTuning tuning) {
    this(vertx, http, clock, callTimeout, ResponseLimits.of(tuning));
  }

  /** Parses on the shared worker pool {@value #PARSE_POOL}, one thread per core. */
  public HuntingClient(Vertx vertx, HttpClient http, Clock clock, Duration callTimeout, ResponseLimits limits) {
    this(vertx, http, clock, callTimeout,
        vertx.createSharedWorkerExecutor(PARSE_POOL, Runtime.getRuntime().availableProcessors()), limits);
  }

  /** Within the default limits. */
  public HuntingClient(Vertx vertx, HttpClient http, Clock clock, Duration callTimeout, WorkerExecutor parsePool) {
    this(vertx, http, clock, callTimeout, parsePool, ResponseLimits.defaults());
  }

  /**
   * @param http        the connection pool, keep-alive and TLS trust the calls use; the web client wraps it
   * @param callTimeout how long one call may take end to end; the service gives up after 3 minutes (200 s on the
   *                    legacy MDE API), so a little more than that
   * @param parsePool   where a response is parsed and gzip'd, off the event loop (CPU-bound work)
   * @param limits      how much of a response one call reads at most
   */
  public HuntingClient(Vertx vertx, HttpClient http, Clock clock, Duration callTimeout, WorkerExecutor parsePool,
                       ResponseLimits limits) {
    this.vertx = vertx;
    this.web = ((WebClientInternal) WebClient.wrap(http)).addInterceptor(HuntingClient::showHeadToCodec);
    this.clock = clock;
    this.callTimeout = callTimeout;
    this.parsePool = parsePool;
    this.limits = limits;
  }

  /** Hands a hunting call's response head to its body codec, which chooses where the body goes by it. */
  private static void showHeadToCodec(HttpContext<?> ctx) {
    if (ctx.phase() == ClientPhase.RECEIVE_RESPONSE && ctx.request().bodyCodec() instanceof HuntingBodyCodec codec) {
      codec.head(ctx.clientResponse());
    }
    ctx.next();
  }

  /**
   * @param url           the flavour's hunting endpoint
   * @param authorization the Authorization header value, if any
   * @param jsonBody      the request body ({@code {"Query": ..., "Timespan": ...}})
   * @param sink          receives the rows of a 200 response
   */
  public Future<HuntingResponse> run(URI url, Optional<String> authorization, String jsonBody, WindowBlobWriter sink) {
    Instant started = clock.instant();
    HuntingBodyCodec codec = new HuntingBodyCodec(parsePool, sink, limits);
    Promise<HuntingResponse> result = Promise.promise();
    long timer = vertx.setTimer(callTimeout.toMillis(), id -> {
      if (result.tryComplete(new HuntingResponse.TransportError(
          new TimeoutException("no complete response within " + callTimeout), true, since(started)))) {
        codec.abort();
      }
    });
    HttpRequest<HuntingBodyCodec.Body> request = web.postAbs(url.toString())
        .putHeader(HttpHeaders.CONTENT_TYPE.toString(), "application/json; charset=utf-8")
        .putHeader(HttpHeaders.ACCEPT.toString(), "application/json")
        .followRedirects(false)
        .idleTimeout(callTimeout.toMillis())
        .as(codec);
    authorization.ifPresent(a -> request.putHeader(HttpHeaders.AUTHORIZATION.toString(), a));
    request.sendBuffer(Buffer.buffer(jsonBody)).onComplete(ar -> {
      vertx.cancelTimer(timer);
      // What the codec cut short itself comes first: the web client then only reports the reset that followed.
      Optional<HuntingBodyCodec.Body> body = codec.stopped()
          .or(() -> ar.succeeded() ? Optional.of(ar.result().body()) : Optional.empty());
      result.tryComplete(body.isPresent() ? response(codec.head().orElseThrow(), body.get(), sink, started)
          : new HuntingResponse.TransportError(codec.failure().orElse(ar.cause()), false, since(started)));
    });
    return result.future();
  }

  private HuntingResponse response(HttpClientResponse head, HuntingBodyCodec.Body body, WindowBlobWriter sink,
                                   Instant started) {
    Optional<Instant> date = serviceDate(head.getHeader(HttpHeaders.DATE));
    Duration elapsed = since(started);
    if (body instanceof HuntingBodyCodec.Body.Text error) {
      return new HuntingResponse.HttpError(head.statusCode(), error.text(),
          Optional.ofNullable(head.getHeader("Retry-After")), date, elapsed);
    }
    if (body instanceof HuntingBodyCodec.Body.Cut cut) {
      return new HuntingResponse.Cut(cut.bytesRead(), cut.limit(), date, elapsed);
    }
    if (body instanceof HuntingBodyCodec.Body.Unusable unusable) {
      return new HuntingResponse.Unusable(head.statusCode(), unusable.reason(), date, elapsed);
    }
    return new HuntingResponse.Rows(sink, ((HuntingBodyCodec.Body.Rows) body).bytes(), date, elapsed);
  }

  private Duration since(Instant started) {
    return Duration.between(started, clock.instant());
  }

  static Optional<Instant> serviceDate(String date) {
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
