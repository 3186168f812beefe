package org.defenderadx.migration.common.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.defenderadx.migration.common.model.ApiFlavour;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OutcomeClassifierTest {
  private static final Instant NOW = Instant.parse("2026-11-01T10:07:30Z");
  private final OutcomeClassifier classifier =
      new OutcomeClassifier(Clock.fixed(NOW, ZoneOffset.UTC), new Random(5), RetryPolicy.defaults());

  // Bodies verbatim from research/defender-api.md §2.2.
  static final String LEGACY_CALLS_PER_MINUTE = "{ \"error\": { \"code\": \"429\", \"message\": \"API calls quota "
      + "exceeded! maximum allowed 45 per 00:01:00\", \"target\": \"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\" } }";
  static final String LEGACY_CALLS_PER_HOUR = "{ \"error\": { \"code\": \"429\", \"message\": \"API calls quota "
      + "exceeded! maximum allowed 1500 per 01:00:00\", \"target\": \"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\" } }";
  static final String GRAPH_THROTTLED = "{ \"error\": { \"code\": \"TooManyRequests\", \"innerError\": { \"code\": "
      + "\"429\", \"date\": \"2020-08-18T12:51:51\", \"message\": \"Please retry after\", \"request-id\": "
      + "\"94fb3b52-452a-4535-a601-69e0a90e3aa2\", \"status\": \"429\" }, \"message\": \"Please retry again later.\" } }";
  static final String CPU_QUOTA = "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"You have exceeded processing "
      + "resources allocated to this tenant. You can run queries again in 00:07:30.\"}}";
  static final String CPU_QUOTA_NO_DURATION = "{\"error\":{\"code\":\"429\",\"message\":\"You have exceeded "
      + "processing resources allocated to this tenant.\",\"target\":\"t\"}}";
  static final String LEGACY_SIZE = "{\"error\":{\"code\":\"BadRequest\",\"message\":\"Query execution has exceeded "
      + "the allowed result size. Optimize your query by limiting the number of results and try again\","
      + "\"target\":\"1fa66c0f-18bd-4133-b378-36d76f3a2ba0\"}}";
  static final String PORTAL_SIZE = "{\"error\":{\"code\":\"BadRequest\",\"message\":\"Result size limit exceeded. "
      + "Use \\\"summarize\\\" to aggregate results, \\\"project\\\" to drop uninteresting columns, or \\\"take\\\" to "
      + "truncate results.\"}}";
  static final String GRAPH_PREEMPTED = "{\"error\":{\"code\":\"BadRequest\",\"message\":\"Query execution has "
      + "exceeded the allowed limits. The query execution was preempted. This could possibly be due to high CPU "
      + "and/or memory resource consumption. Optimize your query by following best practices and try again.\","
      + "\"innerError\":{\"date\":\"2024-05-01T10:00:00\",\"request-id\":\"r-1\",\"client-request-id\":\"c-1\"}}}";
  static final String EXCESSIVE = "{\"error\":{\"code\":\"BadRequest\",\"message\":\"Query stopped due to excessive "
      + "resource consumption.\"}}";
  static final String SEMANTIC = "{\"error\":{\"code\":\"BadRequest\",\"message\":\"'project' operator: Failed to "
      + "resolve scalar expression named 'X'\",\"innerError\":{\"request-id\":\"r-2\"}}}";
  static final String MISSING_QUERY = "{\"error\":{\"code\":\"InvalidRequestBody\",\"message\":\"Missing query.\","
      + "\"target\":\"|8b7d5947-428b0a9cb9bb1600.\"}}";
  static final String UNAUTHORIZED = "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"Unauthorized request - "
      + "reason of failure: Account mode is inactive\"}}";
  static final String FORBIDDEN = "{\"code\":\"Forbidden\",\"message\":\"Missing application roles. API required "
      + "roles: AdvancedQuery.Read.All, application roles\"}";
  static final String UNKNOWN_ERROR = "{ \"error\": { \"code\": \"UnknownError\", \"message\": \"\", \"innerError\": "
      + "{ \"date\": \"2022-11-02T13:22:02\", \"request-id\": \"1033a640-1c97-48f2-a1ad-face30df60a6\", "
      + "\"client-request-id\": \"1033a640-1c97-48f2-a1ad-face30df60a6\" } } }";

  static Stream<Arguments> documentedResponses() {
    return Stream.of(
        Arguments.of(ApiFlavour.MDE, 200, "{\"Schema\":[],\"Results\":[]}", OutcomeKind.SUCCESS),
        Arguments.of(ApiFlavour.GRAPH, 200, "{\"schema\":[],\"results\":[]}", OutcomeKind.SUCCESS),
        Arguments.of(ApiFlavour.MDE, 429, LEGACY_CALLS_PER_MINUTE, OutcomeKind.CALL_QUOTA_429),
        Arguments.of(ApiFlavour.XDR, 429, LEGACY_CALLS_PER_HOUR, OutcomeKind.CALL_QUOTA_429),
        Arguments.of(ApiFlavour.GRAPH, 429, GRAPH_THROTTLED, OutcomeKind.CALL_QUOTA_429),
        Arguments.of(ApiFlavour.GRAPH, 429, "", OutcomeKind.CALL_QUOTA_429),
        Arguments.of(ApiFlavour.GRAPH, 429, CPU_QUOTA, OutcomeKind.CPU_QUOTA_429),
        Arguments.of(ApiFlavour.XDR, 429, CPU_QUOTA_NO_DURATION, OutcomeKind.CPU_QUOTA_429),
        Arguments.of(ApiFlavour.MDE, 400, LEGACY_SIZE, OutcomeKind.SIZE_CAP_400),
        Arguments.of(ApiFlavour.GRAPH, 400, PORTAL_SIZE, OutcomeKind.SIZE_CAP_400),
        Arguments.of(ApiFlavour.GRAPH, 400, GRAPH_PREEMPTED, OutcomeKind.PREEMPTED_400),
        Arguments.of(ApiFlavour.GRAPH, 400, EXCESSIVE, OutcomeKind.PREEMPTED_400),
        Arguments.of(ApiFlavour.GRAPH, 400, "{\"error\":{\"code\":\"BadRequest\",\"message\":\"Query exceeded the "
            + "timeout period.\"}}", OutcomeKind.PREEMPTED_400),
        Arguments.of(ApiFlavour.GRAPH, 400, SEMANTIC, OutcomeKind.OTHER_400),
        Arguments.of(ApiFlavour.XDR, 400, MISSING_QUERY, OutcomeKind.OTHER_400),
        Arguments.of(ApiFlavour.XDR, 401, UNAUTHORIZED, OutcomeKind.UNAUTHORIZED_401),
        Arguments.of(ApiFlavour.MDE, 403, FORBIDDEN, OutcomeKind.FORBIDDEN_403),
        Arguments.of(ApiFlavour.GRAPH, 500, UNKNOWN_ERROR, OutcomeKind.SERVER_5XX),
        Arguments.of(ApiFlavour.GRAPH, 504, UNKNOWN_ERROR, OutcomeKind.SERVER_5XX),
        Arguments.of(ApiFlavour.XDR, 503, "Service Unavailable", OutcomeKind.SERVER_5XX),
        Arguments.of(ApiFlavour.GRAPH, 408, "", OutcomeKind.TIMEOUT),
        Arguments.of(ApiFlavour.GRAPH, 404, "{\"error\":{\"code\":\"NotFound\",\"message\":\"x\"}}",
            OutcomeKind.UNEXPECTED_STATUS));
  }

  @ParameterizedTest
  @MethodSource("documentedResponses")
  void classifiesTheDocumentedResponses(ApiFlavour flavour, int status, String body, OutcomeKind expected) {
    Outcome outcome = classifier.classify(flavour, status, Map.of(), body, Attempt.first());
    assertThat(outcome.kind()).isEqualTo(expected);
    assertThat(outcome.action()).isEqualTo(expected.action());
    assertThat(outcome.httpStatus()).isEqualTo(status);
  }

  @Test
  void eachKindMapsToExactlyTheIntendedAction() {
    assertThat(OutcomeKind.CALL_QUOTA_429.action()).isEqualTo(Action.WAIT);
    assertThat(OutcomeKind.CPU_QUOTA_429.action()).isEqualTo(Action.PAUSE_TENANT);
    assertThat(OutcomeKind.SIZE_CAP_400.action()).isEqualTo(Action.SPLIT_WINDOW);
    assertThat(OutcomeKind.PREEMPTED_400.action()).isEqualTo(Action.SPLIT_WINDOW);
    assertThat(OutcomeKind.OTHER_400.action()).isEqualTo(Action.FAIL_TABLE);
    assertThat(OutcomeKind.UNAUTHORIZED_401.action()).isEqualTo(Action.REFRESH_TOKEN);
    assertThat(OutcomeKind.FORBIDDEN_403.action()).isEqualTo(Action.FAIL_TABLE);
    assertThat(EnumSet.of(OutcomeKind.SERVER_5XX, OutcomeKind.TIMEOUT, OutcomeKind.CONNECTION_FAILED))
        .allSatisfy(k -> assertThat(k.action()).isEqualTo(Action.BACK_OFF));
  }

  @Test
  void callQuotaWaitsForAnIntegerRetryAfter() {
    Outcome o = classifier.classify(ApiFlavour.MDE, 429, Map.of("retry-after", List.of("10")),
        LEGACY_CALLS_PER_MINUTE, Attempt.first());
    assertThat(o.resumeAt()).contains(NOW.plusSeconds(10));
    assertThat(o.serviceMessage()).isEqualTo("API calls quota exceeded! maximum allowed 45 per 00:01:00");
    assertThat(o.errorCode()).isEqualTo("429");
    assertThat(o.retriesExhausted()).isFalse();
  }

  @Test
  void callQuotaWaitsForADecimalRetryAfterRoundedUpToTheMillisecond() {
    Outcome o = classifier.classify(ApiFlavour.GRAPH, 429, Map.of("Retry-After", List.of("2.1284")),
        GRAPH_THROTTLED, Attempt.first());
    assertThat(o.resumeAt()).contains(NOW.plusMillis(2_129));
    assertThat(o.serviceMessage()).isEqualTo("Please retry again later.");
    assertThat(o.requestId()).isEqualTo("94fb3b52-452a-4535-a601-69e0a90e3aa2");
  }

  @Test
  void callQuotaWithoutRetryAfterOrWindowWaitsTheDocumentedMinuteWithJitter() {
    for (int n = 1; n <= 8; n++) {
      // the n-th 429 in a row of a call that has not failed otherwise: never sooner than the window has drained
      Outcome o = classifier.classify(ApiFlavour.GRAPH, 429, Map.of(), GRAPH_THROTTLED,
          new Attempt(1, false, n - 1));
      Duration wait = Duration.between(NOW, o.resumeAt().orElseThrow());
      assertThat(wait.toMillis()).as("attempt %d", n).isBetween(60_000L, 65_000L);
    }
  }

  @Test
  void jitterComesFromTheInjectedRandom() {
    Outcome a = new OutcomeClassifier(Clock.fixed(NOW, ZoneOffset.UTC), new Random(1), RetryPolicy.defaults())
        .classify(ApiFlavour.GRAPH, 429, Map.of(), "", new Attempt(3, false));
    Outcome b = new OutcomeClassifier(Clock.fixed(NOW, ZoneOffset.UTC), new Random(1), RetryPolicy.defaults())
        .classify(ApiFlavour.GRAPH, 429, Map.of(), "", new Attempt(3, false));
    assertThat(a.resumeAt()).isEqualTo(b.resumeAt());
  }

  @Test
  void cpuQuotaPausesTheTenantForTheStatedDurationOrUntilTheNextCycle() {
    assertThat(classifier.classify(ApiFlavour.GRAPH, 429, Map.of(), CPU_QUOTA, Attempt.first()).resumeAt())
        .contains(NOW.plus(Duration.ofMinutes(7)).plusSeconds(30));
    assertThat(classifier.classify(ApiFlavour.XDR, 429, Map.of(), CPU_QUOTA_NO_DURATION, Attempt.first())
        .resumeAt()).contains(Instant.parse("2026-11-01T10:15:00Z"));
    assertThat(OutcomeClassifier.nextCpuCycle(Instant.parse("2026-11-01T10:15:00Z")))
        .isEqualTo(Instant.parse("2026-11-01T10:30:00Z"));
  }

  @Test
  void otherBadRequestsFailTheTableWithTheServiceMessage() {
    Outcome o = classifier.classify(ApiFlavour.GRAPH, 400, Map.of(), SEMANTIC, Attempt.first());
    assertThat(o.serviceMessage()).isEqualTo("'project' operator: Failed to resolve scalar expression named 'X'");
    assertThat(o.explanation()).contains("Failed to resolve scalar expression named 'X'");
    assertThat(o.requestId()).isEqualTo("r-2");
    Outcome legacy = classifier.classify(ApiFlavour.XDR, 400, Map.of(), MISSING_QUERY, Attempt.first());
    assertThat(legacy.serviceMessage()).isEqualTo("Missing query.");
    assertThat(legacy.requestId()).isEqualTo("|8b7d5947-428b0a9cb9bb1600.");
  }

  @Test
  void unauthorizedRefreshesTheTokenOnceThenGivesUp() {
    Outcome first = classifier.classify(ApiFlavour.XDR, 401, Map.of(), UNAUTHORIZED, Attempt.first());
    assertThat(first.action()).isEqualTo(Action.REFRESH_TOKEN);
    assertThat(first.retriesExhausted()).isFalse();
    Outcome second = classifier.classify(ApiFlavour.XDR, 401, Map.of(), UNAUTHORIZED,
        Attempt.first().afterTokenRefresh());
    assertThat(second.retriesExhausted()).isTrue();
    assertThat(second.explanation()).contains("https://api.security.microsoft.com/.default")
        .contains("Account mode is inactive");
  }

  @Test
  void forbiddenNamesTheMissingPermissionPerFlavour() {
    assertThat(classifier.classify(ApiFlavour.GRAPH, 403, Map.of(), "", Attempt.first()).explanation())
        .contains("ThreatHunting.Read.All");
    assertThat(classifier.classify(ApiFlavour.XDR, 403, Map.of(), "", Attempt.first()).explanation())
        .contains("AdvancedHunting.Read.All");
    assertThat(classifier.classify(ApiFlavour.MDE, 403, Map.of(), FORBIDDEN, Attempt.first()).explanation())
        .contains("AdvancedQuery.Read.All").contains("Missing application roles");
  }

  @Test
  void aCallQuotaMessageStatingItsWindowIsWaitedOutOnce() {
    // the legacy API's minute and hour quotas, without a Retry-After: wait the stated window (the hour capped at the
    // longest service wait), not a backoff that meets the quota again and again
    Outcome minute = classifier.classify(ApiFlavour.MDE, 429, Map.of(), LEGACY_CALLS_PER_MINUTE, Attempt.first());
    assertThat(minute.resumeAt()).contains(NOW.plus(Duration.ofMinutes(1)));
    Outcome hour = classifier.classify(ApiFlavour.MDE, 429, Map.of(), LEGACY_CALLS_PER_HOUR, Attempt.first());
    assertThat(hour.resumeAt()).contains(NOW.plus(Duration.ofMinutes(15)));
    // a Retry-After still comes first
    Outcome told = classifier.classify(ApiFlavour.MDE, 429, Map.of("Retry-After", List.of("7")),
        LEGACY_CALLS_PER_MINUTE, Attempt.first());
    assertThat(told.resumeAt()).contains(NOW.plusSeconds(7));
  }

  @Test
  void callQuota429sAreNotFailedTries() {
    // six 429s, then a 504: the 504 is the call's first failed try, far from giving up
    Attempt attempt = Attempt.first();
    for (int i = 0; i < 6; i++) {
      Outcome throttled = classifier.classify(ApiFlavour.GRAPH, 429, Map.of(), GRAPH_THROTTLED, attempt);
      assertThat(throttled.retriesExhausted()).isFalse();
      attempt = attempt.afterThrottle();
    }
    Outcome gateway = classifier.classify(ApiFlavour.GRAPH, 504, Map.of(), UNKNOWN_ERROR, attempt);
    assertThat(gateway.retriesExhausted()).isFalse();
    assertThat(gateway.resumeAt()).isPresent();
    assertThat(attempt.number()).isEqualTo(1);
    assertThat(attempt.throttles()).isEqualTo(6);
  }

  @Test
  void serverErrorsBackOffABoundedNumberOfTimes() {
    Outcome early = classifier.classify(ApiFlavour.GRAPH, 500, Map.of(), UNKNOWN_ERROR, new Attempt(4, false));
    assertThat(early.retriesExhausted()).isFalse();
    assertThat(early.resumeAt()).isPresent();
    assertThat(early.requestId()).isEqualTo("1033a640-1c97-48f2-a1ad-face30df60a6");
    Outcome last = classifier.classify(ApiFlavour.GRAPH, 504, Map.of(), UNKNOWN_ERROR, new Attempt(5, false));
    assertThat(last.retriesExhausted()).isTrue();
    assertThat(last.explanation()).contains("giving up after 5 attempts");
  }

  @Test
  void transportFailuresAreTimeoutsOrConnectionFailures() {
    Outcome timeout = classifier.classifyFailure(ApiFlavour.GRAPH,
        new CompletionException(new HttpTimeoutException("request timed out")), Attempt.first());
    assertThat(timeout.kind()).isEqualTo(OutcomeKind.TIMEOUT);
    assertThat(timeout.resumeAt()).isPresent();
    Outcome refused = classifier.classifyFailure(ApiFlavour.GRAPH, new ConnectException("refused"), Attempt.first());
    assertThat(refused.kind()).isEqualTo(OutcomeKind.CONNECTION_FAILED);
    assertThat(classifier.classifyFailure(ApiFlavour.MDE, new IOException("reset"), new Attempt(5, false))
        .retriesExhausted()).isTrue();
  }

  @Test
  void retryAfterAcceptsAnHttpDateAndIgnoresGarbage() {
    assertThat(OutcomeClassifier.retryAfter(Map.of("Retry-After", List.of("Sun, 01 Nov 2026 10:08:00 GMT")), NOW,
        ServiceWaits.DEFAULT_MAX))
        .contains(Instant.parse("2026-11-01T10:08:00Z"));
    assertThat(OutcomeClassifier.retryAfter(Map.of("Retry-After", List.of("soon")), NOW, ServiceWaits.DEFAULT_MAX))
        .isEmpty();
    assertThat(OutcomeClassifier.retryAfter(Map.of("Retry-After", List.of("-3")), NOW, ServiceWaits.DEFAULT_MAX))
        .isEmpty();
  }

  @Test
  void readsErrorEnvelopesWhateverTheKeyCase() {
    String capitalised = "{\"Error\":{\"Code\":\"BadRequest\",\"Message\":\"Query execution has exceeded the "
        + "allowed limits. The query execution was preempted.\"}}";
    Outcome o = classifier.classify(ApiFlavour.XDR, 400, Map.of(), capitalised, Attempt.first());
    assertThat(o.kind()).isEqualTo(OutcomeKind.PREEMPTED_400);
    assertThat(o.errorCode()).isEqualTo("BadRequest");
  }

  @Test
  void matchesTextInBodiesThatAreNotJson() {
    Outcome cpu = classifier.classify(ApiFlavour.GRAPH, 429, Map.of(),
        "You have exceeded processing resources allocated to this tenant. You can run queries again in 12 minutes.",
        Attempt.first());
    assertThat(cpu.kind()).isEqualTo(OutcomeKind.CPU_QUOTA_429);
    assertThat(cpu.resumeAt()).contains(NOW.plus(Duration.ofMinutes(12)));
    Outcome size = classifier.classify(ApiFlavour.MDE, 400, Map.of(), "Query result size exceeded", Attempt.first());
    assertThat(size.kind()).isEqualTo(OutcomeKind.SIZE_CAP_400);
  }

  @Test
  void requestIdFallsBackToTheResponseHeader() {
    Outcome o = classifier.classify(ApiFlavour.GRAPH, 503, Map.of("request-id", List.of("hdr-1")), "",
        Attempt.first());
    assertThat(o.requestId()).isEqualTo("hdr-1");
  }
}
