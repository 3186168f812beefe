package org.defenderadx.simulator.adx;

import io.vertx.core.Vertx;
import java.nio.file.Paths;
import java.time.Clock;
import org.defenderadx.simulator.adx.azurite.AzuriteProcess;

/**
 * Runs the ADX stand-in on its own, with its own Azurite:
 * {@code java -cp ... org.defenderadx.simulator.adx.AdxStandInMain [--port N] [--data-dir DIR] [--digest-only]
 * [--time-scale X] [--no-azurite]}. Prints the URL to use and runs until stopped.
 */
public final class AdxStandInMain {

  private AdxStandInMain() {
  }

  public static void main(String[] args) {
    AdxStandInOptions options = new AdxStandInOptions().port(8080);
    boolean withAzurite = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> options.port(Integer.parseInt(args[++i]));
        case "--data-dir" -> options.dataDirectory(Paths.get(args[++i]));
        case "--digest-only" -> options.digestOnly(true);
        case "--time-scale" -> {
          double scale = Double.parseDouble(args[++i]);
          options.clock(scale == 1.0 ? Clock.systemUTC() : ScaledClock.startingNow(scale));
        }
        case "--no-azurite" -> withAzurite = false;
        default -> {
          System.err.println("Unknown option " + args[i] + "; options: --port N --data-dir DIR --digest-only "
              + "--time-scale X --no-azurite");
          System.exit(2);
        }
      }
    }
    AzuriteProcess azurite = withAzurite ? AzuriteProcess.start() : null;
    if (azurite != null) {
      options.azurite(azurite.endpoints());
    }
    Vertx vertx = Vertx.vertx();
    AdxStandIn adx = AdxStandIn.start(vertx, options).await();
    System.out.println("ADX stand-in listening at " + adx.url()
        + (azurite == null ? " (no queued ingestion)" : " with Azurite " + azurite.connectionString()));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      adx.stop().await();
      vertx.close().await();
      if (azurite != null) {
        azurite.stop();
      }
    }, "adx-standin-shutdown"));
  }
}
