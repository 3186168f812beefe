package org.defenderadx.migration.demo;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.defenderadx.simulator.defender.data.Profile;

/**
 * What a demo run is asked for, validated.
 *
 * @param profile   the simulated tenant's data volume
 * @param tables    the tables to migrate; empty means every event table the simulator holds
 * @param timeScale simulated seconds per real second, for the simulator and the node alike
 * @param timeout   real time after which a table that has not caught up counts as failed
 * @param progressEvery real time between two progress lines
 */
public record DemoOptions(Profile profile, List<String> tables, double timeScale, Duration timeout,
                          Duration progressEvery) {

  /**
   * 60: a simulated hour per real minute. The 1,500 calls/hour budget then binds after the first simulated hour of
   * a medium backfill, and 45 calls/minute is still more than two cores can use, so the run shows both limits.
   */
  public static final double DEFAULT_TIME_SCALE = 60;

  public DemoOptions {
    if (!(timeScale >= 1) || timeScale > 600) {
      throw new IllegalArgumentException("--time-scale: between 1 and 600, got " + timeScale);
    }
    tables = List.copyOf(tables);
  }

  public static DemoOptions defaults() {
    return new DemoOptions(Profile.MEDIUM, List.of(), DEFAULT_TIME_SCALE, Duration.ofMinutes(30),
        Duration.ofSeconds(5));
  }

  public DemoOptions withProfile(Profile p) {
    return new DemoOptions(p, tables, timeScale, timeout, progressEvery);
  }

  public DemoOptions withTables(List<String> t) {
    return new DemoOptions(profile, t, timeScale, timeout, progressEvery);
  }

  public DemoOptions withTimeScale(double s) {
    return new DemoOptions(profile, tables, s, timeout, progressEvery);
  }

  public DemoOptions withTimeout(Duration t) {
    return new DemoOptions(profile, tables, timeScale, t, progressEvery);
  }

  public String profileName() {
    return profile.name().toLowerCase(Locale.ROOT);
  }
}
