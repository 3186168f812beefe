package org.defenderadx.simulator.kql;

import java.util.List;

/** The primary result of a query: columns and rows (values in column order, typed as in {@link KqlType}). */
public record QueryResult(List<Column> columns, List<Object[]> rows, QueryStats stats) {
}
