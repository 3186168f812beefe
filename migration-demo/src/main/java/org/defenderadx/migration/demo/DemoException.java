package org.defenderadx.migration.demo;

/** The demo cannot run, for a reason a person can act on (the message says what to do). */
public final class DemoException extends RuntimeException {
  public DemoException(String message) {
    super(message);
  }

  public DemoException(String message, Throwable cause) {
    super(message, cause);
  }
}
