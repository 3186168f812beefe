package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.worker.adx.AdxClient;
import org.defenderadx.migration.worker.adx.WindowIngestion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The staging table of one repair job, {@code <Raw>_Repair_<12 hex>}: the replacement rows wait there, where no query
 * of the raw table and no {@code ingestIfNotExists} of the exporter sees them, until they are swapped in. It is
 * created on first use with the raw table's schema and ingestion mapping, and dropped when the job ends. The name is
 * unique to the job, so concurrent repairs never share one.
 */
final class RepairStaging {

  private static final Logger LOG = LoggerFactory.getLogger(RepairStaging.class);

  /** What follows the destination's name in a job's staging table name (then 12 random hex digits). */
  static final String SUFFIX = "_Repair_";

  private final AdxClient adx;
  private final String destination;
  private final String runId;
  private final String name;
  private Future<String> created;

  RepairStaging(AdxClient adx, String destination, String runId) {
    this.adx = adx;
    this.destination = KqlIdentifiers.requireTable(destination);
    this.runId = runId;
    this.name = KqlIdentifiers.requireTable(destination + SUFFIX
        + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
  }

  String name() {
    return name;
  }

  /** The table's name once it exists with the destination's schema and json mapping; created on the first call. */
  Future<String> create() {
    if (created == null) {
      created = adx.mgmt(".show table " + destination + " cslschema")
          .compose(schema -> adx.mgmt(".create table " + name + " (" + columns(schema) + ") with (folder="
              + KqlLiterals.string("RepairStaging") + ", docstring=" + KqlLiterals.string("rows of a repair of "
              + destination + " (run " + runId + ") until they are swapped in; dropped when the repair ends") + ")"))
          .compose(v -> adx.mgmt(".show table " + destination + " ingestion json mappings"))
          .compose(mappings -> {
            Optional<Map<String, Object>> mapping = mappings.stream()
                .filter(m -> WindowIngestion.MAPPING.equals(String.valueOf(m.get("Name")))).findFirst();
            if (mapping.isEmpty()) {
              return Future.failedFuture(destination + " has no json mapping '" + WindowIngestion.MAPPING + "'");
            }
            return adx.mgmt(".create-or-alter table " + name + " ingestion json mapping "
                + KqlLiterals.string(WindowIngestion.MAPPING) + " "
                + KqlLiterals.string(String.valueOf(mapping.get().get("Mapping"))));
          })
          .map(v -> name)
          .recover(e -> Future.failedFuture("creating the staging table " + name + " failed: " + e.getMessage()));
    }
    return created;
  }

  /**
   * The ids of the staged extents holding {@code expectedRows} (rows per {@code ingest-by:} tag), once the table is
   * seen to hold exactly that many rows under each tag. An extent landing late from an earlier attempt of a window
   * already swapped carries that window's tag, so it is not taken.
   */
  Future<List<String>> extentsHolding(Map<String, Long> expectedRows) {
    return adx.mgmt(".show table " + name + " extents").compose(extents -> {
      Map<String, Long> found = new LinkedHashMap<>();
      List<String> ids = new ArrayList<>();
      for (Map<String, Object> e : extents) {
        Optional<String> tag = ExtentSwap.ingestBy(e).stream().filter(expectedRows::containsKey).findFirst();
        if (tag.isPresent()) {
          ids.add(String.valueOf(e.get("ExtentId")));
          found.merge(tag.get(), HourlyCounts.number(e.get("RowCount")), Long::sum);
        }
      }
      for (Map.Entry<String, Long> x : expectedRows.entrySet()) {
        long rows = found.getOrDefault(x.getKey(), 0L);
        if (rows != x.getValue()) {
          return Future.failedFuture("the staging table " + name + " holds " + rows + " rows tagged ingest-by:"
              + x.getKey() + " where " + x.getValue() + " were sent; nothing was swapped");
        }
      }
      return Future.succeededFuture(ids);
    });
  }

  /**
   * Drops the table, if it was made; a failure is logged and returned as the name left over (for the audit), not
   * fatal: the table holds no rows of the destination.
   */
  Future<Optional<String>> drop() {
    if (created == null) {
      return Future.succeededFuture(Optional.empty());
    }
    return adx.mgmt(".drop table " + name + " ifexists").map(v -> Optional.<String>empty())
        .otherwise(e -> {
          LOG.warn("{}: could not drop the repair's staging table {} ({}); it holds no rows of the destination "
              + "and may be dropped by hand", destination, name, e.getMessage());
          return Optional.of(name);
        });
  }

  /** The column list of {@code .create table} from {@code .show table T cslschema}'s {@code Name:type,...}. */
  private static String columns(List<Map<String, Object>> cslSchema) {
    if (cslSchema.isEmpty()) {
      throw new IllegalStateException("no schema");
    }
    List<String> columns = new ArrayList<>();
    for (String column : String.valueOf(cslSchema.get(0).get("Schema")).split(",")) {
      int colon = column.lastIndexOf(':');
      String type = column.substring(colon + 1).strip();
      if (!type.matches("[a-z]+")) {
        throw new IllegalStateException("unexpected column type '" + type + "' in " + cslSchema.get(0));
      }
      columns.add(KqlIdentifiers.requireColumn(column.substring(0, colon).strip()) + ":" + type);
    }
    return String.join(", ", columns);
  }
}
