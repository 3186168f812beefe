package org.defenderadx.simulator.kql;

/**
 * Parses and evaluates the KQL subset both stand-ins need. Stateless and thread-safe.
 */
public final class KqlEngine {

  /**
   * Runs one query (possibly several {@code let} statements followed by a tabular expression).
   *
   * @throws KqlException when the query cannot be parsed or refers to an unknown table, column or function
   */
  public QueryResult execute(String query, QueryContext context) {
    throw new KqlException(KqlException.Kind.UNSUPPORTED, "the KQL engine is not implemented yet");
  }
}
