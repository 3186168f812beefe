package org.defenderadx.migration.worker.adx;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.defenderadx.migration.common.model.AuditRecord;
import org.defenderadx.migration.common.model.ConfigRowLimits;
import org.defenderadx.migration.common.model.ConfigRowException;
import org.defenderadx.migration.common.model.MigrationConfigRow;
import org.defenderadx.migration.common.model.SnapshotProgress;
import org.defenderadx.migration.common.window.WindowProgress;
import org.defenderadx.migration.worker.observe.EngineObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The migration's state in ADX: the configuration row in force per tenant and table, watermark commits (appended
 * rows, never updates) and audit rows. Reads go through our view, or the original script's materialized view on a
 * database that was not upgraded yet.
 */
public final class MigrationStateStore {

  private static final Logger LOG = LoggerFactory.getLogger(MigrationStateStore.class);
  public static final String CONFIG_TABLE = "MigrationConfiguration";
  public static final String AUDIT_TABLE = "MigrationAuditLog";
  /** Ours: the latest row per tenant and table, active or not (kql/setup.kql). */
  public static final String STATE_VIEW = "VwMigrationConfigurationState";
  /** The original script's view, which exists on databases setup.kql has not upgraded yet. */
  public static final String ORIGINAL_VIEW = "VwLatestMigrationConfiguration";

  private final AdxClient adx;
  private final AdxRowAppender appender;
  private volatile EngineObserver observer = EngineObserver.NONE;

  public MigrationStateStore(AdxClient adx, AdxRowAppender appender) {
    this.adx = adx;
    this.appender = appender;
  }

  /** Reports configuration reads, watermark commits and audit rows to {@code observer} (metrics, status). */
  public void observe(EngineObserver observer) {
    this.observer = observer;
  }

  /**
   * A configuration row that could not be read or is refused, with the reason; the other rows are still returned.
   * Its names are as written, made safe to echo ({@link ConfigRowLimits#printable}).
   */
  public record BadRow(String tenantId, String sourceTable, String destinationTable, String reason) {
  }

  public record Rows(List<MigrationConfigRow> rows, List<BadRow> bad) {
  }

  /** The row in force for every table, read by column name. */
  public Future<Rows> latest() {
    return adx.query(STATE_VIEW)
        .recover(e -> {
          LOG.warn("{} is not readable ({}); reading {} as the original script left it. Run kql/setup.kql.",
              STATE_VIEW, e.getMessage(), ORIGINAL_VIEW);
          return adx.query(ORIGINAL_VIEW);
        })
        .map(MigrationStateStore::parse)
        .onSuccess(rows -> observer.configurationRead(rows.rows()));
  }

  static Rows parse(List<Map<String, Object>> raw) {
    List<MigrationConfigRow> rows = new ArrayList<>();
    List<BadRow> bad = new ArrayList<>();
    for (Map<String, Object> r : raw) {
      try {
        rows.add(MigrationConfigRow.fromColumns(r));
      } catch (ConfigRowException e) {
        bad.add(new BadRow(ConfigRowLimits.printable(String.valueOf(r.getOrDefault("TenantId", ""))),
            ConfigRowLimits.printable(String.valueOf(r.get("SourceTable"))),
            ConfigRowLimits.printable(String.valueOf(r.getOrDefault("DestinationTable", ""))),
            ConfigRowLimits.printable(e.getMessage())));
      }
    }
    return new Rows(MigrationConfigRow.latest(rows), bad);
  }

  /**
   * Appends the row that moves {@code current}'s watermark to {@code progress}, and returns it as now in force.
   */
  public Future<MigrationConfigRow> commit(MigrationConfigRow current, WindowProgress progress) {
    Map<String, Object> row = current.commitRow(progress, current.nextVersion());
    return appender.append(CONFIG_TABLE, List.of(row)).map(v -> MigrationConfigRow.fromColumns(row))
        .onSuccess(committed -> observer.committed(committed));
  }

  /**
   * Appends the row of a snapshot table: {@code lastCommitted} is the stamp of its last committed snapshot,
   * {@code inProgress} the snapshot under way (empty between snapshots); returns it as now in force.
   */
  public Future<MigrationConfigRow> commitSnapshot(MigrationConfigRow current, Optional<Instant> lastCommitted,
                                                   Optional<SnapshotProgress> inProgress) {
    Map<String, Object> row = current.snapshotCommitRow(lastCommitted, inProgress, current.nextVersion());
    return appender.append(CONFIG_TABLE, List.of(row)).map(v -> MigrationConfigRow.fromColumns(row));
  }

  public Future<Void> audit(List<AuditRecord> records) {
    List<Map<String, Object>> rows = new ArrayList<>();
    records.forEach(r -> rows.add(r.row()));
    return appender.append(AUDIT_TABLE, rows).onSuccess(v -> observer.audited(records));
  }
}
