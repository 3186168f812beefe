package org.defenderadx.simulator.kql.syntax;

/**
 * One lexical token. {@code text} is the identifier/keyword/operator text, the decoded string value, the number
 * text, or for {@link Kind#RAW} the untouched text between the parentheses of a literal such as
 * {@code datetime(2026-11-01)}.
 */
public record Token(Kind kind, String text, int pos) {

  public enum Kind { IDENT, STRING, LONG, REAL, TIMESPAN, RAW, OP, EOF }

  public boolean isOp(String t) {
    return kind == Kind.OP && text.equals(t);
  }

  public boolean isWord(String t) {
    return kind == Kind.IDENT && text.equals(t);
  }
}
