package org.defenderadx.migration.common.outcome;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.defenderadx.migration.common.model.ApiFlavour;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Waits the service asks for, as a hostile or broken service might word them: never thrown on, never past the cap. */
class HostileWaitParsingTest {

  private static final Instant NOW = Instant.parse("2026-11-01T10:07:30Z");
  private static final Duration MAX = Duration.ofMinutes(15);

  static Stream<Arguments> retryAfterValues() {
    return Stream.of(
        Arguments.of("120", Optional.of(Duration.ofMinutes(2))),
        Arguments.of("+5", Optional.of(Duration.ofSeconds(5))),
        Arguments.of("0", Optional.of(Duration.ZERO)),
        Arguments.of("2.1284", Optional.of(Duration.ofMillis(2129))),
        Arguments.of("0.0000001", Optional.of(Duration.ofMillis(1))),
        Arguments.of("900", Optional.of(MAX)),
        Arguments.of("901", Optional.of(MAX)),
        Arguments.of("1e12", Optional.of(MAX)),
        Arguments.of("1E+999999999", Optional.of(MAX)),
        Arguments.of("1e99999999999", Optional.of(MAX)),
        Arguments.of("1e-99999999999", Optional.of(Duration.ZERO)),
        Arguments.of("99999999999999999999", Optional.of(MAX)),
        Arguments.of("99999999999999999999.00", Optional.of(MAX)),
        Arguments.of("9223372036854775808", Optional.of(MAX)),
        Arguments.of("  60  ", Optional.of(Duration.ofMinutes(1))),
        Arguments.of("-3", Optional.empty()),
        Arguments.of("-1e12", Optional.empty()),
        Arguments.of("NaN", Optional.empty()),
        Arguments.of("Infinity", Optional.empty()),
        Arguments.of("0x10", Optional.empty()),
        Arguments.of("12abc", Optional.empty()),
        Arguments.of("1e", Optional.empty()),
        Arguments.of(".", Optional.empty()),
        Arguments.of("", Optional.empty()),
        Arguments.of("   ", Optional.empty()),
        Arguments.of("soon", Optional.empty()),
        Arguments.of("9".repeat(10_000), Optional.empty()),
        Arguments.of("Sun, 01 Nov 2026 10:08:00 GMT", Optional.of(Duration.ofSeconds(30))),
        Arguments.of("Fri, 31 Dec 9999 23:59:59 GMT", Optional.of(MAX)),
        Arguments.of("Thu, 01 Jan 1970 00:00:00 GMT", Optional.of(Duration.ZERO)),
        Arguments.of("Mon, 32 Nov 2026 10:08:00 GMT", Optional.empty()),
        Arguments.of("Sun, 01 Nov 2026 10:08:00 XYZ", Optional.empty()));
  }

  @ParameterizedTest(name = "Retry-After \"{0}\" waits {1}")
  @MethodSource("retryAfterValues")
  void retryAfterIsReadDefensivelyAndCapped(String value, Optional<Duration> expected) {
    assertThat(ServiceWaits.retryAfter(value, NOW, MAX)).isEqualTo(expected);
  }

  static Stream<Arguments> againInMessages() {
    return Stream.of(
        Arguments.of("you can run queries again in 00:07:30.", Optional.of(Duration.ofSeconds(450))),
        Arguments.of("again in 00:00:00", Optional.of(Duration.ZERO)),
        Arguments.of("again in 00:00:0000000000000000000000000000000005", Optional.of(Duration.ofSeconds(5))),
        Arguments.of("again in 1.02:00:00", Optional.of(MAX)),
        Arguments.of("again in 99999999999999999999.00:00:00", Optional.of(MAX)),
        Arguments.of("again in 999:99:99", Optional.of(MAX)),
        Arguments.of("again in 00:99999999999999999999:00", Optional.of(MAX)),
        Arguments.of("again in 12 minutes", Optional.of(Duration.ofMinutes(12))),
        Arguments.of("again in 2m 3s", Optional.of(Duration.ofSeconds(123))),
        Arguments.of("again in 99999999999999999999 hours", Optional.of(MAX)),
        Arguments.of("again in 3 hours", Optional.of(MAX)),
        Arguments.of("again in -5 minutes", Optional.empty()),
        Arguments.of("again in soon", Optional.empty()),
        Arguments.of("again in 1e12 seconds", Optional.empty()),
        Arguments.of("no wait named here", Optional.empty()));
  }

  @ParameterizedTest(name = "\"{0}\" waits {1}")
  @MethodSource("againInMessages")
  void againInIsReadDefensivelyAndCapped(String text, Optional<Duration> expected) {
    assertThat(ServiceWaits.runAgainIn(text, MAX)).isEqualTo(expected);
  }

  static Stream<Arguments> quotaWindows() {
    return Stream.of(
        Arguments.of("api calls quota exceeded! maximum allowed 45 per 00:01:00", Optional.of(Duration.ofMinutes(1))),
        Arguments.of("maximum allowed 1500 per 01:00:00", Optional.of(MAX)),
        Arguments.of("maximum allowed 4 per 00:00:10", Optional.of(Duration.ofSeconds(10))),
        Arguments.of("maximum allowed 4 per 00:00:00", Optional.empty()),
        Arguments.of("maximum allowed 45 per 99999999999999999999.00:00:00", Optional.of(MAX)),
        Arguments.of("maximum allowed 45 per minute", Optional.empty()),
        Arguments.of("maximum allowed -45 per 00:01:00", Optional.empty()),
        Arguments.of("maximum allowed 99999999999999999999 per 00:01:00", Optional.empty()));
  }

  @ParameterizedTest(name = "\"{0}\" waits {1}")
  @MethodSource("quotaWindows")
  void aStatedQuotaWindowIsReadDefensivelyAndCapped(String text, Optional<Duration> expected) {
    assertThat(ServiceWaits.quotaWindow(text, MAX)).isEqualTo(expected);
  }

  @Test
  void aMessageOfEndlessDigitsCostsTheMatcherNothing() {
    String text = "again in " + "9".repeat(200_000) + ":" + "9".repeat(200_000);
    assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
      assertThat(ServiceWaits.runAgainIn(text, MAX)).isEmpty();
      assertThat(ServiceWaits.runAgainIn("again in " + " 1".repeat(100_000), MAX)).isEmpty();
      assertThat(ServiceWaits.quotaWindow("maximum allowed " + "9".repeat(200_000) + " per " + "9".repeat(200_000),
          MAX)).isEmpty();
    });
  }

  private static OutcomeClassifier classifier(Duration max) {
    return new OutcomeClassifier(Clock.fixed(NOW, ZoneOffset.UTC), new Random(5), RetryPolicy.defaults(), max);
  }

  private static String cpuQuota(String wait) {
    return "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"You have exceeded processing resources allocated "
        + "to this tenant. You can run queries again in " + wait + ".\"}}";
  }

  @Test
  void anAbsurdCpuQuotaWaitPausesTheTenantForTheMaximum() {
    Outcome o = classifier(MAX).classify(ApiFlavour.GRAPH, 429, Map.of(),
        cpuQuota("99999999999999999999.00:00:00"), Attempt.first());
    assertThat(o.kind()).isEqualTo(OutcomeKind.CPU_QUOTA_429);
    assertThat(o.resumeAt()).contains(NOW.plus(MAX));
  }

  @Test
  void theMaximumIsConfigurable() {
    Outcome o = classifier(Duration.ofMinutes(5)).classify(ApiFlavour.GRAPH, 429, Map.of(), cpuQuota("00:07:30"),
        Attempt.first());
    assertThat(o.resumeAt()).contains(NOW.plus(Duration.ofMinutes(5)));
  }

  @Test
  void aCpuQuotaWithoutAWaitWaitsForTheNextCycleButNoLongerThanTheMaximum() {
    String noWait = "{\"error\":{\"code\":\"429\",\"message\":\"You have exceeded processing resources allocated "
        + "to this tenant.\"}}";
    // The next 15-minute boundary after 10:07:30 is 10:15:00.
    assertThat(classifier(MAX).classify(ApiFlavour.MDE, 429, Map.of(), noWait, Attempt.first()).resumeAt())
        .contains(Instant.parse("2026-11-01T10:15:00Z"));
    assertThat(classifier(Duration.ofMinutes(5)).classify(ApiFlavour.MDE, 429, Map.of(), noWait, Attempt.first())
        .resumeAt()).contains(NOW.plus(Duration.ofMinutes(5)));
  }

  @ParameterizedTest(name = "HTTP {0} with Retry-After 1e12 waits the maximum")
  @MethodSource("throttlingStatuses")
  void aRetryAfterOfYearsWaitsTheMaximum(int status) {
    Outcome o = classifier(MAX).classify(ApiFlavour.GRAPH, status, Map.of("Retry-After", List.of("1e12")),
        "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"slow down\"}}", Attempt.first());
    assertThat(o.resumeAt()).contains(NOW.plus(MAX));
  }

  static Stream<Integer> throttlingStatuses() {
    return Stream.of(429, 503, 504, 408);
  }

  @Test
  void aRetryAfterThatIsGarbageFallsBackToTheDocumentedQuotaWindow() {
    Outcome o = classifier(MAX).classify(ApiFlavour.GRAPH, 429, Map.of("Retry-After", List.of("whenever")), "",
        Attempt.first());
    assertThat(o.kind()).isEqualTo(OutcomeKind.CALL_QUOTA_429);
    assertThat(o.resumeAt().orElseThrow()).isBetween(NOW.plus(OutcomeClassifier.QUOTA_WINDOW),
        NOW.plus(OutcomeClassifier.QUOTA_WINDOW).plusSeconds(5));
  }

  @Test
  void aBodyNestedEndlesslyDeepIsNotJsonToTheClassifier() {
    String deep = "[".repeat(60_000);
    Outcome o = classifier(MAX).classify(ApiFlavour.GRAPH, 429, Map.of(), deep, Attempt.first());
    assertThat(o.kind()).isEqualTo(OutcomeKind.CALL_QUOTA_429);
    String deepObject = "{\"error\":".repeat(60_000) + "1" + "}".repeat(60_000);
    assertThat(classifier(MAX).classify(ApiFlavour.GRAPH, 400, Map.of(), deepObject, Attempt.first()).kind())
        .isEqualTo(OutcomeKind.OTHER_400);
  }

  @Test
  void garbageBodiesNeverThrowOutOfTheClassifier() {
    for (String body : List.of("\u0000\u0001\u0002", "{\"error\":", "again in 99999999999999999999.00:00:00 cpu",
        "{\"error\":{\"message\":{\"nested\":[1,2,3]},\"code\":[]}}", "{\"error\":null}", "[]", "1e999999999999",
        "\"" + "x".repeat(70_000))) {
      for (int status : new int[] {200, 400, 401, 403, 404, 429, 500, 503, 999}) {
        Outcome o = classifier(MAX).classify(ApiFlavour.GRAPH, status,
            Map.of("Retry-After", List.of("99999999999999999999")), body, Attempt.first());
        assertThat(o.resumeAt().map(t -> !t.isAfter(NOW.plus(MAX))).orElse(true)).isTrue();
      }
    }
  }

  @Test
  void theMaximumMustBePositive() {
    assertThatThrownBy(() -> classifier(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }
}
