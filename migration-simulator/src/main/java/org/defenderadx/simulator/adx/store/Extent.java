package org.defenderadx.simulator.adx.store;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.defenderadx.simulator.kql.StoredRow;

/**
 * An immutable shard of a table, as one ingestion or append creates it: its rows share an ingestion time and tags.
 * In digest-only storage the rows are not kept, only a 64-bit digest of each row's source text.
 *
 * @param rows     the rows, or null in digest-only storage
 * @param digests  per-row digests of the source record (always kept; used for duplicate checks)
 * @param originalSize bytes of source data the extent was built from
 */
public record Extent(UUID id, Instant createdOn, List<String> tags, List<StoredRow> rows, long[] digests,
                     long rowCount, long originalSize) {

  public boolean hasTag(String tag) {
    return tags.contains(tag);
  }
}
