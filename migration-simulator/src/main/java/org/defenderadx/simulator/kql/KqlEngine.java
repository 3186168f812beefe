package org.defenderadx.simulator.kql;

import java.util.Iterator;
import org.defenderadx.simulator.kql.engine.Exec;
import org.defenderadx.simulator.kql.engine.Plan;
import org.defenderadx.simulator.kql.engine.Planner;
import org.defenderadx.simulator.kql.engine.Row;
import org.defenderadx.simulator.kql.syntax.Parser;

/**
 * Parses and evaluates the KQL subset both stand-ins need. Stateless and thread-safe.
 */
public final class KqlEngine {

  /**
   * Runs one query (possibly several {@code let} statements followed by a tabular expression).
   *
   * <p>Name resolution and typing happen here, so unknown tables and columns fail before any row is read; rows
   * are then produced lazily as the result's iterator is read.
   *
   * @throws KqlException when the query cannot be parsed or refers to an unknown table, column or function
   */
  public QueryResult execute(String query, QueryContext context) {
    Plan plan = new Planner(context.catalog()).plan(Parser.parse(query));
    Exec exec = new Exec(context, new QueryStats());
    Iterator<Row> rows = plan.open(exec);
    Iterator<Object[]> values = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Object[] next() {
        return rows.next().values();
      }
    };
    return new QueryResult(plan.columns(), values, exec.stats());
  }
}
