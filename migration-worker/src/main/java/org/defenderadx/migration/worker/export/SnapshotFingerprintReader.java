package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.model.SnapshotFingerprint;
import org.defenderadx.migration.common.query.HuntingQueries;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.worker.defender.Provenance;

/**
 * Reads a snapshot source's fingerprint (its row count and newest ingestion time) for {@link SnapshotExporter},
 * through the fetcher: the same budget, breaker and retries as the buckets.
 */
final class SnapshotFingerprintReader {

  /** The tenant is paused (CPU quota) while a fingerprint was read. */
  static final class SourcePaused extends RuntimeException {
    final transient Fetched.Paused paused;

    SourcePaused(Fetched.Paused paused) {
      super(paused.reason(), null, false, false);
      this.paused = paused;
    }
  }

  private final WindowFetcher fetcher;

  SnapshotFingerprintReader(WindowFetcher fetcher) {
    this.fetcher = fetcher;
  }

  /**
   * The source's fingerprint now; fails with {@link SourcePaused} when the tenant is paused.
   *
   * @param at the snapshot's stamp (or now, before one is planned): the query rides in a one-tick window there
   */
  /** A fingerprint and what reading it cost. */
  record Read(SnapshotFingerprint fingerprint, FetchStats stats) {
  }

  Future<Read> read(TenantContext tenant, ResolvedTable table, Instant at) {
    // The query yields one row; it counts itself so that the fetcher's completeness check holds.
    String query = HuntingQueries.snapshotFingerprint(table.sourceTable()) + "\n| extend "
        + HuntingQueries.WINDOW_TOTAL + " = 1";
    Provenance provenance = new Provenance(tenant.key(), table.sourceTable(), "fingerprint", null);
    return fetcher.fetch(tenant, table, Window.of(at, at.plus(KustoTime.TICK)), query, provenance)
        .compose(f -> {
          if (f instanceof Fetched.Complete c) {
            return Future.succeededFuture(new Read(parse(c.blob()), c.stats()));
          }
          if (f instanceof Fetched.Paused p) {
            return Future.failedFuture(new SourcePaused(p));
          }
          String why = f instanceof Fetched.Failed failed ? failed.reason() : ((Fetched.Split) f).reason();
          return Future.failedFuture(new IllegalStateException("could not read the source's fingerprint: " + why));
        });
  }

  static SnapshotFingerprint parse(byte[] gzip) {
    List<JsonObject> rows = BlobRows.of(gzip);
    if (rows.size() != 1) {
      throw new IllegalStateException("the fingerprint query should return one row, got " + rows.size());
    }
    JsonObject r = rows.get(0);
    Object count = r.getValue("Count");
    Object max = r.getValue("MaxIngestion");
    long n = count instanceof Number num ? num.longValue() : Long.parseLong(String.valueOf(count).trim());
    return fingerprint(n, max == null ? null : String.valueOf(max));
  }

  /** A fingerprint from a count and a newest ingestion time as the service wrote it (null or blank: none). */
  static SnapshotFingerprint fingerprint(long count, String newest) {
    return new SnapshotFingerprint(count, newest == null || newest.isBlank() ? Optional.empty()
        : Optional.of(KustoTime.truncate(KustoTime.parse(newest))));
  }
}
