package org.defenderadx.simulator.adx.ingest;

import java.util.List;

/**
 * Rows parsed from one source (a blob, a streaming request, inline data), in the target table's column order.
 *
 * @param rows         typed rows, or an empty list when the target keeps digests only
 * @param digests      one digest per good record
 * @param badRecords   records that could not be parsed and were left out
 * @param firstError   why the first bad record was rejected, or null
 * @param rawBytes     size of the uncompressed source
 */
public record ParsedData(List<Object[]> rows, long[] digests, int badRecords, String firstError, long rawBytes) {

  public int goodRecords() {
    return digests.length;
  }
}
