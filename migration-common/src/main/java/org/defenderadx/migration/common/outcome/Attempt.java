package org.defenderadx.migration.common.outcome;

/**
 * Which attempt of one call this was.
 *
 * @param number 1 for the first try
 * @param tokenRefreshed a new token was already fetched for this call after a 401
 */
public record Attempt(int number, boolean tokenRefreshed) {
  public Attempt {
    if (number < 1) {
      throw new IllegalArgumentException("attempt numbers start at 1");
    }
  }

  public static Attempt first() {
    return new Attempt(1, false);
  }

  public Attempt next() {
    return new Attempt(number + 1, tokenRefreshed);
  }

  public Attempt afterTokenRefresh() {
    return new Attempt(number + 1, true);
  }
}
