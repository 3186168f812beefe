package org.defenderadx.simulator.kql;

/**
 * A query the engine refuses, with a Kusto-style message (for example
 * {@code "'where' operator: Failed to resolve column or scalar expression named 'Foo'"}).
 */
public class KqlException extends RuntimeException {

  /** Why the query failed; front-ends map these to their own error codes. */
  public enum Kind { SYNTAX, UNKNOWN_TABLE, UNKNOWN_COLUMN, UNKNOWN_FUNCTION, TYPE_MISMATCH, UNSUPPORTED, RUNTIME }

  private final Kind kind;

  public KqlException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
