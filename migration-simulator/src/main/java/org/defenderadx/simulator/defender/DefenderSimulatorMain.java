package org.defenderadx.simulator.defender;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.defenderadx.simulator.defender.data.Profile;

/**
 * Runs the Defender simulator on its own:
 * {@code DefenderSimulatorMain --port 0 --profile small --seed 42 --time-scale 60 [--scenario scaled]
 * [--anchor 2026-11-15T00:00:00Z]
 * [--row-cap N] [--byte-cap BYTES] [--calls-per-minute N] [--token-lifetime-seconds N] [--date-skew-seconds N]}.
 * Prints {@code port=<n>} (and the credentials to use) once it is listening; stops on Ctrl-C.
 * Without {@code --anchor} the data is laid out around the current hour, so runs with the same seed
 * in the same hour see the same rows.
 */
public final class DefenderSimulatorMain {
  private DefenderSimulatorMain() {
  }

  public static void main(String[] args) throws Exception {
    DefenderSimConfig.Builder b = DefenderSimConfig.builder()
        .anchor(Instant.now().truncatedTo(ChronoUnit.HOURS));
    for (int i = 0; i + 1 < args.length; i++) {
      // The scenario sets limits and faults first, so that single options below can override them.
      if (args[i].equals("--scenario")) {
        Scenario.parse(args[i + 1]).apply(b);
      }
    }
    DefenderSimConfig.Limits limits = b.build().limits();
    for (int i = 0; i < args.length; i++) {
      String key = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + key);
      }
      String v = args[++i];
      switch (key) {
        case "--port" -> b.port(Integer.parseInt(v));
        case "--host" -> b.host(v);
        case "--profile" -> b.profile(Profile.parse(v));
        case "--seed" -> b.seed(Long.parseLong(v));
        case "--time-scale" -> b.timeScale(Double.parseDouble(v));
        case "--anchor" -> b.anchor(Instant.parse(v));
        case "--scenario" -> { }
        case "--row-cap" -> limits = limits.withRowCap(Integer.parseInt(v));
        case "--byte-cap" -> {
          long cap = Long.parseLong(v);
          limits = limits.withByteCaps(new DefenderSimConfig.ByteCap(cap, false),
              new DefenderSimConfig.ByteCap(cap, false), new DefenderSimConfig.ByteCap(cap, true));
        }
        case "--calls-per-minute" -> limits = limits.withCallRates(Integer.parseInt(v), limits.callsPerHour());
        case "--token-lifetime-seconds" -> b.tokenLifetime(Duration.ofSeconds(Long.parseLong(v)));
        case "--date-skew-seconds" -> b.dateSkew(Duration.ofSeconds(Long.parseLong(v)));
        default -> throw new IllegalArgumentException("unknown option " + key);
      }
    }
    DefenderSimConfig config = b.limits(limits).build();
    Vertx vertx = Vertx.vertx();
    DefenderSimulator sim = DefenderSimulator.start(vertx, config).await();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      sim.stop();
      vertx.close();
    }));
    DefenderSimConfig.ClientRegistration c = config.clients().get(0);
    System.out.println("port=" + sim.port());
    System.out.println("baseUrl=" + sim.baseUrl());
    System.out.println("tenantId=" + c.tenantId() + " clientId=" + c.clientId());
    System.out.flush();
  }
}
