package org.defenderadx.migration.common.kql;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kusto's time resolution is the .NET tick, 100 ns. Watermarks and window bounds are kept in ticks end to end: an
 * {@link Instant} is truncated to a whole tick (never to micros, which would re-select the last rows of a window),
 * written with exactly 7 fractional digits and read back from 0 to 7 digits.
 */
public final class KustoTime {
  public static final long NANOS_PER_TICK = 100;
  public static final Duration TICK = Duration.ofNanos(NANOS_PER_TICK);
  private static final long TICKS_PER_SECOND = 10_000_000L;

  /** Kusto's datetime range: 0001-01-01 to 9999-12-31T23:59:59.9999999. */
  public static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
  public static final Instant MAX = Instant.parse("9999-12-31T23:59:59.9999999Z");

  private static final Pattern DATETIME = Pattern.compile(
      "(\\d{4})-(\\d{2})-(\\d{2})(?:[T ](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,7}))?)?)?Z?");

  private KustoTime() {
  }

  /** The instant rounded down to a whole tick. */
  public static Instant truncate(Instant instant) {
    int nanos = instant.getNano();
    return Instant.ofEpochSecond(instant.getEpochSecond(), nanos - nanos % (int) NANOS_PER_TICK);
  }

  /** Whole ticks since the Unix epoch (negative before 1970), rounding down. */
  public static long toTicks(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), TICKS_PER_SECOND),
        instant.getNano() / NANOS_PER_TICK);
  }

  public static Instant fromTicks(long ticksSinceEpoch) {
    long seconds = Math.floorDiv(ticksSinceEpoch, TICKS_PER_SECOND);
    long ticks = Math.floorMod(ticksSinceEpoch, TICKS_PER_SECOND);
    return Instant.ofEpochSecond(seconds, ticks * NANOS_PER_TICK);
  }

  /** Whole ticks in a duration, rounding down; the duration must not be negative. */
  public static long toTicks(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("negative duration " + duration);
    }
    return Math.addExact(Math.multiplyExact(duration.getSeconds(), TICKS_PER_SECOND),
        duration.getNano() / NANOS_PER_TICK);
  }

  public static Duration durationOfTicks(long ticks) {
    return Duration.ofSeconds(Math.floorDiv(ticks, TICKS_PER_SECOND),
        Math.floorMod(ticks, TICKS_PER_SECOND) * NANOS_PER_TICK);
  }

  /** {@code 2026-11-01T00:00:00.1234567Z}: always 7 fractional digits and Z; sub-tick nanos are dropped. */
  public static String format(Instant instant) {
    requireInRange(instant);
    Instant t = truncate(instant);
    LocalDateTime ldt = LocalDateTime.ofEpochSecond(t.getEpochSecond(), 0, ZoneOffset.UTC);
    return String.format("%04d-%02d-%02dT%02d:%02d:%02d.%07dZ", ldt.getYear(), ldt.getMonthValue(),
        ldt.getDayOfMonth(), ldt.getHour(), ldt.getMinute(), ldt.getSecond(), t.getNano() / NANOS_PER_TICK);
  }

  /** {@code datetime(2026-11-01T00:00:00.1234567Z)}. */
  public static String literal(Instant instant) {
    return "datetime(" + format(instant) + ")";
  }

  /**
   * Reads a Kusto datetime string: {@code yyyy-MM-ddTHH:mm:ss} with 0 to 7 fractional digits, {@code T} or a
   * space, a trailing {@code Z} or none (Kusto datetimes are UTC); a date alone is midnight. Also accepts the
   * {@code datetime(...)} literal form.
   */
  public static Instant parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("datetime text is null");
    }
    String s = text.trim();
    if (s.startsWith("datetime(") && s.endsWith(")")) {
      s = s.substring("datetime(".length(), s.length() - 1).trim();
    }
    Matcher m = DATETIME.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a Kusto datetime (expected yyyy-MM-ddTHH:mm:ss[.fffffff][Z]): '"
          + text + "'");
    }
    try {
      LocalDateTime ldt = LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
          Integer.parseInt(m.group(3)), intOrZero(m.group(4)), intOrZero(m.group(5)), intOrZero(m.group(6)));
      String fraction = m.group(7) == null ? "" : m.group(7);
      long ticks = fraction.isEmpty() ? 0 : Long.parseLong((fraction + "0000000").substring(0, 7));
      return ldt.toInstant(ZoneOffset.UTC).plusNanos(ticks * NANOS_PER_TICK);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("not a valid datetime: '" + text + "': " + e.getMessage(), e);
    }
  }

  private static int intOrZero(String group) {
    return group == null ? 0 : Integer.parseInt(group);
  }

  private static void requireInRange(Instant instant) {
    if (instant.isBefore(MIN) || instant.isAfter(MAX)) {
      throw new IllegalArgumentException("instant " + instant + " is outside Kusto's datetime range");
    }
  }

  /**
   * A datetime value as the Kusto SDK or a caller hands it over (Instant, LocalDateTime in UTC, OffsetDateTime,
   * ZonedDateTime, Date, or Kusto text), kept to whole ticks; null for null or blank text.
   */
  public static Instant fromValue(Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof Instant i) {
      return truncate(i);
    }
    if (v instanceof java.time.LocalDateTime ldt) {
      return truncate(ldt.toInstant(java.time.ZoneOffset.UTC));
    }
    if (v instanceof java.time.OffsetDateTime odt) {
      return truncate(odt.toInstant());
    }
    if (v instanceof java.time.ZonedDateTime zdt) {
      return truncate(zdt.toInstant());
    }
    if (v instanceof java.util.Date d) {
      return d.toInstant();
    }
    String s = String.valueOf(v).trim();
    return s.isEmpty() ? null : parse(s);
  }
}
