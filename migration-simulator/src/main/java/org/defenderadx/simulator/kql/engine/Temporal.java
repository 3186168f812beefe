package org.defenderadx.simulator.kql.engine;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.defenderadx.simulator.kql.syntax.TimeUnits;

/** Kusto's textual forms of datetime and timespan values, both ways. */
public final class Temporal {
  private Temporal() {
  }

  /** Truncates to 100-ns ticks, the datetime resolution. */
  public static Instant toTicks(Instant t) {
    return t.getNano() % 100 == 0 ? t : Instant.ofEpochSecond(t.getEpochSecond(), t.getNano() / 100 * 100);
  }

  /** {@code 2026-11-01T00:00:00.0000000Z}, always 7 fractional digits. */
  public static String format(Instant t) {
    LocalDateTime dt = LocalDateTime.ofEpochSecond(t.getEpochSecond(), 0, ZoneOffset.UTC);
    StringBuilder sb = new StringBuilder(28);
    int year = dt.getYear();
    pad(sb, year, 4).append('-');
    pad(sb, dt.getMonthValue(), 2).append('-');
    pad(sb, dt.getDayOfMonth(), 2).append('T');
    pad(sb, dt.getHour(), 2).append(':');
    pad(sb, dt.getMinute(), 2).append(':');
    pad(sb, dt.getSecond(), 2).append('.');
    pad(sb, t.getNano() / 100, 7).append('Z');
    return sb.toString();
  }

  private static StringBuilder pad(StringBuilder sb, int v, int width) {
    String s = Integer.toString(v);
    for (int k = s.length(); k < width; k++) {
      sb.append('0');
    }
    return sb.append(s);
  }

  private static final java.util.regex.Pattern ISO = java.util.regex.Pattern.compile(
      "(\\d{4})-(\\d{1,2})-(\\d{1,2})(?:[Tt ](\\d{1,2}):(\\d{1,2})(?::(\\d{1,2})(?:\\.(\\d{1,9}))?)?)?"
          + "\\s*(Z|z|[+-]\\d{2}:?\\d{2})?");

  /**
   * Parses the ISO forms Kusto accepts: {@code 2026-11-01}, {@code 2026-11-01 10:00}, {@code 2026-11-01T10:00:00Z},
   * one- or two-digit fields, up to 7 significant fractional digits (more are truncated), optional {@code Z} or
   * {@code +hh:mm} offset; RFC 1123 as a fallback. Returns null when the text is not a datetime.
   */
  public static Instant parse(String text) {
    String s = text.trim();
    java.util.regex.Matcher m = ISO.matcher(s);
    if (!m.matches()) {
      return s.isEmpty() ? null : fallback(s);
    }
    try {
      LocalDate date = LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
          Integer.parseInt(m.group(3)));
      int hour = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
      int minute = m.group(5) == null ? 0 : Integer.parseInt(m.group(5));
      int second = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
      if (hour > 23 || minute > 59 || second > 59) {
        return null;
      }
      long fracTicks = 0;
      if (m.group(7) != null) {
        fracTicks = Long.parseLong((m.group(7) + "000000000").substring(0, 7));
      }
      int offsetSeconds = 0;
      String zone = m.group(8);
      if (zone != null && !zone.equalsIgnoreCase("z")) {
        String z = zone.contains(":") ? zone : zone.substring(0, 3) + ":" + zone.substring(3);
        offsetSeconds = ZoneOffset.of(z).getTotalSeconds();
      }
      long epoch = date.toEpochDay() * 86400L + hour * 3600L + minute * 60L + second - offsetSeconds;
      return Instant.ofEpochSecond(epoch, fracTicks * 100);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static Instant fallback(String s) {
    try {
      return toTicks(ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** {@code [-][d.]hh:mm:ss[.fffffff]} as Kusto prints timespans. */
  public static String format(Duration d) {
    long ticks = TimeUnits.toTicks(d);
    StringBuilder sb = new StringBuilder();
    if (ticks < 0) {
      sb.append('-');
      ticks = -ticks;
    }
    long days = ticks / 864_000_000_000L;
    long rem = ticks % 864_000_000_000L;
    if (days > 0) {
      sb.append(days).append('.');
    }
    pad(sb, (int) (rem / 36_000_000_000L), 2).append(':');
    rem %= 36_000_000_000L;
    pad(sb, (int) (rem / 600_000_000L), 2).append(':');
    rem %= 600_000_000L;
    pad(sb, (int) (rem / 10_000_000L), 2);
    rem %= 10_000_000L;
    if (rem != 0) {
      sb.append('.');
      pad(sb, (int) rem, 7);
    }
    return sb.toString();
  }

  /** Parses {@code 1.02:03:04.5}, {@code 02:03}, {@code 1d}, {@code 90s}; null when not a timespan. */
  public static Duration parseDuration(String text) {
    String s = text.trim();
    if (s.isEmpty()) {
      return null;
    }
    Duration unit = TimeUnits.parseNumberWithUnit(s);
    if (unit != null) {
      return unit;
    }
    boolean neg = s.startsWith("-");
    if (neg) {
      s = s.substring(1);
    }
    try {
      if (!s.contains(":")) {
        // A bare number of days, as in timespan(2)
        return neg(TimeUnits.ofTicks(Math.round(Double.parseDouble(s) * 864_000_000_000L)), neg);
      }
      long days = 0;
      int colon = s.indexOf(':');
      int dot = s.indexOf('.');
      if (dot >= 0 && dot < colon) {
        days = Long.parseLong(s.substring(0, dot));
        s = s.substring(dot + 1);
      }
      String[] parts = s.split(":");
      long hours = Long.parseLong(parts[0]);
      long minutes = parts.length > 1 ? Long.parseLong(parts[1]) : 0;
      long ticks = ((days * 24 + hours) * 60 + minutes) * 600_000_000L;
      if (parts.length > 2) {
        String sec = parts[2];
        int fdot = sec.indexOf('.');
        long whole = Long.parseLong(fdot < 0 ? sec : sec.substring(0, fdot));
        ticks += whole * 10_000_000L;
        if (fdot >= 0) {
          String frac = (sec.substring(fdot + 1) + "0000000").substring(0, 7);
          ticks += Long.parseLong(frac);
        }
      }
      return neg(TimeUnits.ofTicks(ticks), neg);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static Duration neg(Duration d, boolean neg) {
    return neg ? d.negated() : d;
  }

  /**
   * .NET-style custom format for {@code format_datetime}: yyyy, yy, MM, M, dd, d, HH, H, hh, h, mm, m, ss, s,
   * f..fffffff, F..FFFFFFF, tt; other letters and punctuation are copied.
   */
  public static String formatCustom(Instant t, String pattern) {
    LocalDateTime dt = LocalDateTime.ofEpochSecond(t.getEpochSecond(), t.getNano(), ZoneOffset.UTC);
    StringBuilder sb = new StringBuilder();
    int i = 0;
    while (i < pattern.length()) {
      char c = pattern.charAt(i);
      int n = 1;
      while (i + n < pattern.length() && pattern.charAt(i + n) == c) {
        n++;
      }
      switch (c) {
        case 'y':
          if (n <= 2) {
            pad(sb, dt.getYear() % 100, n);
          } else {
            pad(sb, dt.getYear(), n);
          }
          break;
        case 'M': pad(sb, dt.getMonthValue(), Math.min(n, 2)); break;
        case 'd': pad(sb, dt.getDayOfMonth(), Math.min(n, 2)); break;
        case 'H': pad(sb, dt.getHour(), Math.min(n, 2)); break;
        case 'h': pad(sb, dt.getHour() % 12 == 0 ? 12 : dt.getHour() % 12, Math.min(n, 2)); break;
        case 'm': pad(sb, dt.getMinute(), Math.min(n, 2)); break;
        case 's': pad(sb, dt.getSecond(), Math.min(n, 2)); break;
        case 't': sb.append(dt.getHour() < 12 ? "AM" : "PM", 0, Math.min(n, 2)); break;
        case 'f':
        case 'F': {
          StringBuilder frac = new StringBuilder();
          pad(frac, dt.getNano() / 100, 7);
          String digits = frac.substring(0, Math.min(n, 7));
          if (c == 'F') {
            digits = digits.replaceAll("0+$", "");
          }
          sb.append(digits);
          break;
        }
        default:
          sb.append(pattern, i, i + n);
          break;
      }
      i += n;
    }
    return sb.toString();
  }
}
