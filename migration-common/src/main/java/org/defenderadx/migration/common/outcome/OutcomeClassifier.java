package org.defenderadx.migration.common.outcome;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import org.defenderadx.migration.common.json.Json;
import org.defenderadx.migration.common.model.ApiFlavour;

/**
 * The one place that turns an Advanced Hunting response (status, headers, body) or a transport failure into an
 * {@link Outcome}. Messages are matched case-insensitively on the documented texts, whichever flavour's error
 * envelope carries them (legacy {@code {"error":{"code","message","target"}}}, Graph
 * {@code {"error":{"code","message","innerError":{...}}}}), or on the raw body when it is not JSON.
 */
public final class OutcomeClassifier {
  private static final Duration CPU_CYCLE = Duration.ofMinutes(15);
  private static final int MAX_MESSAGE_CHARS = 2_000;

  private static final List<String> CPU_QUOTA_TEXTS = List.of("processing resources", "cpu", "running time",
      "execution time", "resources allocated");
  private static final List<String> SIZE_CAP_TEXTS = List.of("exceeded the allowed result size",
      "result size limit exceeded", "query result size exceeded", "result set too large", "result_set_too_large");
  private static final List<String> PREEMPTED_TEXTS = List.of("exceeded the allowed limits", "preempted",
      "excessive resource consumption", "exceeded the timeout period", "timed out");

  private final Clock clock;
  private final Random random;
  private final RetryPolicy retryPolicy;
  private final Duration maxServiceWait;

  /** Waits at most {@link ServiceWaits#DEFAULT_MAX} when the service asks for longer. */
  public OutcomeClassifier(Clock clock, Random random, RetryPolicy retryPolicy) {
    this(clock, random, retryPolicy, ServiceWaits.DEFAULT_MAX);
  }

  /**
   * @param maxServiceWait the longest wait any answer can impose ({@code Retry-After}, "again in ...", the CPU
   *                       quota's cycle); a service asking for more is asking for this
   */
  public OutcomeClassifier(Clock clock, Random random, RetryPolicy retryPolicy, Duration maxServiceWait) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
    if (maxServiceWait.isNegative() || maxServiceWait.isZero()) {
      throw new IllegalArgumentException("maxServiceWait must be positive: " + maxServiceWait);
    }
    this.maxServiceWait = maxServiceWait;
  }

  /**
   * @param headers response headers, any name case (as {@code java.net.http.HttpHeaders.map()} gives them)
   * @param body the response body text, may be null or empty
   */
  public Outcome classify(ApiFlavour flavour, int status, Map<String, List<String>> headers, String body,
      Attempt attempt) {
    Instant now = clock.instant();
    ErrorBody error = ErrorBody.parse(body);
    String requestId = error.requestId.isEmpty() ? header(headers, "request-id")
        .or(() -> header(headers, "x-ms-request-id")).orElse("") : error.requestId;
    String message = error.message;
    String haystack = (message + " " + error.code + " " + (error.json ? "" : nullToEmpty(body)))
        .toLowerCase(Locale.ROOT);

    if (status >= 200 && status < 300) {
      return outcome(OutcomeKind.SUCCESS, status, Optional.empty(), error, requestId, "ok", false);
    }
    if (status == 429) {
      if (containsAny(haystack, CPU_QUOTA_TEXTS)) {
        Instant until = ServiceWaits.runAgainIn(haystack, maxServiceWait).map(now::plus)
            .orElse(earliest(nextCpuCycle(now), now.plus(maxServiceWait)));
        return outcome(OutcomeKind.CPU_QUOTA_429, status, Optional.of(until), error, requestId,
            "tenant CPU quota exhausted on " + flavour.configName() + "; pausing the tenant until " + until, false);
      }
      // The service's word first: a Retry-After, then the quota window its message states ("maximum allowed 45 per
      // 00:01:00": by then every counted call has left it); else the documented window, a minute (Graph's 429 states
      // neither): a service that counts refused calls in its window refuses every call until the window has drained,
      // so a shorter wait only spends calls on more 429s. A little jitter spreads the calls that resume.
      Instant until = retryAfter(headers, now, maxServiceWait)
          .or(() -> ServiceWaits.quotaWindow(haystack, maxServiceWait).map(now::plus))
          .orElseGet(() -> now.plus(QUOTA_WINDOW).plusMillis((long) (random.nextDouble() * QUOTA_JITTER_MILLIS)));
      return outcome(OutcomeKind.CALL_QUOTA_429, status, Optional.of(until), error, requestId,
          "call-rate quota exceeded on " + flavour.configName() + "; waiting until " + until, false);
    }
    if (status == 400) {
      if (containsAny(haystack, SIZE_CAP_TEXTS)) {
        return outcome(OutcomeKind.SIZE_CAP_400, status, Optional.empty(), error, requestId,
            "result exceeded the size cap; splitting the window", false);
      }
      if (containsAny(haystack, PREEMPTED_TEXTS)) {
        return outcome(OutcomeKind.PREEMPTED_400, status, Optional.empty(), error, requestId,
            "query exceeded the allowed limits (preempted); splitting the window", false);
      }
      return outcome(OutcomeKind.OTHER_400, status, Optional.empty(), error, requestId,
          "the service rejected the query: " + (message.isEmpty() ? "(no message)" : message), false);
    }
    if (status == 401) {
      boolean exhausted = attempt.tokenRefreshed();
      return outcome(OutcomeKind.UNAUTHORIZED_401, status, Optional.empty(), error, requestId,
          exhausted ? "still unauthorized after a token refresh: check that the token is issued for "
              + flavour.defaultScope() + " (" + (message.isEmpty() ? "no message" : message) + ")"
              : "token rejected; refreshing it once", exhausted);
    }
    if (status == 403) {
      return outcome(OutcomeKind.FORBIDDEN_403, status, Optional.empty(), error, requestId,
          "forbidden: the app registration needs the " + flavour.permission() + " application permission"
              + " (with admin consent) for " + flavour.defaultBaseUrl()
              + (message.isEmpty() ? "" : " (" + message + ")"), false);
    }
    if (status == 408) {
      return transientOutcome(OutcomeKind.TIMEOUT, status, headers, now, attempt, error, requestId,
          "request timed out (408)");
    }
    if (status >= 500 && status < 600) {
      return transientOutcome(OutcomeKind.SERVER_5XX, status, headers, now, attempt, error, requestId,
          "server error " + status + (message.isEmpty() ? "" : ": " + message));
    }
    return outcome(OutcomeKind.UNEXPECTED_STATUS, status, Optional.empty(), error, requestId,
        "unexpected HTTP status " + status + " from " + flavour.configName() + " (check the base URL)"
            + (message.isEmpty() ? "" : ": " + message), false);
  }

  /** A call that got no HTTP answer: a timeout (any {@code *Timeout*} exception in the chain) or a failed connection. */
  public Outcome classifyFailure(ApiFlavour flavour, Throwable failure, Attempt attempt) {
    Instant now = clock.instant();
    boolean timeout = false;
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getClass().getSimpleName().toLowerCase(Locale.ROOT).contains("timeout")
          || t instanceof java.util.concurrent.TimeoutException) {
        timeout = true;
        break;
      }
    }
    ErrorBody none = ErrorBody.parse(null);
    String what = (timeout ? "no answer in time from " : "connection to ") + flavour.configName()
        + (timeout ? "" : " failed") + ": " + failure;
    return transientOutcome(timeout ? OutcomeKind.TIMEOUT : OutcomeKind.CONNECTION_FAILED, 0, Map.of(), now,
        attempt, none, "", what);
  }

  private Outcome transientOutcome(OutcomeKind kind, int status, Map<String, List<String>> headers, Instant now,
      Attempt attempt, ErrorBody error, String requestId, String what) {
    boolean exhausted = attempt.number() >= retryPolicy.maxAttempts();
    Instant until = retryAfter(headers, now, maxServiceWait).orElseGet(() -> now.plus(backoff(attempt)));
    String explanation = exhausted ? what + "; giving up after " + attempt.number() + " attempts"
        : what + "; retrying at " + until;
    return outcome(kind, status, exhausted ? Optional.empty() : Optional.of(until), error, requestId, explanation,
        exhausted);
  }

  private static Outcome outcome(OutcomeKind kind, int status, Optional<Instant> resumeAt, ErrorBody error,
      String requestId, String explanation, boolean exhausted) {
    return new Outcome(kind, status, resumeAt, error.message, error.code, requestId, explanation, exhausted);
  }

  /** The documented call-quota window: how long an unstated call-quota 429 makes the tenant wait. */
  public static final Duration QUOTA_WINDOW = Duration.ofMinutes(1);
  static final long QUOTA_JITTER_MILLIS = 5_000;

  /** Exponential backoff with the upper half jittered from the injected random source. */
  Duration backoff(Attempt attempt) {
    int doublings = Math.min(attempt.number() - 1, 30);
    long ceiling = Math.min(retryPolicy.maxDelay().toMillis(), retryPolicy.baseDelay().toMillis() << doublings);
    long half = ceiling / 2;
    return Duration.ofMillis(half + (long) (random.nextDouble() * (ceiling - half)));
  }

  /** The first 15-minute boundary after {@code now}, when the tenant's CPU allocation refills. */
  public static Instant nextCpuCycle(Instant now) {
    long cycle = CPU_CYCLE.getSeconds();
    return Instant.ofEpochSecond(Math.floorDiv(now.getEpochSecond(), cycle) * cycle + cycle);
  }

  /** {@code Retry-After} as whole seconds, decimal seconds ({@code 2.128}) or an HTTP date, at most {@code max}. */
  static Optional<Instant> retryAfter(Map<String, List<String>> headers, Instant now, Duration max) {
    return header(headers, "Retry-After").flatMap(v -> ServiceWaits.retryAfter(v, now, max)).map(now::plus);
  }

  private static Instant earliest(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static Optional<String> header(Map<String, List<String>> headers, String name) {
    if (headers == null) {
      return Optional.empty();
    }
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && e.getValue() != null
          && !e.getValue().isEmpty() && e.getValue().get(0) != null) {
        return Optional.of(e.getValue().get(0));
      }
    }
    return Optional.empty();
  }

  private static boolean containsAny(String haystack, List<String> needles) {
    for (String n : needles) {
      if (haystack.contains(n)) {
        return true;
      }
    }
    return false;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  /** The parts of either flavour's error envelope the classifier needs. */
  private record ErrorBody(boolean json, String code, String message, String requestId) {
    static ErrorBody parse(String body) {
      if (body == null || body.isBlank()) {
        return new ErrorBody(false, "", "", "");
      }
      Object root;
      try {
        root = Json.parse(body);
      } catch (IllegalArgumentException notJson) {
        return new ErrorBody(false, "", clip(body.trim()), "");
      }
      Map<?, ?> error = asMap(get(root, "error")).orElse(asMap(root).orElse(Map.of()));
      Map<?, ?> inner = asMap(get(error, "innerError")).orElse(Map.of());
      String message = text(get(error, "message"));
      if (message.isEmpty()) {
        message = text(get(inner, "message"));
      }
      String requestId = text(get(inner, "request-id"));
      if (requestId.isEmpty()) {
        requestId = text(get(error, "target"));
      }
      return new ErrorBody(true, text(get(error, "code")), clip(message), requestId);
    }

    private static Object get(Object map, String key) {
      if (!(map instanceof Map<?, ?> m)) {
        return null;
      }
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (e.getKey() instanceof String k && k.equalsIgnoreCase(key)) {
          return e.getValue();
        }
      }
      return null;
    }

    private static Optional<Map<?, ?>> asMap(Object o) {
      return o instanceof Map<?, ?> m ? Optional.of(m) : Optional.empty();
    }

    private static String text(Object o) {
      return o == null ? "" : o instanceof BigDecimal n ? n.toPlainString() : String.valueOf(o);
    }

    private static String clip(String s) {
      return s.length() <= MAX_MESSAGE_CHARS ? s : s.substring(0, MAX_MESSAGE_CHARS) + "...";
    }
  }
}
