package org.defenderadx.simulator.kql.engine;

import java.time.Instant;
import org.defenderadx.simulator.kql.QueryContext;
import org.defenderadx.simulator.kql.QueryStats;

/** One execution of a query: its context, its single clock reading and its cost counters. */
public final class Exec {
  private final QueryContext context;
  private final QueryStats stats;
  private final Instant now;

  public Exec(QueryContext context, QueryStats stats) {
    this.context = context;
    this.stats = stats;
    this.now = Temporal.toTicks(context.now() != null ? context.now() : Instant.now());
  }

  public QueryContext context() {
    return context;
  }

  public QueryStats stats() {
    return stats;
  }

  public Instant now() {
    return now;
  }

  /** A row context for expressions that do not depend on a row (let values, take counts, bounds). */
  public RowCtx constantContext() {
    RowCtx c = new RowCtx(this);
    c.row = Row.of(new Object[0]);
    return c;
  }
}
