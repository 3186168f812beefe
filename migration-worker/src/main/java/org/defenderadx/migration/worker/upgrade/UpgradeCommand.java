package org.defenderadx.migration.worker.upgrade;

import com.microsoft.azure.kusto.data.ClientFactory;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.kql.KustoTimespan;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.AdxConnections;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code defender-adx-migration upgrade}: the takeover of the original script's database, from the command line. */
@Command(name = "upgrade", mixinStandardHelpOptions = true,
    description = {"Takes over a database the original Python script (DAFMigration.py) fills: checks it, applies "
        + "kql/setup.kql and kql/upgrade-from-original.kql through the Kusto SDK with the configuration's adx "
        + "section (an admin principal), and prints what was carried forward. Safe to run twice.",
        "Stop the original script first. Exits 0 when the takeover is complete."})
public final class UpgradeCommand implements Callable<Integer> {

  @Parameters(index = "0", arity = "0..1", defaultValue = "conf/application.yaml",
      description = "The node's configuration file; only its adx section is used (default: ${DEFAULT-VALUE}).")
  Path config;

  @Option(names = "--late-arrival-allowance", defaultValue = "1d",
      description = "LateArrivalAllowance given to event tables the original windowed on a column (Timestamp), "
          + "e.g. 1d or 12h (default: ${DEFAULT-VALUE}).")
  String allowance;

  @Option(names = "--seed", description = "Also apply kql/seed-configuration.kql: the common event tables the "
      + "original did not configure, active, from migration.initialLookback.")
  boolean seed;

  @Option(names = "--kql", defaultValue = "kql", description = "The folder holding the project's kql/ scripts "
      + "(default: ${DEFAULT-VALUE}).")
  Path kql;

  @Override
  public Integer call() {
    Vertx vertx = Vertx.vertx();
    WorkerExecutor pool = vertx.createSharedWorkerExecutor("adx-sdk", 2);
    try {
      OriginalTakeover.Options options = new OriginalTakeover.Options(KustoTimespan.parse(allowance), seed);
      var settings = ConfigLoader.load(vertx, config).await(30, TimeUnit.SECONDS);
      AdxClient adx = new AdxClient(ClientFactory.createClient(AdxConnections.engine(settings.adx())),
          settings.adx().database(), pool);
      TakeoverReport report = new OriginalTakeover(adx, kql, TimeSource.system()).run(options)
          .await(10, TimeUnit.MINUTES);
      System.out.print(report.render());
      return 0;
    } catch (Exception e) {
      System.err.println("upgrade: " + e.getMessage());
      return 1;
    } finally {
      pool.close();
      vertx.close();
    }
  }
}
