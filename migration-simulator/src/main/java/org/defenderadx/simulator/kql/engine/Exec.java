package org.defenderadx.simulator.kql.engine;

import java.time.Instant;
import org.defenderadx.simulator.kql.QueryContext;
import org.defenderadx.simulator.kql.QueryStats;

/** One execution of a query: its context, its single clock reading and its cost counters. */
public final class Exec {
  private final QueryContext context;
  private final QueryStats stats;
  private final Instant now;
  private final Exec root;

  public Exec(QueryContext context, QueryStats stats) {
    this.context = context;
    this.stats = stats;
    this.now = Temporal.toTicks(context.now() != null ? context.now() : Instant.now());
    this.root = this;
  }

  private Exec(Exec parent) {
    this.context = parent.context;
    this.stats = new QueryStats();
    this.now = parent.now;
    this.root = parent.root;
  }

  /**
   * The same execution with cost counters that go nowhere: for an internal second read of an input that the
   * query model charges once (the two-pass windowed sort).
   */
  Exec quiet() {
    return new Exec(this);
  }

  /** The execution this one belongs to; values computed once per query are kept per root. */
  Exec root() {
    return root;
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
