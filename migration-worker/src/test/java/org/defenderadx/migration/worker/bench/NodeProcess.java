package org.defenderadx.migration.worker.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.api.bus.TableOutcome;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.common.config.TenantConfig;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.common.window.WindowGrid;
import org.defenderadx.migration.worker.lease.TableLeases;
import org.defenderadx.migration.worker.node.MigrationNode;
import org.defenderadx.migration.worker.testing.Simulators;

/**
 * The measured node, in its own JVM: {@link MigrationNode} built from a configuration file, exactly as production
 * starts it, on the simulators' scaled clock. Runs until every configured table has caught up (backfill), then,
 * if asked, on for a number of simulated minutes (steady state), and reports its own memory and CPU.
 *
 * <p>Arguments: configuration (JSON), simulator certificate, node name, tables (comma-separated), simulated
 * minutes to keep running after catching up (0: stop at once).
 *
 * <p>The result also holds, per tenant, the simulated instant at which this node first saw all of the tenant's
 * tables caught up. In a cluster only the active coordinator sees the tables' outcomes, so only its node
 * reports; the harness stops the others.
 *
 * <p>A sixth argument {@code strict} also requires each table's watermark to have reached the grid cell of
 * now minus the settle lag: a table run can end with its outcome saying caught up while its watermark is still a
 * day or more behind (seen with the scaled caps of scenario 4), and the next cycle carries on from there.
 */
public final class NodeProcess {
  private NodeProcess() {
  }

  public static void main(String[] args) throws Exception {
    JsonObject tree = new JsonObject(Files.readString(Path.of(args[0])));
    String certificate = args[1];
    String nodeName = args[2];
    List<String> tables = List.of(args[3].split(","));
    long steadyMinutes = Long.parseLong(args[4]);
    boolean strict = args.length > 5 && args[5].equals("strict");
    MigrationSettings settings = ConfigLoader.parse(tree, System.getenv());
    TimeSource time = simulatorClock(settings.tenants().get(0).api().baseUrl().toString());
    WindowGrid grid = new WindowGrid(settings.migration().windowGrid());
    java.util.function.Supplier<Instant> target = () -> strict
        ? grid.cellStart(time.now().minus(settings.migration().settleLag())) : Instant.MIN;

    long started = System.nanoTime();
    MigrationNode node = MigrationNode.start(settings,
            new MigrationNode.Environment(time, Optional.of(Simulators.trusting(certificate)), nodeName))
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    JsonObject tenantsCaughtUp = new JsonObject();
    while (!allCaughtUp(node.coordinator().lastOutcomes(), settings, tables, target.get())) {
      noteCaughtUpTenants(node.coordinator().lastOutcomes(), settings, tables, target.get(), time.now(),
          tenantsCaughtUp);
      Thread.sleep(100);
    }
    noteCaughtUpTenants(node.coordinator().lastOutcomes(), settings, tables, target.get(), time.now(),
        tenantsCaughtUp);
    double backfillSeconds = (System.nanoTime() - started) / 1e9;
    Instant caughtUpAt = time.now();
    ProcessFigures afterBackfill = ProcessFigures.ofThisJvm();
    if (steadyMinutes > 0) {
      Thread.sleep(time.realDelayMillis(Duration.ofMinutes(steadyMinutes)));
    }
    Map<String, TableOutcome> outcomes = node.coordinator().lastOutcomes();
    JsonArray tableResults = new JsonArray();
    outcomes.values().forEach(o -> tableResults.add(o.toJson()));
    ChildJvm.report(new JsonObject()
        .put("backfillSeconds", backfillSeconds)
        .put("caughtUpAt", caughtUpAt.toString())
        .put("tenantsCaughtUpAt", tenantsCaughtUp)
        .put("endedAt", time.now().toString())
        .put("process", afterBackfill.toJson())
        .put("processAtEnd", ProcessFigures.ofThisJvm().toJson())
        .put("tables", tableResults));
    node.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.exit(0);
  }

  private static boolean allCaughtUp(Map<String, TableOutcome> outcomes, MigrationSettings settings,
                                     List<String> tables, Instant target) {
    return settings.tenants().stream().allMatch(t -> caughtUp(outcomes, t.key(), tables, target));
  }

  /** Every table's last outcome says caught up, with its watermark at {@code target} or later. */
  private static boolean caughtUp(Map<String, TableOutcome> outcomes, String tenantKey, List<String> tables,
                                  Instant target) {
    for (String table : tables) {
      TableOutcome o = outcomes.get(TableLeases.key(tenantKey, table));
      if (o == null || !o.caughtUp() || o.watermark().filter(w -> !w.isBefore(target)).isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** Records the first moment each tenant had all its tables caught up. */
  private static void noteCaughtUpTenants(Map<String, TableOutcome> outcomes, MigrationSettings settings,
                                          List<String> tables, Instant target, Instant now, JsonObject into) {
    for (TenantConfig tenant : settings.tenants()) {
      if (!into.containsKey(tenant.key()) && caughtUp(outcomes, tenant.key(), tables, target)) {
        into.put(tenant.key(), now.toString());
      }
    }
  }

  /** The simulator's own clock, read from {@code /_sim/clock}, so the node and the API agree on simulated time. */
  static TimeSource simulatorClock(String baseUrl) throws Exception {
    HttpResponse<String> resp = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(baseUrl + "/_sim/clock")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    JsonObject clock = new JsonObject(resp.body());
    return TimeSource.scaled(Instant.parse(clock.getString("now")), clock.getDouble("scale"));
  }
}
