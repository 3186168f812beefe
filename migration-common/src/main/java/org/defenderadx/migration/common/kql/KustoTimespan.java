package org.defenderadx.migration.common.kql;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kusto timespans as the SDK returns them ({@code [-][d.]hh:mm:ss[.fffffff]}), as KQL literals ({@code 2h},
 * {@code 30m}, {@code 1.5d}, {@code time(...)}) or as ISO-8601 ({@code PT1H}).
 */
public final class KustoTimespan {
  private static final Pattern CLOCK = Pattern.compile("(-)?(?:(\\d+)\\.)?(\\d{1,2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,7}))?");
  private static final Pattern UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(d|day|days|h|hr|hrs|hour|hours|m|min|minute|minutes|s|sec|second|seconds|ms|milli|millis|millisecond|milliseconds|microsecond|microseconds|tick|ticks)");

  private KustoTimespan() {
  }

  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("timespan text is empty");
    }
    String s = text.trim();
    if ((s.startsWith("time(") || s.startsWith("timespan(")) && s.endsWith(")")) {
      s = s.substring(s.indexOf('(') + 1, s.length() - 1).trim();
    }
    Matcher clock = CLOCK.matcher(s);
    if (clock.matches()) {
      long days = clock.group(2) == null ? 0 : Long.parseLong(clock.group(2));
      String fraction = clock.group(6) == null ? "" : clock.group(6);
      long ticks = fraction.isEmpty() ? 0 : Long.parseLong((fraction + "0000000").substring(0, 7));
      Duration d = Duration.ofDays(days).plusHours(Long.parseLong(clock.group(3)))
          .plusMinutes(Long.parseLong(clock.group(4))).plusSeconds(Long.parseLong(clock.group(5)))
          .plusNanos(ticks * KustoTime.NANOS_PER_TICK);
      return clock.group(1) != null ? d.negated() : d;
    }
    Matcher unit = UNIT.matcher(s.toLowerCase(java.util.Locale.ROOT));
    if (unit.matches()) {
      java.math.BigDecimal amount = new java.math.BigDecimal(unit.group(1));
      long nanosPerUnit = switch (unit.group(2)) {
        case "d", "day", "days" -> 86_400_000_000_000L;
        case "h", "hr", "hrs", "hour", "hours" -> 3_600_000_000_000L;
        case "m", "min", "minute", "minutes" -> 60_000_000_000L;
        case "s", "sec", "second", "seconds" -> 1_000_000_000L;
        case "ms", "milli", "millis", "millisecond", "milliseconds" -> 1_000_000L;
        case "microsecond", "microseconds" -> 1_000L;
        default -> KustoTime.NANOS_PER_TICK;
      };
      return Duration.ofNanos(amount.multiply(java.math.BigDecimal.valueOf(nanosPerUnit)).longValueExact());
    }
    try {
      return Duration.parse(s);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a timespan: '" + text + "'", e);
    }
  }

  /** {@code [-][d.]hh:mm:ss.fffffff}, the form Kusto prints and {@code totimespan()} reads. */
  public static String format(Duration duration) {
    boolean negative = duration.isNegative();
    Duration d = negative ? duration.negated() : duration;
    long ticks = KustoTime.toTicks(d);
    long totalSeconds = ticks / 10_000_000L;
    long fraction = ticks % 10_000_000L;
    long days = totalSeconds / 86_400;
    long rest = totalSeconds % 86_400;
    String clock = String.format("%02d:%02d:%02d.%07d", rest / 3600, (rest % 3600) / 60, rest % 60, fraction);
    return (negative ? "-" : "") + (days > 0 ? days + "." : "") + clock;
  }

  /** {@code time(1.02:03:04.0000000)}: a KQL timespan literal. */
  public static String literal(Duration duration) {
    return "time(" + format(duration) + ")";
  }
}
