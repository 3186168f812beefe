package org.defenderadx.simulator.adx.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A hand-written reader over the text of one management command: keywords (case-insensitive), names (plain or
 * {@code ['quoted']}), every Kusto string-literal form, balanced brackets, and {@code with (k=v, ...)} properties.
 */
final class CommandCursor {
  private final String text;
  private int pos;

  CommandCursor(String text) {
    this.text = text;
  }

  String text() {
    return text;
  }

  int position() {
    return pos;
  }

  void skipWs() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (Character.isWhitespace(c)) {
        pos++;
      } else if (c == '/' && pos + 1 < text.length() && text.charAt(pos + 1) == '/') {
        while (pos < text.length() && text.charAt(pos) != '\n') {
          pos++;
        }
      } else {
        return;
      }
    }
  }

  boolean atEnd() {
    skipWs();
    return pos >= text.length();
  }

  /** The next keyword-like word (letters, digits, '_', '-', '.'), without consuming it; "" if none. */
  String peekWord() {
    skipWs();
    int end = pos;
    while (end < text.length() && isWordChar(text.charAt(end))) {
      end++;
    }
    return text.substring(pos, end);
  }

  String readWord() {
    String w = peekWord();
    pos += w.length();
    return w;
  }

  boolean acceptWord(String word) {
    if (peekWord().equalsIgnoreCase(word)) {
      pos += word.length();
      return true;
    }
    return false;
  }

  void expectWord(String word) {
    if (!acceptWord(word)) {
      throw new CommandException("Syntax error: expected '" + word + "' at position " + pos + " of the command, found '"
          + snippet() + "'");
    }
  }

  boolean acceptSymbol(String symbol) {
    skipWs();
    if (text.startsWith(symbol, pos)) {
      pos += symbol.length();
      return true;
    }
    return false;
  }

  void expectSymbol(String symbol) {
    if (!acceptSymbol(symbol)) {
      throw new CommandException("Syntax error: expected '" + symbol + "' at position " + pos + ", found '"
          + snippet() + "'");
    }
  }

  boolean peekSymbol(String symbol) {
    skipWs();
    return text.startsWith(symbol, pos);
  }

  /** An entity name: an identifier, {@code ['name']} or {@code ["name"]}. */
  String readName() {
    skipWs();
    if (acceptSymbol("[")) {
      String n = readString();
      expectSymbol("]");
      return n;
    }
    int end = pos;
    while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_'
        || text.charAt(end) == '$')) {
      end++;
    }
    if (end == pos) {
      throw new CommandException("Syntax error: expected a name at position " + pos + ", found '" + snippet() + "'");
    }
    String n = text.substring(pos, end);
    pos = end;
    return n;
  }

  boolean peekString() {
    skipWs();
    if (pos >= text.length()) {
      return false;
    }
    char c = text.charAt(pos);
    if (c == '\'' || c == '"' || text.startsWith("```", pos)) {
      return true;
    }
    if ((c == '@' || c == 'h' || c == 'H') && pos + 1 < text.length()) {
      char d = text.charAt(pos + 1);
      if (d == '\'' || d == '"') {
        return true;
      }
      return (c == 'h' || c == 'H') && d == '@' && pos + 2 < text.length()
          && (text.charAt(pos + 2) == '\'' || text.charAt(pos + 2) == '"');
    }
    return false;
  }

  /** Reads one Kusto string literal of any form and returns its value. */
  String readString() {
    skipWs();
    if (pos >= text.length()) {
      throw new CommandException("Syntax error: expected a string literal at the end of the command");
    }
    if (text.startsWith("```", pos)) {
      int end = text.indexOf("```", pos + 3);
      if (end < 0) {
        throw new CommandException("Syntax error: unterminated ``` string literal");
      }
      String v = text.substring(pos + 3, end);
      pos = end + 3;
      return v;
    }
    if (text.charAt(pos) == 'h' || text.charAt(pos) == 'H') {
      pos++;
    }
    boolean verbatim = false;
    if (text.charAt(pos) == '@') {
      verbatim = true;
      pos++;
    }
    char q = text.charAt(pos);
    if (q != '\'' && q != '"') {
      throw new CommandException("Syntax error: expected a string literal at position " + pos);
    }
    pos++;
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        throw new CommandException("Syntax error: unterminated string literal");
      }
      char c = text.charAt(pos++);
      if (c == q) {
        if (verbatim && pos < text.length() && text.charAt(pos) == q) {
          sb.append(q);
          pos++;
          continue;
        }
        return sb.toString();
      }
      if (!verbatim && c == '\\' && pos < text.length()) {
        char e = text.charAt(pos++);
        switch (e) {
          case 'n' -> sb.append('\n');
          case 't' -> sb.append('\t');
          case 'r' -> sb.append('\r');
          case '0' -> sb.append('\0');
          default -> sb.append(e);
        }
        continue;
      }
      sb.append(c);
    }
  }

  /** The raw text between an opening bracket at the cursor and its matching close, skipping string literals. */
  String readBalanced(char open, char close) {
    skipWs();
    if (pos >= text.length() || text.charAt(pos) != open) {
      throw new CommandException("Syntax error: expected '" + open + "' at position " + pos);
    }
    int start = pos + 1;
    int end = matchingClose(text, pos, open, close);
    pos = end + 1;
    return text.substring(start, end);
  }

  static int matchingClose(String s, int openAt, char open, char close) {
    int depth = 0;
    int i = openAt;
    while (i < s.length()) {
      char c = s.charAt(i);
      int skip = skipLiteral(s, i);
      if (skip > i) {
        i = skip;
        continue;
      }
      if (c == open) {
        depth++;
      } else if (c == close) {
        depth--;
        if (depth == 0) {
          return i;
        }
      }
      i++;
    }
    throw new CommandException("Syntax error: '" + open + "' is never closed");
  }

  /** If a string literal starts at i, the index just after it; otherwise i. */
  static int skipLiteral(String s, int i) {
    if (s.startsWith("```", i)) {
      int end = s.indexOf("```", i + 3);
      return end < 0 ? s.length() : end + 3;
    }
    char c = s.charAt(i);
    int j = i;
    boolean verbatim = false;
    if ((c == '@' || c == 'h' || c == 'H') && i + 1 < s.length() && (s.charAt(i + 1) == '\'' || s.charAt(i + 1) == '"')) {
      if (c == '@') {
        verbatim = true;
      }
      if (i > 0 && (Character.isLetterOrDigit(s.charAt(i - 1)) || s.charAt(i - 1) == '_')) {
        return i;
      }
      j = i + 1;
    } else if (c != '\'' && c != '"') {
      return i;
    }
    char q = s.charAt(j);
    int k = j + 1;
    while (k < s.length()) {
      char d = s.charAt(k);
      if (!verbatim && d == '\\') {
        k += 2;
        continue;
      }
      if (d == q) {
        if (verbatim && k + 1 < s.length() && s.charAt(k + 1) == q) {
          k += 2;
          continue;
        }
        return k + 1;
      }
      k++;
    }
    return s.length();
  }

  /** Everything after the cursor. */
  String rest() {
    String r = text.substring(Math.min(pos, text.length()));
    pos = text.length();
    return r;
  }

  /** A value in a property list: string literal, name, number, bool, or {@code dynamic(...)} / {@code datetime(...)} as raw text. */
  String readPropertyValue() {
    if (peekString()) {
      return readString();
    }
    skipWs();
    int start = pos;
    String w = readWord();
    if (peekSymbol("(")) {
      String inner = readBalanced('(', ')');
      return w.equalsIgnoreCase("dynamic") ? inner.trim() : w + "(" + inner + ")";
    }
    if (w.isEmpty()) {
      throw new CommandException("Syntax error: expected a property value at position " + start);
    }
    return w;
  }

  /** {@code with (k = v, ...)} if present (keys case-insensitive); empty otherwise. */
  Map<String, String> readWithProperties() {
    Map<String, String> props = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    if (!acceptWord("with")) {
      return props;
    }
    expectSymbol("(");
    while (!acceptSymbol(")")) {
      String key = readWord();
      if (key.isEmpty()) {
        throw new CommandException("Syntax error: expected a property name at position " + pos);
      }
      expectSymbol("=");
      props.put(key, readPropertyValue());
      acceptSymbol(",");
    }
    return props;
  }

  /** A parenthesised list of strings or names: {@code ('a', 'b')} or {@code (A, B)}. */
  List<String> readStringList() {
    List<String> out = new ArrayList<>();
    expectSymbol("(");
    while (!acceptSymbol(")")) {
      out.add(peekString() ? readString() : readName());
      acceptSymbol(",");
    }
    return out;
  }

  String snippet() {
    return text.substring(pos, Math.min(text.length(), pos + 40)).replace('\n', ' ');
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.';
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
