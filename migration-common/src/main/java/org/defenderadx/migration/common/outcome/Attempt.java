package org.defenderadx.migration.common.outcome;

/**
 * Which attempt of one call this was.
 *
 * @param number         1 for the first try; counts the tries that failed (errors, timeouts, a token refresh), not
 *                       the call-rate 429s, which say "not now" rather than "wrong"
 * @param tokenRefreshed a new token was already fetched for this call after a 401
 * @param throttles      call-rate 429s met so far; they lengthen the wait before the next try, never exhaust the
 *                       call's retries
 */
public record Attempt(int number, boolean tokenRefreshed, int throttles) {
  public Attempt {
    if (number < 1) {
      throw new IllegalArgumentException("attempt numbers start at 1");
    }
    if (throttles < 0) {
      throw new IllegalArgumentException("throttles cannot be negative");
    }
  }

  public Attempt(int number, boolean tokenRefreshed) {
    this(number, tokenRefreshed, 0);
  }

  public static Attempt first() {
    return new Attempt(1, false, 0);
  }

  public Attempt next() {
    return new Attempt(number + 1, tokenRefreshed, throttles);
  }

  public Attempt afterTokenRefresh() {
    return new Attempt(number + 1, true, throttles);
  }

  /** The same try again after a call-rate 429: the retry count stays, the throttle count grows. */
  public Attempt afterThrottle() {
    return new Attempt(number, tokenRefreshed, Math.min(throttles + 1, 1_000));
  }
}
