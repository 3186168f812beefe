package org.defenderadx.simulator.kql;

/**
 * What a query cost, for the Defender simulator's CPU-quota model.
 *
 * @param rowsScanned rows read from table sources
 * @param rowsSorted  rows that went through a sort (order by, top, serialize after a sort, row_number paging)
 */
public record QueryStats(long rowsScanned, long rowsSorted) {
}
