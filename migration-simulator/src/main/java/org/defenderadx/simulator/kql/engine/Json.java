package org.defenderadx.simulator.kql.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.defenderadx.simulator.kql.KqlException;

/** Compact JSON for dynamic values: deterministic rendering (bag keys in insertion order) and a lenient parser. */
public final class Json {
  private Json() {
  }

  public static String render(Object v) {
    StringBuilder sb = new StringBuilder();
    write(sb, v);
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        writeString(sb, String.valueOf(e.getKey()));
        sb.append(':');
        write(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof List<?> l) {
      sb.append('[');
      for (int k = 0; k < l.size(); k++) {
        if (k > 0) {
          sb.append(',');
        }
        write(sb, l.get(k));
      }
      sb.append(']');
    } else if (v instanceof Boolean || v instanceof Long || v instanceof Integer) {
      sb.append(v);
    } else if (v instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        writeString(sb, Values.formatReal(d));
      } else {
        sb.append(Values.formatReal(d));
      }
    } else if (v instanceof String s) {
      writeString(sb, s);
    } else {
      writeString(sb, Values.toText(v));
    }
  }

  private static void writeString(StringBuilder sb, String s) {
    sb.append('"');
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      switch (c) {
        case '"': sb.append("\\\""); break;
        case '\\': sb.append("\\\\"); break;
        case '\n': sb.append("\\n"); break;
        case '\r': sb.append("\\r"); break;
        case '\t': sb.append("\\t"); break;
        case '\b': sb.append("\\b"); break;
        case '\f': sb.append("\\f"); break;
        default:
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    sb.append('"');
  }

  /** Parses JSON (single-quoted strings allowed, as in KQL dynamic literals); throws on malformed text. */
  public static Object parse(String text) {
    JsonReader r = new JsonReader(text);
    r.skipWs();
    Object v = r.value();
    r.skipWs();
    if (r.i != text.length()) {
      throw r.error();
    }
    return v;
  }

  /** As {@link #parse} but returns null for malformed text, and a JSON string's value for non-JSON text. */
  public static Object parseLenient(String text) {
    try {
      return parse(text);
    } catch (KqlException e) {
      return text;
    }
  }

  private static final class JsonReader {
    private final String s;
    private int i;

    JsonReader(String s) {
      this.s = s;
    }

    void skipWs() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    KqlException error() {
      return new KqlException(KqlException.Kind.SYNTAX, "Invalid JSON at position " + i + ": " + s);
    }

    Object value() {
      if (i >= s.length()) {
        throw error();
      }
      char c = s.charAt(i);
      if (c == '{') {
        i++;
        Map<String, Object> m = new LinkedHashMap<>();
        skipWs();
        if (peek('}')) {
          i++;
          return m;
        }
        while (true) {
          skipWs();
          String key = string();
          skipWs();
          expect(':');
          skipWs();
          m.put(key, value());
          skipWs();
          if (peek(',')) {
            i++;
            continue;
          }
          expect('}');
          return m;
        }
      }
      if (c == '[') {
        i++;
        List<Object> l = new ArrayList<>();
        skipWs();
        if (peek(']')) {
          i++;
          return l;
        }
        while (true) {
          skipWs();
          l.add(value());
          skipWs();
          if (peek(',')) {
            i++;
            continue;
          }
          expect(']');
          return l;
        }
      }
      if (c == '"' || c == '\'') {
        return string();
      }
      if (s.startsWith("true", i)) {
        i += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("false", i)) {
        i += 5;
        return Boolean.FALSE;
      }
      if (s.startsWith("null", i)) {
        i += 4;
        return null;
      }
      return number();
    }

    private boolean peek(char c) {
      return i < s.length() && s.charAt(i) == c;
    }

    private void expect(char c) {
      if (!peek(c)) {
        throw error();
      }
      i++;
    }

    private String string() {
      if (!(peek('"') || peek('\''))) {
        throw error();
      }
      char q = s.charAt(i++);
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (i >= s.length()) {
          throw error();
        }
        char c = s.charAt(i++);
        if (c == q) {
          return sb.toString();
        }
        if (c == '\\') {
          char e = s.charAt(i++);
          switch (e) {
            case 'n': sb.append('\n'); break;
            case 't': sb.append('\t'); break;
            case 'r': sb.append('\r'); break;
            case 'b': sb.append('\b'); break;
            case 'f': sb.append('\f'); break;
            case 'u':
              sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
              i += 4;
              break;
            default: sb.append(e);
          }
        } else {
          sb.append(c);
        }
      }
    }

    private Object number() {
      int start = i;
      if (peek('-') || peek('+')) {
        i++;
      }
      boolean real = false;
      while (i < s.length()) {
        char c = s.charAt(i);
        if (Character.isDigit(c)) {
          i++;
        } else if (c == '.' || c == 'e' || c == 'E' || ((c == '-' || c == '+') && real)) {
          real = true;
          i++;
        } else {
          break;
        }
      }
      String t = s.substring(start, i);
      if (t.isEmpty() || t.equals("-")) {
        throw error();
      }
      try {
        if (!real) {
          try {
            return Long.parseLong(t);
          } catch (NumberFormatException e) {
            return Double.parseDouble(t);
          }
        }
        return Double.parseDouble(t);
      } catch (NumberFormatException e) {
        throw error();
      }
    }
  }
}
