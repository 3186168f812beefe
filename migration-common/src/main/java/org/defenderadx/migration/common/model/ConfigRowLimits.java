package org.defenderadx.migration.common.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The bounds a {@code MigrationConfiguration} row must keep. Anyone who can write to the database writes these rows,
 * so they are untrusted input: every value that sizes work, moves state or names a table is checked here, and a row
 * outside the bounds is refused (reported, audited and skipped), never acted on.
 */
public final class ConfigRowLimits {

  /** Versions stay exact as doubles (JSON, Kusto {@code dynamic}) and can always be incremented. */
  public static final long MAX_VERSION = 1L << 53;
  /**
   * The longest LateArrivalAllowance: windows close this long after their column time, so anything near the 30-day
   * horizon would never export before the service forgets the rows.
   */
  public static final Duration MAX_LATE_ARRIVAL_ALLOWANCE = Duration.ofDays(14);
  /** How far a watermark may lie ahead of the clock (ours or the service's) before the row is refused. */
  public static final Duration MAX_WATERMARK_AHEAD = Duration.ofDays(1);
  /** Our queries' own names ({@code __lo}, {@code __hi}, ...) start with this: no column named so is accepted. */
  public static final String RESERVED_PREFIX = "__";
  /** The longest name or reason echoed into a log line or an audit row. */
  private static final int MAX_ECHO = 200;
  /** Tables of our own state: never a destination of exported rows. */
  private static final Set<String> STATE_TABLES = Set.of("migrationconfiguration", "migrationauditlog",
      "migrationplannedunits");

  private ConfigRowLimits() {
  }

  /**
   * A name column's raw value must be the name itself: no surrounding blanks (a padded {@code ' DeviceInfo '} would
   * be a second row for the same table) and no control characters (a newline would forge log lines).
   */
  static void requireClean(String column, Object raw) {
    if (raw == null) {
      return;
    }
    String s = String.valueOf(raw);
    if (!s.equals(s.strip()) && !column.equals("WatermarkColumn")) { // a padded sentinel ('  None ') is harmless
      throw new IllegalArgumentException(column + " '" + printable(s) + "' has blanks around it");
    }
    if (s.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(column + " '" + printable(s) + "' holds control characters");
    }
  }

  static void checkVersion(OptionalLong version) {
    if (version.isPresent() && (version.getAsLong() < 0 || version.getAsLong() > MAX_VERSION)) {
      throw new IllegalArgumentException("Version " + version.getAsLong() + " is outside 0.." + MAX_VERSION);
    }
  }

  static void checkAllowance(Duration allowance) {
    if (allowance != null && (allowance.isNegative() || allowance.compareTo(MAX_LATE_ARRIVAL_ALLOWANCE) > 0)) {
      throw new IllegalArgumentException("LateArrivalAllowance " + allowance + " is outside 0.."
          + MAX_LATE_ARRIVAL_ALLOWANCE.toDays() + " days");
    }
  }

  /** Why {@code column} cannot be a watermark column, if it cannot. */
  static Optional<String> watermarkColumnProblem(String column) {
    if (column.startsWith(RESERVED_PREFIX)) {
      return Optional.of("WatermarkColumn '" + printable(column) + "' starts with " + RESERVED_PREFIX
          + ", which our queries reserve for their own names");
    }
    return Optional.empty();
  }

  /**
   * Why {@code destination} cannot receive {@code source}'s rows, if it cannot: a destination is named after its
   * source ({@code DeviceInfoRaw}, or per tenant {@code DeviceInfoContoso}), so no row can send one table's rows into
   * another table's raw table, and never into our state tables.
   */
  static Optional<String> destinationProblem(String source, String destination) {
    if (STATE_TABLES.contains(destination.toLowerCase(Locale.ROOT))) {
      return Optional.of("DestinationTable " + destination + " is one of our state tables");
    }
    if (!destination.startsWith(source) || destination.length() == source.length()) {
      return Optional.of("DestinationTable " + destination + " is not named after " + source + " (such as "
          + source + "Raw): a row may not send its rows into another table");
    }
    return Optional.empty();
  }

  /** Why {@code row}'s watermark cannot be right at {@code now}, if it cannot (a watermark years ahead stalls it). */
  public static Optional<String> watermarkProblem(MigrationConfigRow row, Instant now) {
    return row.lastRefreshed().filter(w -> w.isAfter(now.plus(MAX_WATERMARK_AHEAD)))
        .map(w -> "LastRefreshedTime " + w + " is more than " + MAX_WATERMARK_AHEAD.toHours()
            + " hours ahead of the clock (ours and the service's)");
  }

  /** {@code s} safe to echo in one log line or audit row: control characters replaced, length bounded. */
  public static String printable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_ECHO + 3));
    for (int i = 0; i < s.length() && b.length() < MAX_ECHO; i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) ? '?' : c);
    }
    if (s.length() > MAX_ECHO) {
      b.append("...");
    }
    return b.toString();
  }
}
