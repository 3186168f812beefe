package org.defenderadx.simulator.adx;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.defenderadx.simulator.adx.azurite.AzuriteEndpoints;

/**
 * How to run an {@link AdxStandIn}. Fluent setters; the defaults match the real service where it has one
 * (5-minute / 500-item / 1 GB batching, 500,000-record query results, 4 MB streaming requests).
 */
public final class AdxStandInOptions {
  private int port;
  private Clock clock = Clock.systemUTC();
  private AzuriteEndpoints azurite;
  private Path dataDirectory;
  private boolean digestOnly;
  private Duration pollInterval = Duration.ofMillis(100);
  private Duration batchingTime = Duration.ofMinutes(5);
  private int batchingMaxItems = 500;
  private long batchingMaxRawBytes = 1024L * 1024 * 1024;
  private Duration queueVisibilityTimeout = Duration.ofSeconds(60);
  private long queryRecordLimit = 500_000;
  private long streamingMaxBytes = 4L * 1024 * 1024;
  private boolean requireStreamingIngestionPolicy;
  private boolean recordManagementCommands;

  /** Listening port on 127.0.0.1; 0 (the default) picks a free one. */
  public AdxStandInOptions port(int port) {
    this.port = port;
    return this;
  }

  /** The clock for ingestion times, {@code now()} and batching; e.g. a {@link ScaledClock}. */
  public AdxStandInOptions clock(Clock clock) {
    this.clock = clock;
    return this;
  }

  /** Azurite to use for queued ingestion; without it, only streaming and command ingestion work. */
  public AdxStandInOptions azurite(AzuriteEndpoints azurite) {
    this.azurite = azurite;
    return this;
  }

  /** Journal every change to this directory and reload it on start (crash and restart tests). */
  public AdxStandInOptions dataDirectory(Path dataDirectory) {
    this.dataDirectory = dataDirectory;
    return this;
  }

  /**
   * Keep only a digest and a count per row (benchmarks with millions of rows); queries then see null values. Tables
   * in folder {@code ExportConfig} (the migrator's state) keep their rows.
   */
  public AdxStandInOptions digestOnly(boolean digestOnly) {
    this.digestOnly = digestOnly;
    return this;
  }

  /** How often the data-management loop polls the queue (real time). */
  public AdxStandInOptions pollInterval(Duration pollInterval) {
    this.pollInterval = pollInterval;
    return this;
  }

  /** The default batching policy, used where no table or database policy says otherwise. */
  public AdxStandInOptions batching(Duration maxTime, int maxItems, long maxRawBytes) {
    this.batchingTime = maxTime;
    this.batchingMaxItems = maxItems;
    this.batchingMaxRawBytes = maxRawBytes;
    return this;
  }

  /**
   * How long a received ingestion message stays invisible in the queue (renewed while its batch waits). A stand-in
   * that stops before ingesting leaves the message there, and the next one on the same Azurite ingests it once this
   * has passed; keep it short in crash tests.
   */
  public AdxStandInOptions queueVisibilityTimeout(Duration timeout) {
    this.queueVisibilityTimeout = timeout;
    return this;
  }

  public Duration queueVisibilityTimeout() {
    return queueVisibilityTimeout;
  }

  public AdxStandInOptions queryRecordLimit(long limit) {
    this.queryRecordLimit = limit;
    return this;
  }

  public AdxStandInOptions streamingMaxBytes(long limit) {
    this.streamingMaxBytes = limit;
    return this;
  }

  /**
   * Reject streaming ingestion (400, permanent) into a table unless its or its database's
   * {@code streamingingestion} policy is enabled, as ADX does. Off by default.
   */
  public AdxStandInOptions requireStreamingIngestionPolicy(boolean require) {
    this.requireStreamingIngestionPolicy = require;
    return this;
  }

  public boolean requireStreamingIngestionPolicy() {
    return requireStreamingIngestionPolicy;
  }

  /**
   * Keep the text of every management command received, for {@link AdxStandIn#managementCommands()} (tests that
   * assert which commands a client sent). Off by default: a long run would hold every command.
   */
  public AdxStandInOptions recordManagementCommands(boolean record) {
    this.recordManagementCommands = record;
    return this;
  }

  public boolean recordManagementCommands() {
    return recordManagementCommands;
  }

  public int port() {
    return port;
  }

  public Clock clock() {
    return clock;
  }

  public AzuriteEndpoints azurite() {
    return azurite;
  }

  public Path dataDirectory() {
    return dataDirectory;
  }

  public boolean digestOnly() {
    return digestOnly;
  }

  public Duration pollInterval() {
    return pollInterval;
  }

  public Duration batchingTime() {
    return batchingTime;
  }

  public int batchingMaxItems() {
    return batchingMaxItems;
  }

  public long batchingMaxRawBytes() {
    return batchingMaxRawBytes;
  }

  public long queryRecordLimit() {
    return queryRecordLimit;
  }

  public long streamingMaxBytes() {
    return streamingMaxBytes;
  }
}
