package org.defenderadx.simulator.kql.engine;

import java.util.function.Function;
import org.defenderadx.simulator.kql.KqlType;

/** A compiled scalar expression with its static type. */
public interface Scalar {

  KqlType type();

  Object eval(RowCtx ctx);

  /** True when the value does not depend on the row (literals, let values, functions of those). */
  default boolean rowIndependent() {
    return false;
  }

  static Scalar of(KqlType type, boolean rowIndependent, Function<RowCtx, Object> fn) {
    return new Scalar() {
      @Override
      public KqlType type() {
        return type;
      }

      @Override
      public Object eval(RowCtx ctx) {
        return fn.apply(ctx);
      }

      @Override
      public boolean rowIndependent() {
        return rowIndependent;
      }
    };
  }

  static Scalar constant(KqlType type, Object value) {
    return of(type, true, c -> value);
  }

  /** Evaluates once per execution and remembers the value (let-bound scalars, toscalar()). */
  static Scalar memo(Scalar inner) {
    return new Scalar() {
      private Exec evaluatedFor;
      private Object value;

      @Override
      public KqlType type() {
        return inner.type();
      }

      @Override
      public synchronized Object eval(RowCtx ctx) {
        if (evaluatedFor != ctx.exec.root()) {
          value = inner.eval(ctx.exec.constantContext());
          evaluatedFor = ctx.exec.root();
        }
        return value;
      }

      @Override
      public boolean rowIndependent() {
        return true;
      }
    };
  }
}
