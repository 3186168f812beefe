package org.defenderadx.simulator.adx;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.defenderadx.simulator.adx.command.CommandExecutor;
import org.defenderadx.simulator.adx.command.TabularResult;
import org.defenderadx.simulator.adx.dm.DataManagementService;
import org.defenderadx.simulator.adx.dm.StorageBackend;
import org.defenderadx.simulator.adx.ingest.Ingestor;
import org.defenderadx.simulator.adx.rest.KustoRestApi;
import org.defenderadx.simulator.adx.store.Cluster;
import org.defenderadx.simulator.adx.store.Database;
import org.defenderadx.simulator.kql.KqlEngine;

/**
 * A local stand-in for Azure Data Explorer that the real Kusto Java SDK talks to over {@code http://localhost:PORT}:
 * management commands, v2 queries through the shared KQL engine, streaming ingestion, and queued ingestion through
 * Azurite with a data-management loop that batches, reports status and honours ingest-by tags.
 *
 * <pre>{@code
 * AdxStandIn adx = AdxStandIn.start(vertx, new AdxStandInOptions().azurite(azurite.endpoints())).await();
 * Client client = ClientFactory.createClient(ConnectionStringBuilder.createWithAadAccessTokenAuthentication(adx.url(), "x"));
 * ... adx.database("db").tableNamed("T").rowCount() ...
 * adx.stop().await();
 * }</pre>
 */
public final class AdxStandIn {
  private final Vertx vertx;
  private final Cluster cluster;
  private final CommandExecutor commands;
  private final AdxFaults faults;
  private final Clock clock;
  private final DataManagementService dataManagement;
  private final StorageBackend storage;
  /** The management commands received, when {@link AdxStandInOptions#recordManagementCommands} asked for them. */
  private final List<String> managementCommands = new CopyOnWriteArrayList<>();
  private HttpServer server;

  private AdxStandIn(Vertx vertx, AdxStandInOptions options) {
    this.vertx = vertx;
    this.clock = options.clock();
    this.faults = new AdxFaults();
    this.cluster = new Cluster(options.dataDirectory(), options.digestOnly());
    KqlEngine engine = new KqlEngine();
    Ingestor ingestor = new Ingestor(clock, engine);
    this.storage = options.azurite() == null ? null : new StorageBackend(options.azurite());
    this.commands = new CommandExecutor(cluster, ingestor, engine, clock, () -> storage);
    this.dataManagement = storage == null ? null : new DataManagementService(storage, cluster, ingestor, clock, faults,
        new DataManagementService.Options(options.pollInterval(), options.batchingTime(), options.batchingMaxItems(),
            options.batchingMaxRawBytes(), options.queueVisibilityTimeout()));
  }

  /** Starts the stand-in (and, with Azurite, its data-management loop); completes once it listens. */
  public static Future<AdxStandIn> start(Vertx vertx, AdxStandInOptions options) {
    AdxStandIn s;
    try {
      s = new AdxStandIn(vertx, options);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return s.listen(options);
  }

  private Future<AdxStandIn> listen(AdxStandInOptions options) {
    Future<Void> storageReady = storage == null ? Future.succeededFuture()
        : vertx.executeBlocking(() -> {
          storage.createResources();
          return null;
        });
    Function<String, byte[]> downloader = storage == null ? url -> {
      throw new IllegalStateException("Streaming ingestion from a blob needs Azurite");
    } : storage::download;
    KqlEngine engine = new KqlEngine();
    KustoRestApi api = new KustoRestApi(vertx, cluster, commands, engine, new Ingestor(clock, engine), faults, clock,
        new KustoRestApi.Limits(options.queryRecordLimit(), options.streamingMaxBytes(),
            options.requireStreamingIngestionPolicy()), downloader,
        options.recordManagementCommands() ? managementCommands::add : csl -> { });
    return storageReady.compose(v -> vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1")
            .setPort(options.port()).setCompressionSupported(false))
        .requestHandler(api.router()).listen())
        .map(srv -> {
          this.server = srv;
          if (dataManagement != null) {
            dataManagement.start();
          }
          return this;
        });
  }

  public int port() {
    return server.actualPort();
  }

  /** {@code http://localhost:PORT}: the SDK skips authentication only for URLs starting with {@code http://localhost}. */
  public String url() {
    return "http://localhost:" + port();
  }

  /** A database (created on first use), for test setup and assertions. */
  public Database database(String name) {
    return cluster.database(name);
  }

  /** Runs a management command directly, without HTTP (test setup). */
  public TabularResult executeCommand(String database, String command) {
    return commands.execute(database, command);
  }

  /**
   * The text of every management command received over HTTP so far, oldest first; empty unless
   * {@link AdxStandInOptions#recordManagementCommands} was set.
   */
  public List<String> managementCommands() {
    return List.copyOf(managementCommands);
  }

  public AdxFaults faults() {
    return faults;
  }

  public Clock clock() {
    return clock;
  }

  /** The data-management loop, or null when the stand-in runs without Azurite. */
  public DataManagementService dataManagement() {
    return dataManagement;
  }

  /** Stops the HTTP server and the data-management loop; with a data directory, everything is already on disk. */
  public Future<Void> stop() {
    if (dataManagement != null) {
      dataManagement.close();
    }
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.onComplete(ar -> cluster.close());
  }
}
