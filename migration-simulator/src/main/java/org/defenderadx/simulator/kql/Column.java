package org.defenderadx.simulator.kql;

/** A named, typed column of a table or a query result. */
public record Column(String name, KqlType type) {
}
