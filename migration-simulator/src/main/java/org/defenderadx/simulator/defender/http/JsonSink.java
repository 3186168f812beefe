package org.defenderadx.simulator.defender.http;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.defenderadx.simulator.defender.ServedValues;

/**
 * A growable UTF-8 byte buffer with just enough JSON writing for result bodies. Hand-written instead of going
 * through JsonObject because large windows are tens of MB and the serving rate matters for benchmarks.
 */
public final class JsonSink {
  private byte[] buf;
  private int len;
  private final StringBuilder scratch = new StringBuilder(32);

  public JsonSink(int initialCapacity) {
    buf = new byte[Math.max(64, initialCapacity)];
  }

  public int length() {
    return len;
  }

  /** Drops everything written after {@code mark}, to undo a row that would cross the byte cap. */
  public void truncate(int mark) {
    len = mark;
  }

  public byte[] bytes() {
    return Arrays.copyOf(buf, len);
  }

  /** The backing array; only the first {@link #length()} bytes are meaningful. */
  public byte[] array() {
    return buf;
  }

  private void ensure(int extra) {
    if (len + extra > buf.length) {
      long want = Math.max((long) buf.length * 2, (long) len + extra);
      if (want > Integer.MAX_VALUE - 16) {
        throw new IllegalStateException("JSON body too large: " + want + " bytes");
      }
      buf = Arrays.copyOf(buf, (int) want);
    }
  }

  public JsonSink raw(char c) {
    ensure(1);
    buf[len++] = (byte) c;
    return this;
  }

  public JsonSink rawBytes(byte[] b) {
    ensure(b.length);
    System.arraycopy(b, 0, buf, len, b.length);
    len += b.length;
    return this;
  }

  public JsonSink raw(String ascii) {
    int n = ascii.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) ascii.charAt(i);
    }
    return this;
  }

  public JsonSink string(CharSequence s) {
    int n = s.length();
    ensure(n + 2);
    buf[len++] = '"';
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x80) {
        if (c == '"' || c == '\\') {
          ensure(2 + (n - i));
          buf[len++] = '\\';
        }
        ensure(1 + (n - i));
        buf[len++] = (byte) c;
      } else if (c < 0x20) {
        ensure(6 + (n - i));
        switch (c) {
          case '\n' -> { buf[len++] = '\\'; buf[len++] = 'n'; }
          case '\r' -> { buf[len++] = '\\'; buf[len++] = 'r'; }
          case '\t' -> { buf[len++] = '\\'; buf[len++] = 't'; }
          case '\b' -> { buf[len++] = '\\'; buf[len++] = 'b'; }
          case '\f' -> { buf[len++] = '\\'; buf[len++] = 'f'; }
          default -> {
            buf[len++] = '\\';
            buf[len++] = 'u';
            buf[len++] = '0';
            buf[len++] = '0';
            buf[len++] = (byte) Character.forDigit(c >> 4, 16);
            buf[len++] = (byte) Character.forDigit(c & 0xF, 16);
          }
        }
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        ensure(4 + (n - i));
        buf[len++] = (byte) (0xF0 | (cp >> 18));
        buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        buf[len++] = (byte) (0x80 | (cp & 0x3F));
      } else if (Character.isSurrogate(c)) {
        ensure(3 + (n - i));
        buf[len++] = (byte) 0xEF; // lone surrogate: U+FFFD, as a UTF-8 encoder would
        buf[len++] = (byte) 0xBF;
        buf[len++] = (byte) 0xBD;
      } else if (c < 0x800) {
        ensure(2 + (n - i));
        buf[len++] = (byte) (0xC0 | (c >> 6));
        buf[len++] = (byte) (0x80 | (c & 0x3F));
      } else {
        ensure(3 + (n - i));
        buf[len++] = (byte) (0xE0 | (c >> 12));
        buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        buf[len++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    ensure(1);
    buf[len++] = '"';
    return this;
  }

  /** Writes a value as the API serves it (see {@link ServedValues}). */
  public JsonSink value(Object v) {
    if (v == null) {
      return raw("null");
    }
    if (v instanceof String s) {
      return string(s);
    }
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return raw(v.toString());
    }
    if (v instanceof Boolean b) {
      return raw(b ? "true" : "false");
    }
    if (v instanceof Double d) {
      return number(d);
    }
    if (v instanceof Float f) {
      return number(f.doubleValue());
    }
    if (v instanceof BigDecimal b) {
      return raw(b.toPlainString());
    }
    if (v instanceof Instant t) {
      scratch.setLength(0);
      scratch.append('"');
      ServedValues.appendDatetime(scratch, t);
      scratch.append('"');
      return raw(scratch.toString());
    }
    if (v instanceof Duration d) {
      return string(ServedValues.timespan(d));
    }
    if (v instanceof UUID u) {
      return string(u.toString());
    }
    if (v instanceof Map<?, ?> m) {
      raw('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          raw(',');
        }
        first = false;
        string(String.valueOf(e.getKey())).raw(':').value(e.getValue());
      }
      return raw('}');
    }
    if (v instanceof List<?> l) {
      raw('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          raw(',');
        }
        value(l.get(i));
      }
      return raw(']');
    }
    return string(v.toString());
  }

  private JsonSink number(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      // Kusto serialises these as strings; JSON has no literal for them.
      return string(Double.isNaN(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"));
    }
    return raw(Double.toString(d));
  }

  public String asString() {
    return new String(buf, 0, len, StandardCharsets.UTF_8);
  }
}
