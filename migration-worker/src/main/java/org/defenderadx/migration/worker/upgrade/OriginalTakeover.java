package org.defenderadx.migration.worker.upgrade;

import io.vertx.core.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.defenderadx.migration.common.kql.KqlScript;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.kql.KustoTimespan;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.MigrationStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over a database the original Python script (DAFMigration.py) fills: checks that it is one, applies
 * {@code kql/setup.kql} and {@code kql/upgrade-from-original.kql} (and, if asked, {@code seed-configuration.kql}),
 * then reports per table what was carried forward, what was left switched off and which old watermark columns are
 * no longer used. Every step is idempotent, so running it twice changes nothing the second time.
 *
 * <p>Talks to ADX directly (the Kusto SDK, through {@link AdxClient}), not through a node: setup.kql needs an admin
 * principal, which a node's runtime principal is not, and no node should run before the takeover.
 */
public final class OriginalTakeover {

  private static final Logger LOG = LoggerFactory.getLogger(OriginalTakeover.class);
  /** The placeholder upgrade-from-original.kql holds for the allowance given to column-watermarked event tables. */
  static final String ALLOWANCE_PLACEHOLDER = "{LateArrivalAllowance}";
  /** The original's six configuration columns: a database without them is not the original's (nor ours). */
  static final Set<String> ORIGINAL_COLUMNS = Set.of("SourceTable", "DestinationTable", "WatermarkColumn",
      "LastRefreshedTime", "LoadType", "IsActive");
  /** An original row written more recently than this suggests the old script is still running. */
  static final Duration STILL_RUNNING_WITHIN = Duration.ofMinutes(30);

  /** What to do besides the takeover itself. */
  public record Options(Duration lateArrivalAllowance, boolean seed) {
    public static final Duration DEFAULT_ALLOWANCE = Duration.ofDays(1);

    public Options {
      if (lateArrivalAllowance.isNegative() || lateArrivalAllowance.isZero()) {
        throw new IllegalArgumentException("--late-arrival-allowance must be above zero: " + lateArrivalAllowance);
      }
    }
  }

  private final AdxClient adx;
  private final Path kqlDir;
  private final TimeSource time;

  public OriginalTakeover(AdxClient adx, Path kqlDir, TimeSource time) {
    this.adx = adx;
    this.kqlDir = kqlDir;
    this.time = time;
  }

  public Future<TakeoverReport> run(Options options) {
    List<String> warnings = new ArrayList<>();
    return check()
        .compose(v -> apply("setup.kql", read("setup.kql")))
        .compose(v -> carriedCount())
        .compose(before -> apply("upgrade-from-original.kql", read("upgrade-from-original.kql")
                .replace(ALLOWANCE_PLACEHOLDER, KustoTimespan.format(options.lateArrivalAllowance())))
            .compose(v -> options.seed() ? apply("seed-configuration.kql", read("seed-configuration.kql"))
                : Future.succeededFuture())
            .compose(v -> carriedCount()).map(after -> after - before))
        .compose(appended -> adx.query(MigrationStateStore.CONFIG_TABLE + " | where isnull(Version)"
                + " | extend IngestionTime = ingestion_time() | order by IngestionTime asc")
            .compose(original -> adx.query(MigrationStateStore.STATE_VIEW + " | where TenantId == ''")
                .map(inForce -> {
                  stillRunning(original).ifPresent(warnings::add);
                  if (!options.seed()) {
                    warnings.add("tables the original did not configure are not added; run the upgrade with --seed"
                        + " (kql/seed-configuration.kql) to add the common event tables, active, from"
                        + " migration.initialLookback");
                  }
                  return TakeoverReport.of(adx.database(), TakeoverReport.rows(original),
                      TakeoverReport.rows(inForce), appended, warnings);
                })))
        .onSuccess(report -> report.entries().forEach(e -> {
          LOG.info("takeover: {}: {} (old watermark {} on {}): {}", e.sourceTable(), e.outcome(),
              e.oldWatermark().map(KustoTime::format).orElse("none"), e.watermarkColumn(), e.whatNext());
          e.oldColumnIgnored().ifPresent(c -> LOG.warn("takeover: {}: WatermarkColumn {} of the original"
              + " configuration is no longer used: a snapshot table is copied whole at every snapshot",
              e.sourceTable(), c));
        }));
  }

  /** The database holds the original's configuration table (or ours, after an earlier takeover). */
  private Future<Void> check() {
    return adx.mgmt(".show tables").compose(tables -> {
      boolean present = tables.stream().anyMatch(t -> MigrationStateStore.CONFIG_TABLE.equals(t.get("TableName")));
      if (!present) {
        return Future.failedFuture(new IllegalStateException("database " + adx.database() + " has no "
            + MigrationStateStore.CONFIG_TABLE + " table: it is not one the original script (kql/TVMExportConfig.kql)"
            + " set up; check adx.database, or set up a new database with kql/setup.kql instead"));
      }
      return adx.query(MigrationStateStore.CONFIG_TABLE + " | getschema").compose(schema -> {
        Set<String> columns = schema.stream().map(c -> String.valueOf(c.get("ColumnName")))
            .collect(Collectors.toSet());
        if (!columns.containsAll(ORIGINAL_COLUMNS)) {
          return Future.failedFuture(new IllegalStateException(MigrationStateStore.CONFIG_TABLE + " in database "
              + adx.database() + " lacks columns of the original's configuration (has " + columns + ", needs "
              + ORIGINAL_COLUMNS + "): nothing was changed"));
        }
        return Future.succeededFuture();
      });
    });
  }

  private Future<Long> carriedCount() {
    return adx.query(MigrationStateStore.CONFIG_TABLE + " | where UpdatedBy == '"
            + MigrationConfigRow.CARRIED_FORWARD_BY + "' | count")
        .map(rows -> ((Number) rows.get(0).get("Count")).longValue());
  }

  private java.util.Optional<String> stillRunning(List<Map<String, Object>> original) {
    Instant now = time.now();
    return original.stream().map(r -> r.get("IngestionTime")).filter(Instant.class::isInstance)
        .map(Instant.class::cast).max(Instant::compareTo)
        .filter(last -> Duration.between(last, now).compareTo(STILL_RUNNING_WITHIN) < 0)
        .map(last -> "the original script wrote a configuration row at " + KustoTime.format(last) + ", less than "
            + STILL_RUNNING_WITHIN.toMinutes() + " minutes ago: make sure it is stopped before a node starts,"
            + " or both copy the same rows");
  }

  private Future<Void> apply(String name, String script) {
    Future<Void> chain = Future.succeededFuture();
    for (String command : KqlScript.commands(script)) {
      chain = chain.compose(v -> adx.mgmt(command).<Void>mapEmpty().recover(e -> Future.failedFuture(
          new IllegalStateException(name + ": a command failed: " + command.lines().findFirst().orElse("") + ": "
              + e.getMessage(), e))));
    }
    return chain.onSuccess(v -> LOG.info("takeover: {} applied to {}", name, adx.database()));
  }

  private String read(String name) {
    try {
      return Files.readString(kqlDir.resolve(name), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + kqlDir.resolve(name) + " (--kql names the folder holding"
          + " the project's kql/ scripts)", e);
    }
  }
}
