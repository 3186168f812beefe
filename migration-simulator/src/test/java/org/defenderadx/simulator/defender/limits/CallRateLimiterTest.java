package org.defenderadx.simulator.defender.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CallRateLimiterTest {
  static final Instant T0 = Instant.parse("2026-11-15T00:00:00Z");

  @Test
  void whenRejectedCallsCountACallerThatKeepsCallingStaysThrottled() {
    CallRateLimiter lenient = new CallRateLimiter(2, 1_000);
    CallRateLimiter harsh = new CallRateLimiter(2, 1_000, true);
    for (CallRateLimiter l : new CallRateLimiter[] {lenient, harsh}) {
      assertThat(l.tryAcquire(T0).allowed()).isTrue();
      assertThat(l.tryAcquire(T0.plusSeconds(1)).allowed()).isTrue();
      assertThat(l.tryAcquire(T0.plusSeconds(30)).allowed()).isFalse();
      assertThat(l.tryAcquire(T0.plusSeconds(40)).allowed()).isFalse();
    }
    // A minute after the first two, the lenient window is free; the harsh one still holds the refused calls.
    assertThat(lenient.tryAcquire(T0.plusSeconds(62)).allowed()).isTrue();
    assertThat(harsh.tryAcquire(T0.plusSeconds(62)).allowed()).isFalse();
    assertThat(harsh.tryAcquire(T0.plusSeconds(125)).allowed()).isTrue();
  }

  @Test
  void minuteQuotaIsASlidingWindowAndTellsWhenTheOldestCallLeavesIt() {
    CallRateLimiter limiter = new CallRateLimiter(3, 1_000);
    assertThat(limiter.tryAcquire(T0).allowed()).isTrue();
    assertThat(limiter.tryAcquire(T0.plusSeconds(10)).allowed()).isTrue();
    assertThat(limiter.tryAcquire(T0.plusSeconds(20)).allowed()).isTrue();

    CallRateLimiter.Decision refused = limiter.tryAcquire(T0.plusSeconds(30));

    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(refused.message()).isEqualTo("API calls quota exceeded! maximum allowed 3 per 00:01:00");
    assertThat(limiter.tryAcquire(T0.plusSeconds(59)).allowed()).isFalse();
    assertThat(limiter.tryAcquire(T0.plusSeconds(60)).allowed()).as("refused calls do not count").isTrue();
    assertThat(limiter.tryAcquire(T0.plusSeconds(61)).allowed()).isFalse();
  }

  @Test
  void hourQuotaRefusesOnceTheHourIsFullEvenWithMinutesToSpare() {
    CallRateLimiter limiter = new CallRateLimiter(45, 5);
    for (int i = 0; i < 5; i++) {
      assertThat(limiter.tryAcquire(T0.plus(Duration.ofMinutes(10L * i))).allowed()).isTrue();
    }

    CallRateLimiter.Decision refused = limiter.tryAcquire(T0.plus(Duration.ofMinutes(45)));

    assertThat(refused.allowed()).isFalse();
    assertThat(refused.message()).isEqualTo("API calls quota exceeded! maximum allowed 5 per 01:00:00");
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofMinutes(15));
    assertThat(limiter.tryAcquire(T0.plus(Duration.ofMinutes(60)).plusMillis(1)).allowed()).isTrue();
  }
}
