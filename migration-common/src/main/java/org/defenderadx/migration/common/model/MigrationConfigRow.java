package org.defenderadx.migration.common.model;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.defenderadx.migration.common.kql.InvalidIdentifierException;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.kql.KustoTypes;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.kql.KustoTimespan;
import org.defenderadx.migration.common.window.Bucket;
import org.defenderadx.migration.common.window.WindowProgress;

/**
 * One row of the {@code MigrationConfiguration} table, read by column name (fresh and upgraded databases order the
 * columns differently). Both shapes are accepted: the original six columns ({@code SourceTable, DestinationTable,
 * WatermarkColumn, LastRefreshedTime, LoadType, IsActive}) and ours, which adds {@code LastRefreshedTimeInString,
 * TenantId, Version, LateArrivalAllowance, UpdatedBy, Notes, BucketProgress}.
 *
 * @param watermarkColumn as configured; {@code None}, empty, null or {@code Watermark_IngestionTime} mean
 *     {@code ingestion_time()}
 * @param lastRefreshed the stored watermark; empty means never loaded. Taken from the 7-digit
 *     {@code LastRefreshedTimeInString} when present (the datetime column may have lost precision on the way)
 * @param tenantId "" for the default tenant
 * @param version empty on rows written by the original script; ours increase monotonically per table
 * @param bucketProgress the last bucket done of the instant at {@code lastRefreshed}, if that instant is being
 *     paged by buckets
 * @param snapshotProgress for a snapshot table, the snapshot being copied, if one is under way. It shares the
 *     {@code BucketProgress} column ({@link SnapshotProgress#encode()}); on a snapshot table's rows
 *     {@code lastRefreshed} is the stamp of the last committed snapshot
 * @param updatedBy who wrote the row; {@value #CARRIED_FORWARD_BY} marks a watermark carried forward from the
 *     original script by the upgrade, which keeps the original's meaning (see {@link #watermarkIsOriginal()})
 */
public record MigrationConfigRow(String sourceTable, String destinationTable, String watermarkColumn,
    Optional<Instant> lastRefreshed, LoadType loadType, boolean active, String tenantId, OptionalLong version,
    Duration lateArrivalAllowance, String notes, Optional<Bucket> bucketProgress,
    Optional<SnapshotProgress> snapshotProgress, String updatedBy) {

  /** Our column layout, in order, with Kusto types: the first seven are the design's, the rest additions. */
  public static final Map<String, String> COLUMNS = columns();

  /**
   * {@code UpdatedBy} of a row the upgrade (kql/upgrade-from-original.kql) carried forward from the original script:
   * its {@code LastRefreshedTime} is still the largest value the original copied, whatever its Version says.
   */
  public static final String CARRIED_FORWARD_BY = "upgrade-from-original";

  private static final Set<String> INGESTION_TIME_NAMES = Set.of("", "none", "watermark_ingestiontime",
      "ingestion_time()", "ingestiontime");

  public MigrationConfigRow {
    Objects.requireNonNull(sourceTable, "sourceTable");
    Objects.requireNonNull(lastRefreshed, "lastRefreshed");
    Objects.requireNonNull(loadType, "loadType");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(bucketProgress, "bucketProgress");
    Objects.requireNonNull(snapshotProgress, "snapshotProgress");
    if (bucketProgress.isPresent() && snapshotProgress.isPresent()) {
      throw new IllegalArgumentException("a row holds window bucket progress or snapshot progress, not both");
    }
    destinationTable = destinationTable == null ? "" : destinationTable;
    watermarkColumn = watermarkColumn == null ? "" : watermarkColumn;
    tenantId = tenantId == null ? "" : tenantId;
    lateArrivalAllowance = lateArrivalAllowance == null ? Duration.ZERO : lateArrivalAllowance;
    notes = notes == null ? "" : notes;
    updatedBy = updatedBy == null ? "" : updatedBy;
  }

  /** A row as our exporter writes it (not carried forward from the original script). */
  public MigrationConfigRow(String sourceTable, String destinationTable, String watermarkColumn,
      Optional<Instant> lastRefreshed, LoadType loadType, boolean active, String tenantId, OptionalLong version,
      Duration lateArrivalAllowance, String notes, Optional<Bucket> bucketProgress,
      Optional<SnapshotProgress> snapshotProgress) {
    this(sourceTable, destinationTable, watermarkColumn, lastRefreshed, loadType, active, tenantId, version,
        lateArrivalAllowance, notes, bucketProgress, snapshotProgress, "");
  }

  /** A row without snapshot progress (windowed tables, and snapshot tables between snapshots). */
  public MigrationConfigRow(String sourceTable, String destinationTable, String watermarkColumn,
      Optional<Instant> lastRefreshed, LoadType loadType, boolean active, String tenantId, OptionalLong version,
      Duration lateArrivalAllowance, String notes, Optional<Bucket> bucketProgress) {
    this(sourceTable, destinationTable, watermarkColumn, lastRefreshed, loadType, active, tenantId, version,
        lateArrivalAllowance, notes, bucketProgress, Optional.empty());
  }

  private static Map<String, String> columns() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("SourceTable", "string");
    c.put("DestinationTable", "string");
    c.put("WatermarkColumn", "string");
    c.put("LastRefreshedTime", "datetime");
    c.put("LastRefreshedTimeInString", "string");
    c.put("LoadType", "string");
    c.put("IsActive", "bool");
    c.put("TenantId", "string");
    c.put("Version", "long");
    c.put("LateArrivalAllowance", "timespan");
    c.put("UpdatedBy", "string");
    c.put("Notes", "string");
    c.put("BucketProgress", "string");
    return java.util.Collections.unmodifiableMap(c);
  }

  /** {@code .create-merge table <name> (SourceTable:string, ...)}: adds our columns to an original table. */
  public static String createMergeCommand(String tableName) {
    KqlIdentifiers.requireTable(tableName);
    StringBuilder sb = new StringBuilder(".create-merge table ").append(tableName).append(" (");
    COLUMNS.forEach((name, type) -> sb.append(name).append(':').append(type).append(", "));
    sb.setLength(sb.length() - 2);
    return sb.append(")").toString();
  }

  /** Reads a row given as column name to value; values may be String, Instant, Boolean, Number or null. */
  public static MigrationConfigRow fromColumns(Map<String, Object> row) {
    ColumnValues v = new ColumnValues(row);
    String source = v.text("SourceTable");
    if (source.isEmpty()) {
      throw new ConfigRowException("<missing>", "SourceTable is empty; columns present: " + row.keySet());
    }
    try {
      for (String column : List.of("SourceTable", "DestinationTable", "WatermarkColumn", "TenantId")) {
        ConfigRowLimits.requireClean(column, row.get(column));
      }
      ConfigRowLimits.checkVersion(v.optionalLong("Version"));
      ConfigRowLimits.checkAllowance(v.duration("LateArrivalAllowance"));
      Instant refreshed = v.instant("LastRefreshedTimeInString");
      if (refreshed == null) {
        refreshed = v.instant("LastRefreshedTime");
      }
      String bucket = v.text("BucketProgress");
      boolean snapshot = SnapshotProgress.isEncoded(bucket);
      return new MigrationConfigRow(source, v.text("DestinationTable"), v.text("WatermarkColumn"),
          Optional.ofNullable(refreshed), LoadType.parse(v.text("LoadType")), v.bool("IsActive", true),
          v.text("TenantId"), v.optionalLong("Version"), v.duration("LateArrivalAllowance"), v.text("Notes"),
          bucket.isEmpty() || snapshot ? Optional.empty() : Optional.of(parseBucket(bucket)),
          snapshot ? Optional.of(SnapshotProgress.parse(bucket)) : Optional.empty(), v.text("UpdatedBy"));
    } catch (IllegalArgumentException e) {
      throw new ConfigRowException(ConfigRowLimits.printable(source), e.getMessage(), e);
    }
  }

  private static Bucket parseBucket(String text) {
    String[] parts = text.split("/");
    if (parts.length != 2) {
      throw new IllegalArgumentException("BucketProgress must look like 3/16, got '" + text + "'");
    }
    return new Bucket(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
  }

  public boolean neverLoaded() {
    return lastRefreshed.isEmpty();
  }

  /** True when the row came from the original script (no Version): its watermark was inclusive. */
  public boolean writtenByOriginalScript() {
    return version.isEmpty();
  }

  /** True when the upgrade carried this row's watermark forward from the original script. */
  public boolean carriedForward() {
    return CARRIED_FORWARD_BY.equals(updatedBy);
  }

  /**
   * True when {@code LastRefreshedTime} has the original script's meaning (the largest value it copied), on its own
   * rows and on rows the upgrade carried forward; false on ours (the exclusive end of what we committed, or for a
   * snapshot table the stamp of our last snapshot).
   */
  public boolean watermarkIsOriginal() {
    return writtenByOriginalScript() || carriedForward();
  }

  /** The watermark source this row names. Throws {@link InvalidIdentifierException} for an unsafe column name. */
  public WatermarkSource watermarkSource() {
    String name = watermarkColumn.trim();
    if (INGESTION_TIME_NAMES.contains(name.toLowerCase(Locale.ROOT))) {
      return WatermarkSource.ingestionTime();
    }
    return WatermarkSource.column(name);
  }

  /**
   * Where copying resumes. Our rows store the exclusive end of the last committed window; the original script
   * stored the largest value it had copied and selected {@code > watermark}, so its rows (and the rows the upgrade
   * carried forward from them) resume one tick later, for ingestion time and column watermarks alike.
   */
  public Optional<WindowProgress> progress() {
    if (lastRefreshed.isEmpty()) {
      return Optional.empty();
    }
    if (watermarkIsOriginal()) {
      return Optional.of(WindowProgress.at(lastRefreshed.get().plus(KustoTime.TICK)));
    }
    return Optional.of(new WindowProgress(lastRefreshed.get(), bucketProgress));
  }

  /** {@link #resolve(Optional)} without schema knowledge. */
  public ResolvedTable resolve() {
    return resolve(Optional.empty());
  }

  /**
   * Validates the identifiers and decides the effective {@link TableKind}.
   *
   * @param sourceSchema the source table's columns and Kusto types ({@code getschema}), when known: a table with
   *     no datetime column, or whose configured column is not a datetime, is copied as a snapshot
   * @throws ConfigRowException naming the table when the row cannot be used
   */
  public ResolvedTable resolve(Optional<Map<String, String>> sourceSchema) {
    List<String> warnings = new ArrayList<>();
    WatermarkSource watermark;
    try {
      KqlIdentifiers.requireTable(sourceTable);
      KqlIdentifiers.requireTable(destinationTable);
      watermark = watermarkSource();
    } catch (InvalidIdentifierException e) {
      throw new ConfigRowException(ConfigRowLimits.printable(sourceTable), e.getMessage(), e);
    }
    try {
      ConfigRowLimits.checkAllowance(lateArrivalAllowance);
    } catch (IllegalArgumentException e) {
      throw new ConfigRowException(sourceTable, e.getMessage());
    }
    Optional<String> refused = ConfigRowLimits.destinationProblem(sourceTable, destinationTable)
        .or(() -> watermark.isIngestionTime() ? Optional.empty()
            : ConfigRowLimits.watermarkColumnProblem(watermarkColumn.trim()));
    if (refused.isPresent()) {
      throw new ConfigRowException(sourceTable, refused.get());
    }

    TableKind kind;
    if (SnapshotTables.isKnownSnapshot(sourceTable)) {
      kind = TableKind.SNAPSHOT;
      if (!watermark.isIngestionTime() || loadType != LoadType.FULL) {
        warnings.add("table " + sourceTable + " holds current state: copied as a snapshot (WatermarkColumn '"
            + watermarkColumn + "' and LoadType " + loadType.configName() + " are ignored)");
      }
    } else if (sourceSchema.isPresent() && datetimeColumns(sourceSchema.get()).isEmpty()) {
      kind = TableKind.SNAPSHOT;
      warnings.add("table " + sourceTable + " has no datetime column: copied as a snapshot");
    } else if (watermark.isIngestionTime()) {
      kind = TableKind.INCREMENTAL_INGESTION_TIME;
    } else if (sourceSchema.isPresent() && !hasDatetimeColumn(sourceSchema.get(), watermark.describe())) {
      // Windows on a column the source lacks, or one that is not a datetime, would fail every call or match
      // nothing: refuse the row rather than guess.
      String column = watermark.describe();
      String type = sourceSchema.get().get(column);
      List<String> datetimes = datetimeColumns(sourceSchema.get());
      throw new ConfigRowException(sourceTable, "WatermarkColumn " + column + (type == null
          ? " is not a column of " + sourceTable + " at the source (its datetime columns: "
              + String.join(", ", datetimes.stream().limit(8).toList()) + (datetimes.size() > 8 ? ", ..." : "") + ")"
          : " is of type " + ConfigRowLimits.printable(type) + " at the source, not datetime")
          + "; name a datetime column, or set WatermarkColumn to None to window on ingestion_time()");
    } else if (lateArrivalAllowance.isZero()) {
      throw new ConfigRowException(sourceTable, "WatermarkColumn " + watermark.describe() + " needs a"
          + " LateArrivalAllowance above zero (devices report days late, and rows that arrive later than the"
          + " allowance would be missed); or set WatermarkColumn to None to window on ingestion_time()");
    } else {
      kind = TableKind.INCREMENTAL_COLUMN;
      warnings.add("table " + sourceTable + " is windowed on column " + watermark.describe() + " with a late-arrival"
          + " allowance of " + KustoTimespan.format(lateArrivalAllowance) + ": rows arriving later than that after"
          + " their " + watermark.describe() + " are never copied; ingestion_time() has no such gap");
    }
    return new ResolvedTable(tenantId, sourceTable, destinationTable, kind,
        kind == TableKind.INCREMENTAL_COLUMN ? watermark : WatermarkSource.ingestionTime(),
        kind == TableKind.INCREMENTAL_COLUMN ? lateArrivalAllowance : Duration.ZERO, progress(), warnings);
  }

  private static List<String> datetimeColumns(Map<String, String> schema) {
    return schema.entrySet().stream().filter(e -> KustoTypes.isDatetime(e.getValue())).map(Map.Entry::getKey)
        .toList();
  }

  private static boolean hasDatetimeColumn(Map<String, String> schema, String column) {
    return KustoTypes.isDatetime(schema.get(column));
  }

  /**
   * The row to append when committing {@code progress}: our full column layout, in order, as Java values
   * (String, Instant, Boolean, Long, Duration) for the caller to serialise.
   *
   * @param newVersion must be above this row's version
   */
  public Map<String, Object> commitRow(WindowProgress progress, long newVersion) {
    if (version.isPresent() && newVersion <= version.getAsLong()) {
      throw new IllegalArgumentException("version must increase: " + newVersion + " <= " + version.getAsLong()
          + " for table " + sourceTable);
    }
    Instant watermark = KustoTime.truncate(progress.watermark());
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("SourceTable", sourceTable);
    row.put("DestinationTable", destinationTable);
    row.put("WatermarkColumn", watermarkColumn.isEmpty() ? "None" : watermarkColumn);
    row.put("LastRefreshedTime", watermark);
    row.put("LastRefreshedTimeInString", KustoTime.format(watermark));
    row.put("LoadType", loadType.configName());
    row.put("IsActive", active);
    row.put("TenantId", tenantId);
    row.put("Version", newVersion);
    row.put("LateArrivalAllowance", lateArrivalAllowance);
    row.put("UpdatedBy", "defender-adx-migration");
    row.put("Notes", notes);
    row.put("BucketProgress", progress.lastBucketDone().map(Bucket::toString).orElse(""));
    return row;
  }

  /**
   * This row as it stands, by column name (for handing it to another node); {@link #fromColumns} reads it back to an
   * equal row.
   */
  public Map<String, Object> toColumns() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("SourceTable", sourceTable);
    row.put("DestinationTable", destinationTable);
    row.put("WatermarkColumn", watermarkColumn);
    row.put("LastRefreshedTime", lastRefreshed.orElse(null));
    row.put("LastRefreshedTimeInString", lastRefreshed.map(KustoTime::format).orElse(""));
    row.put("LoadType", loadType.configName());
    row.put("IsActive", active);
    row.put("TenantId", tenantId);
    row.put("Version", version.isPresent() ? version.getAsLong() : null);
    row.put("LateArrivalAllowance", lateArrivalAllowance);
    row.put("UpdatedBy", updatedBy);
    row.put("Notes", notes);
    row.put("BucketProgress", snapshotProgress.map(SnapshotProgress::encode)
        .orElse(bucketProgress.map(Bucket::toString).orElse("")));
    return row;
  }

  /**
   * The row to append for a snapshot table: {@code LastRefreshedTime} is the stamp of the last committed snapshot
   * (null before the first), {@code BucketProgress} the snapshot under way (empty between snapshots). Otherwise as
   * {@link #commitRow}.
   */
  public Map<String, Object> snapshotCommitRow(Optional<Instant> lastCommittedSnapshot,
                                               Optional<SnapshotProgress> inProgress, long newVersion) {
    Map<String, Object> row = commitRow(WindowProgress.at(lastCommittedSnapshot.orElse(KustoTime.MIN)), newVersion);
    if (lastCommittedSnapshot.isEmpty()) {
      row.put("LastRefreshedTime", null);
      row.put("LastRefreshedTimeInString", "");
    }
    row.put("BucketProgress", inProgress.map(SnapshotProgress::encode).orElse(""));
    return row;
  }

  /**
   * For a snapshot table, the stamp of the last snapshot this tool committed; empty when there is none. A row of the
   * original script, or one carried forward from it, holds the original's watermark, which says nothing about our
   * snapshots: such a table is due for its first snapshot at once.
   */
  public Optional<Instant> lastCommittedSnapshot() {
    return watermarkIsOriginal() ? Optional.empty() : lastRefreshed;
  }

  /** The next version to write: one above this row's, or 1 for a row from the original script. */
  public long nextVersion() {
    return version.isPresent() ? version.getAsLong() + 1 : 1;
  }

  /**
   * The current row of each (tenant, source table): highest Version; among rows without one (the original
   * script's), the latest watermark, then the later row in {@code rows}' order. Inactive rows are kept, so that
   * appending {@code IsActive=false} does deactivate a table (the original view filtered before picking).
   */
  public static List<MigrationConfigRow> latest(Collection<MigrationConfigRow> rows) {
    Map<String, MigrationConfigRow> best = new LinkedHashMap<>();
    Comparator<MigrationConfigRow> order = Comparator
        .comparingLong((MigrationConfigRow r) -> r.version.orElse(Long.MIN_VALUE))
        .thenComparing(r -> r.lastRefreshed.orElse(Instant.MIN));
    for (MigrationConfigRow r : rows) {
      String key = r.tenantId + "\u0000" + r.sourceTable;
      MigrationConfigRow current = best.get(key);
      if (current == null || order.compare(r, current) >= 0) {
        best.put(key, r);
      }
    }
    return List.copyOf(best.values());
  }
}
