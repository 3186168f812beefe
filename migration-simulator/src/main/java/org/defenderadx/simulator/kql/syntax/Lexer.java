package org.defenderadx.simulator.kql.syntax;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.defenderadx.simulator.kql.KqlException;

/** Turns KQL text into tokens. Positions are 0-based character offsets into the query. */
public final class Lexer {

  /** Literal constructors whose argument is kept as raw text, since it is not valid KQL on its own. */
  private static final Set<String> RAW_LITERALS = Set.of("datetime", "timespan", "time", "guid", "dynamic", "date");
  /** Hyphenated operator names; any other {@code a-b} is a subtraction. */
  private static final Set<String> HYPHENATED = Set.of("project-away", "project-rename", "project-keep",
      "project-reorder", "mv-expand", "mv-apply", "make-series", "top-nested", "top-hitters");
  private static final String[] OPERATORS = {"..", "==", "!=", "<>", "<=", ">=", "=~", "!~", "|", ";", ",", "(", ")",
      "[", "]", "{", "}", ".", "=", "<", ">", "+", "-", "*", "/", "%", ":", "!"};

  private final String src;
  private int i;
  private final List<Token> out = new ArrayList<>();

  private Lexer(String src) {
    this.src = src;
  }

  public static List<Token> tokenize(String src) {
    Lexer lx = new Lexer(src);
    lx.run();
    return lx.out;
  }

  private void run() {
    while (true) {
      skipSpaceAndComments();
      if (i >= src.length()) {
        out.add(new Token(Token.Kind.EOF, "", i));
        return;
      }
      char c = src.charAt(i);
      int start = i;
      if (c == '\'' || c == '"') {
        out.add(new Token(Token.Kind.STRING, readQuoted(), start));
      } else if ((c == '@' || c == 'h' || c == 'H') && i + 1 < src.length() && isQuote(src.charAt(i + 1))) {
        // @'verbatim' and h'obfuscated' strings
        i++;
        out.add(new Token(Token.Kind.STRING, c == '@' ? readVerbatim() : readQuoted(), start));
      } else if ((c == 'h' || c == 'H') && i + 2 < src.length() && src.charAt(i + 1) == '@'
          && isQuote(src.charAt(i + 2))) {
        i += 2;
        out.add(new Token(Token.Kind.STRING, readVerbatim(), start));
      } else if (Character.isDigit(c) || (c == '.' && i + 1 < src.length() && Character.isDigit(src.charAt(i + 1))
          && !prevIsValueEnd())) {
        readNumber();
      } else if (isIdentStart(c)) {
        readWord();
      } else if (c == '!' && i + 1 < src.length() && Character.isLetter(src.charAt(i + 1))) {
        i++;
        String w = readIdentChars();
        if (w.equals("in") && i < src.length() && src.charAt(i) == '~') {
          i++;
          w = "in~";
        }
        out.add(new Token(Token.Kind.IDENT, "!" + w, start));
      } else {
        readOperator();
      }
    }
  }

  private boolean prevIsValueEnd() {
    if (out.isEmpty()) {
      return false;
    }
    Token t = out.get(out.size() - 1);
    return t.kind() == Token.Kind.IDENT || t.isOp(")") || t.isOp("]");
  }

  private static boolean isQuote(char c) {
    return c == '\'' || c == '"';
  }

  private static boolean isIdentStart(char c) {
    return Character.isLetter(c) || c == '_' || c == '$';
  }

  private static boolean isIdentPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }

  private void skipSpaceAndComments() {
    while (i < src.length()) {
      char c = src.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '/' && i + 1 < src.length() && src.charAt(i + 1) == '/') {
        while (i < src.length() && src.charAt(i) != '\n') {
          i++;
        }
      } else {
        return;
      }
    }
  }

  private String readQuoted() {
    char q = src.charAt(i);
    int start = i;
    i++;
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (i >= src.length() || src.charAt(i) == '\n') {
        throw syntax(start, "unterminated string literal");
      }
      char c = src.charAt(i++);
      if (c == q) {
        return sb.toString();
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (i >= src.length()) {
        throw syntax(start, "unterminated string literal");
      }
      char e = src.charAt(i++);
      switch (e) {
        case 'n': sb.append('\n'); break;
        case 't': sb.append('\t'); break;
        case 'r': sb.append('\r'); break;
        case '0': sb.append('\0'); break;
        case 'u':
          if (i + 4 > src.length()) {
            throw syntax(i, "bad \\u escape");
          }
          sb.append((char) Integer.parseInt(src.substring(i, i + 4), 16));
          i += 4;
          break;
        default: sb.append(e); break; // \\ \' \" and anything else stand for themselves
      }
    }
  }

  private String readVerbatim() {
    char q = src.charAt(i);
    int start = i;
    i++;
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (i >= src.length()) {
        throw syntax(start, "unterminated string literal");
      }
      char c = src.charAt(i++);
      if (c == q) {
        if (i < src.length() && src.charAt(i) == q) {
          sb.append(q);
          i++;
          continue;
        }
        return sb.toString();
      }
      sb.append(c);
    }
  }

  private void readNumber() {
    int start = i;
    if (src.startsWith("0x", i) || src.startsWith("0X", i)) {
      i += 2;
      while (i < src.length() && Character.digit(src.charAt(i), 16) >= 0) {
        i++;
      }
      out.add(new Token(Token.Kind.LONG, Long.toString(Long.parseUnsignedLong(src.substring(start + 2, i), 16)),
          start));
      return;
    }
    boolean real = false;
    while (i < src.length() && Character.isDigit(src.charAt(i))) {
      i++;
    }
    if (i < src.length() && src.charAt(i) == '.' && !(i + 1 < src.length() && src.charAt(i + 1) == '.')) {
      real = true;
      i++;
      while (i < src.length() && Character.isDigit(src.charAt(i))) {
        i++;
      }
    }
    if (i < src.length() && (src.charAt(i) == 'e' || src.charAt(i) == 'E')) {
      int save = i;
      i++;
      if (i < src.length() && (src.charAt(i) == '+' || src.charAt(i) == '-')) {
        i++;
      }
      if (i < src.length() && Character.isDigit(src.charAt(i))) {
        real = true;
        while (i < src.length() && Character.isDigit(src.charAt(i))) {
          i++;
        }
      } else {
        i = save;
      }
    }
    String number = src.substring(start, i);
    if (i < src.length() && Character.isLetter(src.charAt(i))) {
      String unit = readIdentChars();
      if (TimeUnits.ticksPerUnit(unit) == 0) {
        throw syntax(start, "unknown timespan unit '" + unit + "'");
      }
      out.add(new Token(Token.Kind.TIMESPAN, number + unit, start));
      return;
    }
    out.add(new Token(real ? Token.Kind.REAL : Token.Kind.LONG, number, start));
  }

  private String readIdentChars() {
    int s = i;
    while (i < src.length() && isIdentPart(src.charAt(i))) {
      i++;
    }
    return src.substring(s, i);
  }

  private void readWord() {
    int start = i;
    String w = readIdentChars();
    if (i + 1 < src.length() && src.charAt(i) == '-' && Character.isLetter(src.charAt(i + 1))) {
      int save = i;
      i++;
      String tail = readIdentChars();
      if (HYPHENATED.contains(w + "-" + tail)) {
        w = w + "-" + tail;
      } else {
        i = save;
      }
    }
    if (w.equals("in") && i < src.length() && src.charAt(i) == '~') {
      i++;
      w = "in~";
    }
    if (RAW_LITERALS.contains(w)) {
      int save = i;
      skipSpaceAndComments();
      if (i < src.length() && src.charAt(i) == '(') {
        out.add(new Token(Token.Kind.IDENT, w, start));
        out.add(new Token(Token.Kind.RAW, readRawParenthesized(), i));
        return;
      }
      i = save;
    }
    out.add(new Token(Token.Kind.IDENT, w, start));
  }

  /** Reads {@code ( ... )} with nesting and quotes respected; returns the inside, trimmed. */
  private String readRawParenthesized() {
    int open = i;
    int depth = 0;
    while (i < src.length()) {
      char c = src.charAt(i);
      if (c == '\'' || c == '"') {
        char q = c;
        i++;
        while (i < src.length() && src.charAt(i) != q) {
          if (src.charAt(i) == '\\') {
            i++;
          }
          i++;
        }
        i++;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
        if (depth == 0) {
          i++;
          return src.substring(open + 1, i - 1).trim();
        }
      }
      i++;
    }
    throw syntax(open, "unbalanced parentheses");
  }

  private void readOperator() {
    int start = i;
    // ['name'] and ["name"] are quoted identifiers only where the parser expects a name; emit parts as tokens.
    for (String op : OPERATORS) {
      if (src.startsWith(op, i)) {
        i += op.length();
        out.add(new Token(Token.Kind.OP, op, start));
        return;
      }
    }
    throw syntax(start, "unexpected character '" + src.charAt(i) + "'");
  }

  static KqlException syntax(int pos, String what) {
    return new KqlException(KqlException.Kind.SYNTAX,
        Character.toUpperCase(what.charAt(0)) + what.substring(1) + " at position " + pos);
  }
}
