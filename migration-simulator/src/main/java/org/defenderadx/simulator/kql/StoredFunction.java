package org.defenderadx.simulator.kql;

/**
 * A stored function without parameters (in practice a view, such as {@code VwLatestMigrationConfiguration}),
 * referenced by name in a query as {@code Name} or {@code Name()}.
 *
 * @param body the KQL inside the braces of {@code .create-or-alter function Name() { body }}
 */
public record StoredFunction(String name, String body, boolean view) {
}
