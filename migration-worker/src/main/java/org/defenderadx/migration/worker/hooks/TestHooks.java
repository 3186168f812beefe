package org.defenderadx.migration.worker.hooks;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.defenderadx.migration.common.time.TimeSource;

/**
 * The one seam through which tests, benchmarks and the demo reach into a node started as production starts it
 * ({@code java -jar defender-adx-migration.jar run}, or {@code MigrationNode.main} in a JVM of its own). It is the
 * only place that reads these system properties; both are unset in production, and then nothing changes:
 *
 * <ul>
 *   <li>{@value #CLOCK}{@code =<ISO instant>@<scale>}: the node's clock starts at that instant and runs
 *       {@code scale} times faster than real time, to run against the simulators on their time scale (the crash and
 *       cluster tests, the benchmarks' node JVMs, a node started by hand against {@code simulate}). Read by
 *       {@code MigrationNode.Environment.production()}.</li>
 *   <li>{@value #CRASH_AT}{@code =<point>:<n>}: the n-th time the commit protocol reaches the named point
 *       ({@code CrashPoints}), the node prints a marker and stops there, for the crash tests to SIGKILL it at exactly
 *       that point. Read by {@code CrashPoints}.</li>
 * </ul>
 *
 * In-process tests do not need this: they pass their clock in {@code MigrationNode.Environment}.
 */
public final class TestHooks {

  /** Starts the node's clock at an instant and runs it faster: {@code <ISO instant>@<scale>}. */
  public static final String CLOCK = "migration.clock";
  /** Stops the node at a crash point: {@code <point>:<n>}. */
  public static final String CRASH_AT = "migration.test.crashAt";

  private TestHooks() {
  }

  /** A crash point and the how-manieth time it is reached that stops the node (1 is the first). */
  public record CrashAt(String point, int nth) {
  }

  /** The clock {@value #CLOCK} asks for, if it is set; a malformed value fails fast and says why. */
  public static Optional<TimeSource> clock() {
    return clock(System.getProperty(CLOCK, ""));
  }

  /** The crash point {@value #CRASH_AT} names, if it is set; a malformed value fails fast and says why. */
  public static Optional<CrashAt> crashAt() {
    return crashAt(System.getProperty(CRASH_AT, ""));
  }

  static Optional<TimeSource> clock(String spec) {
    if (spec.isBlank()) {
      return Optional.empty();
    }
    String[] parts = spec.split("@");
    if (parts.length != 2) {
      throw malformed(CLOCK, spec, "<ISO instant>@<scale>, e.g. 2026-11-01T00:00:00Z@60");
    }
    try {
      return Optional.of(TimeSource.scaled(Instant.parse(parts[0]), Double.parseDouble(parts[1])));
    } catch (DateTimeParseException | IllegalArgumentException e) {
      throw malformed(CLOCK, spec, "<ISO instant>@<scale> with a positive scale (" + e.getMessage() + ")");
    }
  }

  static Optional<CrashAt> crashAt(String spec) {
    if (spec.isBlank()) {
      return Optional.empty();
    }
    String[] parts = spec.split(":");
    try {
      if (parts.length == 2 && Integer.parseInt(parts[1]) > 0) {
        return Optional.of(new CrashAt(parts[0], Integer.parseInt(parts[1])));
      }
    } catch (NumberFormatException e) {
      // malformed, below
    }
    throw malformed(CRASH_AT, spec, "<point>:<n> with n >= 1, e.g. after-send:2");
  }

  private static IllegalArgumentException malformed(String property, String value, String expected) {
    return new IllegalArgumentException("-D" + property + "=" + value + ": expected " + expected);
  }
}
