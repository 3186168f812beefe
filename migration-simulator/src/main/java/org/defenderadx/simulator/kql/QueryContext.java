package org.defenderadx.simulator.kql;

import java.time.Instant;

/**
 * What a query runs against: the catalog, and the clock reading that {@code now()} and {@code ago()} see
 * (one reading per query, as in Kusto).
 */
public record QueryContext(Catalog catalog, Instant now) {
}
