package org.defenderadx.simulator.defender.limits;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * Sliding-window call quotas (per minute and per hour) on the simulated clock. By default only admitted calls count,
 * so a client that keeps retrying too early keeps getting 429 but does not push its own window further out; with
 * {@code rejectedCount} a refused call counts too (the harsher service: calling too fast keeps a client throttled).
 */
public final class CallRateLimiter {

  /** Admitted, or refused with the wait until a slot frees and the documented legacy message. */
  public record Decision(boolean allowed, Duration retryAfter, String message) {
  }

  private final int perMinute;
  private final int perHour;
  private final boolean rejectedCount;
  private final ArrayDeque<Instant> lastHour = new ArrayDeque<>();

  public CallRateLimiter(int perMinute, int perHour) {
    this(perMinute, perHour, false);
  }

  public CallRateLimiter(int perMinute, int perHour, boolean rejectedCount) {
    this.perMinute = perMinute;
    this.perHour = perHour;
    this.rejectedCount = rejectedCount;
  }

  public synchronized Decision tryAcquire(Instant now) {
    Decision d = decide(now);
    if (d.allowed() || rejectedCount) {
      lastHour.addLast(now);
    }
    return d;
  }

  private Decision decide(Instant now) {
    Instant hourAgo = now.minus(Duration.ofHours(1));
    while (!lastHour.isEmpty() && !lastHour.peekFirst().isAfter(hourAgo)) {
      lastHour.pollFirst();
    }
    if (lastHour.size() >= perHour) {
      Duration wait = Duration.between(now, lastHour.peekFirst().plus(Duration.ofHours(1)));
      return new Decision(false, wait, "API calls quota exceeded! maximum allowed " + perHour + " per 01:00:00");
    }
    Instant minuteAgo = now.minus(Duration.ofMinutes(1));
    int inMinute = 0;
    Instant oldestInMinute = null;
    for (var it = lastHour.descendingIterator(); it.hasNext(); ) {
      Instant t = it.next();
      if (!t.isAfter(minuteAgo)) {
        break;
      }
      inMinute++;
      oldestInMinute = t;
    }
    if (inMinute >= perMinute) {
      // The slot frees when the (inMinute - perMinute + 1)-th oldest call in the minute leaves it.
      Instant freeing = oldestInMinute;
      int skip = inMinute - perMinute;
      if (skip > 0) {
        var it = lastHour.descendingIterator();
        Instant[] recent = new Instant[inMinute];
        for (int i = 0; i < inMinute; i++) {
          recent[i] = it.next();
        }
        freeing = recent[inMinute - 1 - skip];
      }
      Duration wait = Duration.between(now, freeing.plus(Duration.ofMinutes(1)));
      return new Decision(false, wait, "API calls quota exceeded! maximum allowed " + perMinute + " per 00:01:00");
    }
    return new Decision(true, Duration.ZERO, null);
  }
}
