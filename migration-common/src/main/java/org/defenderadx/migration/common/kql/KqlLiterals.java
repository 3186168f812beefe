package org.defenderadx.migration.common.kql;

import java.time.Duration;
import java.time.Instant;

/**
 * KQL literals built so that the Kusto parser reads back exactly the value given. Strings are double-quoted with
 * backslash escapes: {@code \"}, {@code \\}, {@code \n}, {@code \r}, {@code \t}, and {@code \\uXXXX} for every
 * other control character and the line/paragraph separators (so the query text never holds a raw line break,
 * which would end the literal). Other Unicode text is kept as is; the JSON request body carries it safely.
 */
public final class KqlLiterals {
  private KqlLiterals() {
  }

  /** A double-quoted KQL string literal holding exactly {@code value}. */
  public static String string(String value) {
    if (value == null) {
      throw new IllegalArgumentException("string literal value is null");
    }
    StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** {@code datetime(2026-11-01T00:00:00.1234567Z)}, truncated to the 100-ns tick. */
  public static String datetime(Instant instant) {
    return KustoTime.literal(instant);
  }

  /** {@code time(1.02:03:04.0000000)}. */
  public static String timespan(Duration duration) {
    return KustoTimespan.literal(duration);
  }

  /**
   * Reads one KQL string literal (the whole text): single- or double-quoted with backslash escapes, or verbatim
   * {@code @'...'}/{@code @"..."} where a doubled quote stands for one. This is the reference reader the tests
   * check {@link #string} against; the simulator's engine may use it too.
   */
  public static String parseString(String literal) {
    if (literal == null || literal.length() < 2) {
      throw new IllegalArgumentException("not a string literal: " + literal);
    }
    boolean verbatim = literal.charAt(0) == '@';
    int start = verbatim ? 1 : 0;
    char quote = literal.charAt(start);
    if (quote != '"' && quote != '\'') {
      throw new IllegalArgumentException("a string literal starts with a quote: " + literal);
    }
    StringBuilder out = new StringBuilder();
    int i = start + 1;
    while (true) {
      if (i >= literal.length()) {
        throw new IllegalArgumentException("unterminated string literal: " + literal);
      }
      char c = literal.charAt(i);
      if (c == '\n' || c == '\r') {
        throw new IllegalArgumentException("raw line break inside a string literal at " + i);
      }
      if (c == quote) {
        if (verbatim && i + 1 < literal.length() && literal.charAt(i + 1) == quote) {
          out.append(quote);
          i += 2;
          continue;
        }
        if (i != literal.length() - 1) {
          throw new IllegalArgumentException("text after the closing quote at " + i + ": " + literal);
        }
        return out.toString();
      }
      if (c == '\\' && !verbatim) {
        i = readEscape(literal, i + 1, out);
        continue;
      }
      out.append(c);
      i++;
    }
  }

  private static int readEscape(String s, int i, StringBuilder out) {
    if (i >= s.length()) {
      throw new IllegalArgumentException("dangling backslash");
    }
    char e = s.charAt(i);
    switch (e) {
      case '\'', '"', '\\' -> out.append(e);
      case 'n' -> out.append('\n');
      case 'r' -> out.append('\r');
      case 't' -> out.append('\t');
      case 'a' -> out.append('\u0007');
      case 'b' -> out.append('\b');
      case 'f' -> out.append('\f');
      case 'v' -> out.append('\u000b');
      case 'u' -> {
        out.append((char) Integer.parseInt(hex(s, i + 1, 4), 16));
        return i + 5;
      }
      case 'U' -> {
        out.appendCodePoint(Integer.parseInt(hex(s, i + 1, 8), 16));
        return i + 9;
      }
      case 'x' -> {
        out.append((char) Integer.parseInt(hex(s, i + 1, 2), 16));
        return i + 3;
      }
      default -> {
        if (e >= '0' && e <= '7') {
          int end = i;
          while (end < s.length() && end < i + 3 && s.charAt(end) >= '0' && s.charAt(end) <= '7') {
            end++;
          }
          out.append((char) Integer.parseInt(s.substring(i, end), 8));
          return end;
        }
        throw new IllegalArgumentException("unknown escape \\" + e);
      }
    }
    return i + 1;
  }

  private static String hex(String s, int from, int count) {
    if (from + count > s.length()) {
      throw new IllegalArgumentException("truncated escape");
    }
    String h = s.substring(from, from + count);
    for (char c : h.toCharArray()) {
      if (Character.digit(c, 16) < 0) {
        throw new IllegalArgumentException("bad hex digit in escape: " + h);
      }
    }
    return h;
  }
}
