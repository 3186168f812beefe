package org.defenderadx.migration.worker.export;

import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.outcome.Attempt;
import org.defenderadx.migration.common.outcome.Outcome;
import org.defenderadx.migration.common.outcome.OutcomeClassifier;
import org.defenderadx.migration.common.outcome.ServiceWaits;
import org.defenderadx.migration.common.query.HuntingQueries;
import org.defenderadx.migration.common.query.HuntingRequestBody;
import org.defenderadx.migration.common.query.ResultCompleteness;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowNotSplittableException;
import org.defenderadx.migration.common.window.WindowSplitter;
import org.defenderadx.migration.worker.defender.HuntingClient;
import org.defenderadx.migration.worker.defender.HuntingResponse;
import org.defenderadx.migration.worker.defender.Provenance;
import org.defenderadx.migration.worker.defender.WindowBlobWriter;
import org.defenderadx.migration.worker.observe.EngineObserver;
import org.defenderadx.migration.worker.quota.CallGate;
import org.defenderadx.migration.worker.quota.SharedCallBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches one window of one table: takes a permit from the tenant's shared budget, calls the API through the
 * tenant's circuit breaker, streams the rows into a blob, and decides from the same call whether the window was
 * complete. Every outcome goes through the one {@link OutcomeClassifier}; waits and retries happen here, each one
 * taking a permit again.
 */
public final class WindowFetcher {

  private static final Logger LOG = LoggerFactory.getLogger(WindowFetcher.class);
  /**
   * Graph filters the event Timestamp by the Timespan, while windows are cut on ingestion time: a row ingested in
   * the window may carry a Timestamp up to days older (devices report late). So the Timespan reaches this far
   * before the window's start.
   */
  private static final Duration TIMESPAN_BACK = Duration.ofDays(30);

  private final Vertx vertx;
  private final HuntingClient client;
  private final SharedCallBudget budget;
  private final OutcomeClassifier classifier;
  private final WindowSplitter splitter;
  private final TimeSource time;
  private final long blobTargetBytes;
  private final ServiceClock serviceClock;
  private volatile EngineObserver observer = EngineObserver.NONE;
  /** Per tenant, the calls in flight from this node ({@code api.maxConcurrentCalls}). */
  private final Map<String, CallGate> gates = new ConcurrentHashMap<>();
  /** Per tenant, when this node's calls of the last minute were made (to learn a rate no 429 states). */
  private final Map<String, ArrayDeque<Instant>> recentCalls = new ConcurrentHashMap<>();

  public WindowFetcher(Vertx vertx, HuntingClient client, SharedCallBudget budget, OutcomeClassifier classifier,
                       WindowSplitter splitter, TimeSource time, long blobTargetBytes) {
    this(vertx, client, budget, classifier, splitter, time, blobTargetBytes, new ServiceClock());
  }

  /** @param serviceClock learns the service's clock from every response's {@code Date} */
  public WindowFetcher(Vertx vertx, HuntingClient client, SharedCallBudget budget, OutcomeClassifier classifier,
                       WindowSplitter splitter, TimeSource time, long blobTargetBytes, ServiceClock serviceClock) {
    this.vertx = vertx;
    this.client = client;
    this.budget = budget;
    this.classifier = classifier;
    this.splitter = splitter;
    this.time = time;
    this.blobTargetBytes = blobTargetBytes;
    this.serviceClock = serviceClock;
  }

  /**
   * Room a window reserves in the node's in-flight budget before it is fetched ({@code adx.blobTargetSize}); once
   * built, its gzip'd blob keeps what it takes of it. A complete answer is never fetched again for its blob's size.
   */
  public long blobTargetBytes() {
    return blobTargetBytes;
  }

  /** Reports every answer, 429, split and fetched window to {@code observer} (metrics, status). */
  public void observe(EngineObserver observer) {
    this.observer = observer;
  }

  /** The KQL for a window of an incremental table. */
  public static String query(ResolvedTable table, Window window) {
    return HuntingQueries.window(table.sourceTable(), table.watermark(), window);
  }

  public Future<Fetched> fetch(TenantContext tenant, ResolvedTable table, Window window, String query,
                               Provenance provenance) {
    Promise<Fetched> done = Promise.promise();
    attempt(tenant, table, window, query, provenance, Attempt.first(), FetchStats.none(), done);
    return done.future();
  }

  private void attempt(TenantContext tenant, ResolvedTable table, Window window, String query, Provenance provenance,
                       Attempt attempt, FetchStats stats, Promise<Fetched> done) {
    if (tenant.breaker().state() == CircuitBreakerState.OPEN) {
      // No call while the breaker is open; the half-open probe that follows takes a permit like any call.
      vertx.setTimer(time.realDelayMillis(Duration.ofSeconds(5)),
          id -> attempt(tenant, table, window, query, provenance, attempt, stats, done));
      return;
    }
    CallGate gate = gates.computeIfAbsent(tenant.key(), k -> new CallGate(tenant.config().api().maxConcurrentCalls()));
    gate.acquire()
        .compose(open -> budget.acquire(tenant.key(), tenant.limits())
            .compose(granted -> {
              called(tenant.key());
              return tenant.tokens().authorization();
            })
            .compose(auth -> tenant.breaker().<HuntingResponse>execute(() -> call(tenant, auth, window, query,
                provenance)))
            .onComplete(x -> gate.release()))
        .onComplete(ar -> {
          if (ar.failed() && ar.cause() instanceof ServiceFailure failure) {
            handle(tenant, table, window, query, provenance, attempt, stats, failure.response, done);
            return;
          }
          if (ar.failed()) {
            // Token failure, or the breaker refused / recorded a failure: back off and try again, bounded.
            Outcome outcome = classifier.classifyFailure(tenant.config().api().flavour(), ar.cause(), attempt);
            retryOrFail(tenant, table, window, query, provenance, attempt, stats.plusServerError(), outcome, done);
            return;
          }
          handle(tenant, table, window, query, provenance, attempt, stats, ar.result(), done);
        });
  }

  private Future<HuntingResponse> call(TenantContext tenant, Optional<String> auth, Window window, String query,
                                       Provenance provenance) {
    WindowBlobWriter writer;
    try {
      writer = new WindowBlobWriter(provenance, 256 * 1024);
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    Instant now = time.now();
    Instant hi = window.hi().isAfter(now) ? window.hi() : now;
    String body = HuntingRequestBody.json(tenant.config().api().flavour(), query,
        Optional.of(HuntingRequestBody.interval(window.lo().minus(TIMESPAN_BACK), hi.plus(Duration.ofHours(1)))));
    return client.run(tenant.config().api().huntingUrl(), auth, body, writer).compose(resp -> {
      // Only failures of the service itself count against the breaker; a 4xx or 429 is an answer.
      boolean serviceFailure = resp instanceof HuntingResponse.TransportError
          || resp instanceof HuntingResponse.HttpError e && e.status() >= 500;
      return serviceFailure ? Future.failedFuture(new ServiceFailure(resp)) : Future.succeededFuture(resp);
    });
  }

  private void handle(TenantContext tenant, ResolvedTable table, Window window, String query, Provenance provenance,
                      Attempt attempt, FetchStats stats, HuntingResponse resp, Promise<Fetched> done) {
    FetchStats s = stats.plusCall(resp.elapsed(), resp.serviceDate());
    resp.serviceDate().ifPresent(d -> serviceClock.observe(tenant.key(), d, time.now()));
    observer.apiCall(tenant.key(), table.sourceTable(), resp instanceof HuntingResponse.HttpError e ? e.status()
        : resp instanceof HuntingResponse.TransportError ? 0 : 200);
    if (resp instanceof HuntingResponse.Cut cut) { // too large for one call, like a truncated result
      observer.windowSplit(tenant.key(), table.sourceTable());
      split(window, "response cut off at " + cut.bytesRead() + " bytes (more than the byte cap's " + cut.limit()
          + ")", s, done);
      return;
    }
    if (resp instanceof HuntingResponse.Unusable unusable) {
      done.complete(new Fetched.Failed(window, unusable.reason(), s));
      return;
    }
    if (resp instanceof HuntingResponse.Rows rows) {
      WindowBlobWriter blob = rows.blob();
      OptionalLong total = blob.windowTotal() < 0 ? OptionalLong.empty() : OptionalLong.of(blob.windowTotal());
      ResultCompleteness completeness = ResultCompleteness.of(blob.rows(), total);
      // A complete answer is kept whatever its blob's size: the blob is bounded by the byte cap the answer met, and
      // fetching a complete result again in smaller parts would cost calls for our own storage's sake.
      if (completeness == ResultCompleteness.TRUNCATED) {
        observer.windowSplit(tenant.key(), table.sourceTable());
        split(window, "result cut at " + blob.rows() + " of " + total.getAsLong() + " rows", s, done);
        return;
      }
      if (completeness == ResultCompleteness.INCONSISTENT) {
        Outcome retry = classifier.classifyFailure(tenant.config().api().flavour(),
            new IOException("row count disagrees with the window total"), attempt);
        retryOrFail(tenant, table, window, query, provenance, attempt, s, retry, done);
        return;
      }
      try {
        done.complete(new Fetched.Complete(window, blob.finish(), blob.rows(), blob.uncompressedBytes(), rows.bytes(), s,
            blob.schema(), blob.sourceCount() < 0 ? Optional.empty()
                : Optional.of(SnapshotFingerprintReader.fingerprint(blob.sourceCount(), blob.sourceNewest()))));
        observer.rowsFetched(tenant.key(), table.sourceTable(), blob.rows());
      } catch (IOException e) {
        done.fail(e);
      }
      return;
    }
    if (resp instanceof HuntingResponse.TransportError t) {
      Outcome outcome = classifier.classifyFailure(tenant.config().api().flavour(), t.cause(), attempt);
      retryOrFail(tenant, table, window, query, provenance, attempt, s.plusServerError(), outcome, done);
      return;
    }
    HuntingResponse.HttpError error = (HuntingResponse.HttpError) resp;
    Map<String, List<String>> headers = error.retryAfter().map(v -> Map.of("Retry-After", List.of(v))).orElse(Map.of());
    Outcome outcome = classifier.classify(tenant.config().api().flavour(), error.status(), headers, error.body(), attempt);
    switch (outcome.action()) {
      case WAIT -> {
        FetchStats counted = s.plusCallQuota429();
        observer.throttled(tenant.key(), table.sourceTable(), EngineObserver.ThrottleKind.CALL_QUOTA);
        LOG.debug("{} {}: {}", table.sourceTable(), window, outcome.explanation());
        // The service's wait holds for the whole tenant, on every node: its budget is paused until then, so other
        // windows do not spend calls on more 429s. A 429 is not a failed try: the call is made again when the
        // service allows, with its retries intact.
        Instant until = outcome.resumeAt().orElse(time.now());
        // And the tenant's rate is lowered for every node: to the rate the message states; else, when no Retry-After
        // came either (Graph), to the calls this node made in the minute that met the limit, less the one refused
        // (the tenant waits out that minute, so the service's window has drained when calls resume).
        OptionalInt stated = ServiceWaits.statedPerMinute(error.body() == null ? ""
            : error.body().toLowerCase(Locale.ROOT));
        if (stated.isEmpty() && error.retryAfter().isEmpty()) {
          stated = OptionalInt.of(Math.max(2, callsInLastMinute(tenant.key()) - 1));
        }
        budget.throttled(tenant.key(), tenant.limits(), until, stated).onComplete(x -> later(until,
            () -> attempt(tenant, table, window, query, provenance, attempt.afterThrottle(), counted, done)));
      }
      case PAUSE_TENANT -> {
        Instant until = outcome.resumeAt().orElse(OutcomeClassifier.nextCpuCycle(time.now()));
        observer.throttled(tenant.key(), table.sourceTable(), EngineObserver.ThrottleKind.CPU_QUOTA);
        budget.pauseUntil(tenant.key(), tenant.limits(), until)
            .onComplete(x -> done.complete(new Fetched.Paused(window, until, outcome.explanation(), s.plusCpuQuota429())));
      }
      case SPLIT_WINDOW -> {
        observer.windowSplit(tenant.key(), table.sourceTable());
        split(window, outcome.explanation(), s, done);
      }
      case REFRESH_TOKEN -> {
        if (attempt.tokenRefreshed()) {
          done.complete(new Fetched.Failed(window, outcome.explanation(), s));
        } else {
          tenant.tokens().refresh().onComplete(x ->
              attempt(tenant, table, window, query, provenance, attempt.afterTokenRefresh(), s, done));
        }
      }
      case BACK_OFF -> retryOrFail(tenant, table, window, query, provenance, attempt, s.plusServerError(), outcome, done);
      case FAIL_TABLE, PROCEED -> done.complete(new Fetched.Failed(window,
          SourceUnavailable.reason(table.sourceTable(), outcome, describe(outcome)).orElse(describe(outcome)), s));
    }
  }

  /** Notes a call of {@code tenantKey} made now, forgetting those over a minute old. */
  private void called(String tenantKey) {
    Instant now = time.now();
    ArrayDeque<Instant> calls = recentCalls.computeIfAbsent(tenantKey, k -> new ArrayDeque<>());
    synchronized (calls) {
      calls.addLast(now);
      forgetOld(calls, now);
    }
  }

  private int callsInLastMinute(String tenantKey) {
    ArrayDeque<Instant> calls = recentCalls.get(tenantKey);
    if (calls == null) {
      return 0;
    }
    synchronized (calls) {
      forgetOld(calls, time.now());
      return calls.size();
    }
  }

  private static void forgetOld(ArrayDeque<Instant> calls, Instant now) {
    Instant minuteAgo = now.minus(OutcomeClassifier.QUOTA_WINDOW);
    while (!calls.isEmpty() && !calls.peekFirst().isAfter(minuteAgo)) {
      calls.removeFirst();
    }
  }

  private void retryOrFail(TenantContext tenant, ResolvedTable table, Window window, String query,
                           Provenance provenance, Attempt attempt, FetchStats stats, Outcome outcome,
                           Promise<Fetched> done) {
    if (outcome.retriesExhausted()) {
      done.complete(new Fetched.Failed(window, describe(outcome), stats));
      return;
    }
    later(outcome.resumeAt().orElse(time.now()),
        () -> attempt(tenant, table, window, query, provenance, attempt.next(), stats, done));
  }

  private void split(Window window, String why, FetchStats stats, Promise<Fetched> done) {
    try {
      done.complete(new Fetched.Split(window, splitter.split(window), why, stats));
    } catch (WindowNotSplittableException e) {
      done.complete(new Fetched.Failed(window, why + ", and the window cannot be split further: " + e.getMessage(),
          stats));
    }
  }

  private void later(Instant at, Runnable action) {
    vertx.setTimer(time.realDelayMillis(Duration.between(time.now(), at)), id -> action.run());
  }

  private static String describe(Outcome outcome) {
    StringBuilder sb = new StringBuilder(outcome.explanation());
    if (!outcome.serviceMessage().isEmpty() && !outcome.explanation().contains(outcome.serviceMessage())) {
      sb.append(" (service said: ").append(outcome.serviceMessage()).append(')');
    }
    if (!outcome.requestId().isEmpty()) {
      sb.append(" [request id ").append(outcome.requestId()).append(']');
    }
    return sb.toString();
  }

  /** A 5xx or transport failure, reported to the circuit breaker as a failure. */
  static final class ServiceFailure extends RuntimeException {
    final transient HuntingResponse response;

    ServiceFailure(HuntingResponse response) {
      super(response instanceof HuntingResponse.HttpError e ? "HTTP " + e.status()
          : ((HuntingResponse.TransportError) response).cause().toString(), null, false, false);
      this.response = response;
    }
  }
}
