package org.defenderadx.migration.common.window;

/** A window that still overflows one call after being split as far as the configured bucket limit allows. */
public final class WindowNotSplittableException extends IllegalStateException {
  public WindowNotSplittableException(String message) {
    super(message);
  }
}
