package org.defenderadx.migration.common.kql;

/** A table or column name that cannot be placed into KQL text safely. Names the identifier and the cause. */
public final class InvalidIdentifierException extends IllegalArgumentException {
  private final String identifierKind;
  private final String identifier;
  private final String cause;

  public InvalidIdentifierException(String identifierKind, String identifier, String cause) {
    super(identifierKind + " name " + describe(identifier) + " is not a valid KQL identifier: " + cause);
    this.identifierKind = identifierKind;
    this.identifier = identifier;
    this.cause = cause;
  }

  /** "table" or "column". */
  public String identifierKind() {
    return identifierKind;
  }

  /** The rejected name as given (may be null). */
  public String identifier() {
    return identifier;
  }

  /** Why the name was rejected. */
  public String reason() {
    return cause;
  }

  // Shows control characters and non-ASCII visibly so a log line reveals look-alikes and hidden newlines.
  private static String describe(String name) {
    if (name == null) {
      return "<null>";
    }
    StringBuilder sb = new StringBuilder("'");
    int shown = 0;
    for (int i = 0; i < name.length() && shown < 80; i++, shown++) {
      char c = name.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        sb.append(String.format("\\u%04X", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (name.length() > 80) {
      sb.append("...");
    }
    return sb.append('\'').toString();
  }
}
