package org.defenderadx.migration.worker.typed;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.typed.TypedTable;
import org.defenderadx.migration.worker.adx.AdxClient;

/**
 * Brings rows that reached the raw table before its typed table had a policy (earlier runs, databases upgraded from
 * the original script) into the typed table, once, in bounded batches, idempotently:
 * <ol>
 *   <li>the cut-off is read from ADX after the policy is in place: rows ingested later went through the policy;</li>
 *   <li>rows with a window id: every window whose raw rows before the cut-off have no typed rows at all is copied,
 *       at most {@link #MAX_BATCH_WINDOWS} windows and about {@link #MAX_BATCH_ROWS} rows a batch (a window's rows
 *       commit with its typed rows in one transaction, so a window is either in the typed table or not);</li>
 *   <li>rows without one (the original script's): an hour of their ingestion time a batch;</li>
 * </ol>
 * Each batch is tagged by what it holds and appended with {@code ingestIfNotExists}, so a batch that landed before a
 * crash is skipped when the backfill runs again.
 */
final class TypedBackfill {

  static final int MAX_BATCH_WINDOWS = 200;
  static final long MAX_BATCH_ROWS = 500_000;

  /** What a run did: rows appended, batches, and windows whose typed rows are there but fewer or more than raw. */
  record Outcome(long rows, int batches, List<String> mismatched) {
  }

  private final AdxClient adx;
  private final int maxBatchWindows;
  private final long maxBatchRows;

  TypedBackfill(AdxClient adx) {
    this(adx, MAX_BATCH_WINDOWS, MAX_BATCH_ROWS);
  }

  TypedBackfill(AdxClient adx, int maxBatchWindows, long maxBatchRows) {
    this.adx = adx;
    this.maxBatchWindows = maxBatchWindows;
    this.maxBatchRows = maxBatchRows;
  }

  Future<Outcome> run(TypedTable t) {
    return adx.query("print Now = tostring(now())").compose(rows -> {
      Instant cutoff = KustoTime.parse(String.valueOf(rows.get(0).get("Now")));
      String before = "ingestion_time() < " + KustoTime.literal(cutoff);
      String windowId = TypedTable.RAW_UNIT_ID;
      Future<Map<String, Long>> raw = counts(t.rawTable() + "\n| where " + before + " and (" + t.rawRowsOfSource()
          + ")\n| summarize N = count() by W = " + windowId);
      return raw.compose(rawCounts -> counts(t.typedTable() + " | summarize N = count() by W = "
          + TypedTable.UNIT_ID).compose(typedCounts -> {
            List<List<String>> batches = new ArrayList<>();
            List<String> mismatched = new ArrayList<>();
            List<String> batch = new ArrayList<>();
            long batchRows = 0;
            for (Map.Entry<String, Long> w : new TreeMap<>(rawCounts).entrySet()) {
              if (w.getKey().isEmpty()) {
                continue;
              }
              Long typed = typedCounts.get(w.getKey());
              if (typed != null) {
                if (!typed.equals(w.getValue())) {
                  mismatched.add(w.getKey());
                }
                continue;
              }
              if (!batch.isEmpty() && (batch.size() >= maxBatchWindows || batchRows + w.getValue() > maxBatchRows)) {
                batches.add(batch);
                batch = new ArrayList<>();
                batchRows = 0;
              }
              batch.add(w.getKey());
              batchRows += w.getValue();
            }
            if (!batch.isEmpty()) {
              batches.add(batch);
            }
            // Rows are counted from the raw counts of each batch that was appended (not skipped by its tag).
            Future<long[]> done = Future.succeededFuture(new long[2]);
            for (List<String> ids : batches) {
              String filter = before + " and " + windowId + " in (" + String.join(", ",
                  ids.stream().map(KqlLiterals::string).toList()) + ")";
              String tag = "typed-fill:" + t.typedTable() + ":w:" + digest(ids);
              long n = ids.stream().mapToLong(rawCounts::get).sum();
              done = done.compose(acc -> append(t, tag, filter).map(appended -> new long[] {
                  acc[0] + (appended ? n : 0), acc[1] + 1}));
            }
            boolean hasUnstamped = rawCounts.containsKey("");
            Future<long[]> all = hasUnstamped ? done.compose(acc -> unstamped(t, before, windowId)
                .map(o -> new long[] {acc[0] + o[0], acc[1] + o[1]})) : done;
            return all.map(acc -> new Outcome(acc[0], (int) acc[1], List.copyOf(mismatched)));
          }));
    });
  }

  /** The original script's rows, an hour of ingestion time at a time. */
  private Future<long[]> unstamped(TypedTable t, String before, String windowId) {
    return adx.query(t.rawTable() + "\n| where " + before + " and isempty(" + windowId + ")"
        + "\n| summarize N = count() by H = tostring(bin(ingestion_time(), 1h))").compose(rows -> {
          Future<long[]> done = Future.succeededFuture(new long[2]);
          Map<Instant, Long> hours = new TreeMap<>();
          rows.forEach(r -> hours.put(KustoTime.parse(String.valueOf(r.get("H"))), ((Number) r.get("N")).longValue()));
          for (Map.Entry<Instant, Long> hour : hours.entrySet()) {
            Instant h = hour.getKey();
            String filter = before + " and isempty(" + windowId + ") and ingestion_time() >= " + KustoTime.literal(h)
                + " and ingestion_time() < " + KustoTime.literal(h.plus(Duration.ofHours(1)));
            String tag = "typed-fill:" + t.typedTable() + ":h:" + KustoTime.format(h);
            done = done.compose(acc -> append(t, tag, filter).map(appended -> new long[] {
                acc[0] + (appended ? hour.getValue() : 0), acc[1] + 1}));
          }
          return done;
        });
  }

  /** Appends one batch under its tag; false when the tag was already there (the batch landed before). */
  private Future<Boolean> append(TypedTable t, String tag, String filter) {
    String ifNotExists = KqlLiterals.string("[\"" + tag + "\"]"); // checked with the tags property
    return adx.mgmt(".set-or-append " + t.typedTable() + " with (" + TypedTable.ingestByTagsProperty(List.of(tag))
        + ", ingestIfNotExists=" + ifNotExists + ") <|\n" + t.projection(filter)).map(r -> !r.isEmpty())
        .recover(e -> Future.failedFuture(new IllegalStateException("backfill batch " + tag + " of "
            + t.typedTable() + " failed: " + e.getMessage(), e)));
  }

  private Future<Map<String, Long>> counts(String query) {
    return adx.query(query).map(rows -> {
      Map<String, Long> out = new LinkedHashMap<>();
      for (Map<String, Object> r : rows) {
        Object w = r.get("W");
        out.put(w == null ? "" : String.valueOf(w), ((Number) r.get("N")).longValue());
      }
      return out;
    });
  }

  private static String digest(List<String> ids) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      ids.forEach(id -> md.update((id + "\n").getBytes(StandardCharsets.UTF_8)));
      return HexFormat.of().formatHex(md.digest(), 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
