package org.defenderadx.simulator.kql;

import java.util.Optional;

/** What a query can name: tables and stored functions. Lookup is case-sensitive, as in Kusto. */
public interface Catalog {

  Optional<TableSource> table(String name);

  Optional<StoredFunction> function(String name);
}
