package org.defenderadx.simulator.kql.syntax;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;

/** Timespan literal units ({@code 1d}, {@code 30m}, {@code 1tick}...), in 100-ns ticks. */
public final class TimeUnits {
  private TimeUnits() {
  }

  public static long ticksPerUnit(String unit) {
    switch (unit.toLowerCase(Locale.ROOT)) {
      case "d": case "day": case "days": return 864_000_000_000L;
      case "h": case "hr": case "hrs": case "hour": case "hours": return 36_000_000_000L;
      case "m": case "min": case "minute": case "minutes": return 600_000_000L;
      case "s": case "sec": case "second": case "seconds": return 10_000_000L;
      case "ms": case "milli": case "millis": case "millisecond": case "milliseconds": return 10_000L;
      case "microsecond": case "microseconds": case "micro": case "micros": case "us": return 10L;
      case "tick": case "ticks": return 1L;
      default: return 0L;
    }
  }

  /** Parses {@code 1.5h}-style text (number immediately followed by a unit); null when it is not that form. */
  public static Duration parseNumberWithUnit(String text) {
    int j = 0;
    while (j < text.length() && (Character.isDigit(text.charAt(j)) || text.charAt(j) == '.'
        || (j == 0 && text.charAt(j) == '-'))) {
      j++;
    }
    if (j == 0 || j == text.length()) {
      return null;
    }
    long per = ticksPerUnit(text.substring(j).trim());
    if (per == 0) {
      return null;
    }
    long ticks = new BigDecimal(text.substring(0, j)).multiply(BigDecimal.valueOf(per)).longValue();
    return ofTicks(ticks);
  }

  public static Duration ofTicks(long ticks) {
    return Duration.ofSeconds(Math.floorDiv(ticks, 10_000_000L), Math.floorMod(ticks, 10_000_000L) * 100L);
  }

  public static long toTicks(Duration d) {
    return Math.addExact(Math.multiplyExact(d.getSeconds(), 10_000_000L), d.getNano() / 100);
  }
}
