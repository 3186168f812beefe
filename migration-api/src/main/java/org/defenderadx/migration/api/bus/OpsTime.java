package org.defenderadx.migration.api.bus;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Points in time as an operator types them: an ISO instant ({@code 2026-11-01T00:00:00Z}), a date
 * ({@code 2026-11-01}, midnight UTC), {@code now}, or a span back from now ({@code 2h}, {@code 7d}, {@code 30m},
 * {@code -2h}). migrationctl sends them as typed; the node resolves them against the service clock (which a demo may
 * run scaled), since that is the clock the data and the audit log are stamped with.
 */
public final class OpsTime {
  private OpsTime() {
  }

  public static Instant parse(String text, Instant now) {
    String t = text.trim();
    if (t.equalsIgnoreCase("now")) {
      return now;
    }
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException e) {
      // not an instant; try the other forms
    }
    try {
      return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      // not a date
    }
    String span = t.startsWith("-") ? t.substring(1) : t;
    if (span.matches("\\d+[smhdSMHD]")) {
      long n = Long.parseLong(span.substring(0, span.length() - 1));
      Duration d = switch (span.substring(span.length() - 1).toLowerCase(Locale.ROOT)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
      return now.minus(d);
    }
    throw new IllegalArgumentException("'" + text + "' is not a time: use an ISO instant (2026-11-01T00:00:00Z), "
        + "a date (2026-11-01), 'now', or a span back from now (2h, 7d)");
  }

  /** {@code 1h02m}, {@code 3m05s}, {@code 42s}. */
  public static String span(long seconds) {
    if (seconds < 0) {
      return "-";
    }
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
    }
    if (seconds < 86_400) {
      return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
    }
    return String.format(Locale.ROOT, "%dd%02dh", seconds / 86_400, (seconds % 86_400) / 3600);
  }
}
