package org.defenderadx.migration.common.kql;

/**
 * Validation of table and column names before they are spliced into KQL text. Only plain ASCII identifiers
 * ({@code [A-Za-z_][A-Za-z0-9_]*}, at most 1024 characters) are accepted: that is enough for every Defender table
 * and column, and it rules out injection ({@code |}, {@code ;}, quotes, newlines) and Unicode look-alikes that
 * would silently address a different table.
 */
public final class KqlIdentifiers {
  public static final int MAX_LENGTH = 1024;

  private KqlIdentifiers() {
  }

  /** Returns the table name unchanged, or throws {@link InvalidIdentifierException} naming it and the cause. */
  public static String requireTable(String name) {
    return require("table", name);
  }

  /** Returns the column name unchanged, or throws {@link InvalidIdentifierException} naming it and the cause. */
  public static String requireColumn(String name) {
    return require("column", name);
  }

  /**
   * The column checked and bracket-quoted ({@code ['Timestamp']}), so that it can never be read as a keyword or as a
   * name the query declares itself.
   */
  public static String quotedColumn(String name) {
    return "['" + requireColumn(name) + "']";
  }

  public static boolean isValid(String name) {
    return problem(name) == null;
  }

  private static String require(String kind, String name) {
    String problem = problem(name);
    if (problem != null) {
      throw new InvalidIdentifierException(kind, name, problem);
    }
    return name;
  }

  /** The reason a name is not acceptable, or null when it is. */
  static String problem(String name) {
    if (name == null) {
      return "it is missing (null)";
    }
    if (name.isEmpty()) {
      return "it is empty";
    }
    if (name.length() > MAX_LENGTH) {
      return "it is " + name.length() + " characters long (at most " + MAX_LENGTH + ")";
    }
    char first = name.charAt(0);
    if (first >= '0' && first <= '9') {
      return "it starts with a digit";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!isIdentifierChar(c)) {
        return "character " + describeChar(c) + " at position " + i + " is not allowed"
            + " (only ASCII letters, digits and '_')";
      }
    }
    return null;
  }

  private static boolean isIdentifierChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  }

  private static String describeChar(char c) {
    if (c == ' ') {
      return "space";
    }
    if (c < 0x20 || c == 0x7f) {
      return String.format("control U+%04X", (int) c);
    }
    if (c > 0x7e) {
      return String.format("'%c' (U+%04X, non-ASCII)", c, (int) c);
    }
    return "'" + c + "'";
  }
}
