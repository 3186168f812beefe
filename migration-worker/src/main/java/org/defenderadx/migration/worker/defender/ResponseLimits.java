package org.defenderadx.migration.worker.defender;

import org.defenderadx.migration.common.config.MigrationTuning;

/**
 * How much of a response one call reads at most: its body (a 200 past it is cut off there, and its window split) and
 * any one result row (a larger one fails the call: splitting the window cannot shrink a row).
 *
 * @param maxBodyBytes the byte cap plus a margin: the service's own cap is on its measure of the result, not on the
 *                     JSON bytes exactly
 * @param maxRowBytes  the largest row's JSON text; the parser never holds more of a row than this
 */
public record ResponseLimits(long maxBodyBytes, long maxRowBytes) {

  public ResponseLimits {
    if (maxRowBytes < 1 || maxBodyBytes < maxRowBytes) {
      throw new IllegalArgumentException("need 0 < maxRowBytes <= maxBodyBytes, not " + maxRowBytes + " and "
          + maxBodyBytes);
    }
  }

  /** The configured byte cap plus a tenth, and the configured row limit. */
  public static ResponseLimits of(MigrationTuning tuning) {
    return new ResponseLimits(tuning.byteCap() + tuning.byteCap() / 10, tuning.maxRowSize());
  }

  /** As configured by default: 50 MB plus a tenth, rows of 16 MB. */
  public static ResponseLimits defaults() {
    return new ResponseLimits(55_000_000L, HuntingResultStreamParser.DEFAULT_MAX_ROW_BYTES);
  }
}
