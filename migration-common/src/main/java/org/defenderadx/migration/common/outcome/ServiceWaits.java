package org.defenderadx.migration.common.outcome;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Waits the service asks for, read without trusting them: a {@code Retry-After} header, or the "again in ..." of a
 * quota message. Nothing here throws, whatever the text; a wait is never negative and never longer than the
 * caller's maximum (a service asking for more is asking for the maximum); text that names no wait gives none, and
 * the caller falls back to its own backoff.
 */
public final class ServiceWaits {

  /** The longest wait the service can impose unless configured otherwise: one CPU-quota cycle. */
  public static final Duration DEFAULT_MAX = Duration.ofMinutes(15);

  /** Numbers with more digits than this are past any maximum; parsing them is not worth it. */
  private static final int MAX_DIGITS = 12;
  /** A Retry-After longer than this is not one the standard allows (delta-seconds or an HTTP date). */
  private static final int MAX_HEADER_CHARS = 64;
  private static final Pattern DECIMAL = Pattern.compile("\\+?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
  // Digit runs are bounded, so that a body of digits costs the matcher no backtracking to speak of.
  private static final Pattern CLOCK = Pattern.compile(
      "again in\\s{1,8}(?:(\\d{1,40})\\.)?(\\d{1,40}):(\\d{1,40}):(\\d{1,40})");
  private static final Pattern UNITS = Pattern.compile("again in\\s{1,8}(?:(\\d{1,40})\\s*h(?:ours?)?)?\\s*"
      + "(?:(\\d{1,40})\\s*m(?:in(?:ute)?s?)?)?\\s*(?:(\\d{1,40})\\s*s(?:ec(?:ond)?s?)?)?");

  private static final Pattern QUOTA_WINDOW = Pattern.compile(
      "maximum allowed\\s{1,8}(\\d{1,12})\\s{1,8}per\\s{1,8}(?:(\\d{1,40})\\.)?(\\d{1,40}):(\\d{1,40}):(\\d{1,40})");

  private ServiceWaits() {
  }

  /**
   * The window of a call-quota message, "maximum allowed 45 per 00:01:00" (the legacy API's form): waiting that long
   * lets every call counted against the quota leave it. {@code lowerText} is lower case.
   */
  public static Optional<Duration> quotaWindow(String lowerText, Duration max) {
    if (lowerText == null) {
      return Optional.empty();
    }
    Matcher m = QUOTA_WINDOW.matcher(lowerText);
    if (!m.find()) {
      return Optional.empty();
    }
    Duration d = sum(max, new String[] {m.group(2), m.group(3), m.group(4), m.group(5)}, 86_400, 3_600, 60, 1);
    return d.isZero() ? Optional.empty() : Optional.of(d);
  }

  /**
   * The call rate a call-quota message states, per minute: "maximum allowed 4 per 00:00:10" is 24. Only windows of
   * at most {@link #RATE_WINDOW_MAX} say something about the rate to keep (an hourly limit is kept by the hourly
   * budget); a rate below 2 a minute reads as 2, above 100,000 as absent. {@code lowerText} is lower case.
   */
  public static OptionalInt statedPerMinute(String lowerText) {
    if (lowerText == null) {
      return OptionalInt.empty();
    }
    Matcher m = QUOTA_WINDOW.matcher(lowerText);
    if (!m.find()) {
      return OptionalInt.empty();
    }
    Duration window = sum(Duration.ofDays(7), new String[] {m.group(2), m.group(3), m.group(4), m.group(5)}, 86_400,
        3_600, 60, 1);
    long calls = Long.parseLong(m.group(1));
    if (window.isZero() || window.compareTo(RATE_WINDOW_MAX) > 0 || calls < 1) {
      return OptionalInt.empty();
    }
    long perMinute = calls * 60_000 / Math.max(1, window.toMillis());
    return perMinute > 100_000 ? OptionalInt.empty() : OptionalInt.of((int) Math.max(2, perMinute));
  }

  /** The longest quota window whose stated rate is learned (the minute's, and shorter ones). */
  static final Duration RATE_WINDOW_MAX = Duration.ofMinutes(5);

  /**
   * A {@code Retry-After} value: delta-seconds (whole or, as Graph sends them, decimal; an exponent is read too), or
   * an HTTP date. A date already past waits nothing. Empty for a negative number or for text that is neither.
   */
  public static Optional<Duration> retryAfter(String value, Instant now, Duration max) {
    if (value == null) {
      return Optional.empty();
    }
    String v = value.trim();
    if (v.isEmpty() || v.length() > MAX_HEADER_CHARS) {
      return Optional.empty();
    }
    if (DECIMAL.matcher(v).matches()) {
      return Optional.of(seconds(v, max));
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return Optional.of(clamp(at.isBefore(now) ? Duration.ZERO : Duration.between(now, at), max));
    } catch (DateTimeException | ArithmeticException notADate) {
      return Optional.empty();
    }
  }

  /**
   * The wait in a message's "again in {@code [d.]hh:mm:ss}" (the portal's and the API's form) or "again in 1h 2m 3s"
   * (hours, minutes, seconds, any of them). {@code lowerText} is lower case.
   */
  public static Optional<Duration> runAgainIn(String lowerText, Duration max) {
    if (lowerText == null) {
      return Optional.empty();
    }
    Matcher clock = CLOCK.matcher(lowerText);
    if (clock.find()) {
      return Optional.of(sum(max, new String[] {clock.group(1), clock.group(2), clock.group(3), clock.group(4)},
          86_400, 3_600, 60, 1));
    }
    Matcher units = UNITS.matcher(lowerText);
    while (units.find()) {
      if (units.group(1) != null || units.group(2) != null || units.group(3) != null) {
        Duration d = sum(max, new String[] {units.group(1), units.group(2), units.group(3)}, 3_600, 60, 1);
        if (!d.isZero()) {
          return Optional.of(d);
        }
      }
    }
    return Optional.empty();
  }

  /** {@code d} within {@code [0, max]}. */
  public static Duration clamp(Duration d, Duration max) {
    return d.isNegative() ? Duration.ZERO : d.compareTo(max) > 0 ? max : d;
  }

  private static Duration seconds(String decimal, Duration max) {
    BigDecimal s;
    try {
      s = new BigDecimal(decimal.startsWith("+") ? decimal.substring(1) : decimal);
    } catch (NumberFormatException | ArithmeticException exponentOutOfRange) {
      // A number BigDecimal cannot hold: huge if its exponent is positive, nothing if negative.
      return decimal.matches(".*[eE]-.*") ? Duration.ZERO : max;
    }
    if (s.compareTo(BigDecimal.valueOf(max.getSeconds() + 1L)) > 0) {
      return max;
    }
    long millis = s.movePointRight(3).setScale(0, RoundingMode.CEILING).longValue();
    return clamp(Duration.ofMillis(millis), max);
  }

  /** The sum of {@code digits[i] × seconds[i]} (null digits count 0), or {@code max} if it is longer. */
  private static Duration sum(Duration max, String[] digits, int... seconds) {
    long total = 0;
    for (int i = 0; i < digits.length; i++) {
      if (digits[i] == null) {
        continue;
      }
      String significant = digits[i].replaceFirst("^0+(?=\\d)", "");
      if (significant.length() > MAX_DIGITS) {
        return max;
      }
      total += Long.parseLong(significant) * seconds[i]; // below 10^12 × 86,400 each: no overflow
    }
    return clamp(Duration.ofSeconds(total), max);
  }
}
