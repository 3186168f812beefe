package org.defenderadx.migration.common.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of the value forms configuration accepts: durations and byte sizes. */
public final class ConfigValues {
  private ConfigValues() {
  }

  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|kib|mb|mib|gb|gib)?");

  /** ISO-8601 ({@code PT5M}, {@code P30D}) or short forms {@code 100ms 30s 5m 1h 30d}. */
  public static Duration parseDuration(String text) {
    String t = text.trim();
    Matcher m = SHORT_DURATION.matcher(t.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(t);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + text + "' is not a duration (use e.g. 5m, 1h, 30d or PT5M)");
    }
  }

  /** Bytes: a plain number or a number with B, KB, MB, GB (decimal) or KiB, MiB, GiB (binary). */
  public static long parseSize(String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a size (use e.g. 50MB, 1MiB or a number of bytes)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    long factor = switch (unit) {
      case "kb" -> 1_000L;
      case "kib" -> 1L << 10;
      case "mb" -> 1_000_000L;
      case "mib" -> 1L << 20;
      case "gb" -> 1_000_000_000L;
      case "gib" -> 1L << 30;
      default -> 1L;
    };
    return Math.multiplyExact(n, factor);
  }
}
