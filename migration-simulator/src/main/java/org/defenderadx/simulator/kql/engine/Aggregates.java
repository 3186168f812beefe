package org.defenderadx.simulator.kql.engine;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.KqlException;
import org.defenderadx.simulator.kql.KqlType;
import org.defenderadx.simulator.kql.syntax.Ast;

/** summarize aggregates, with Kusto's default output names ({@code count_}, {@code max_X}, {@code set_X}...). */
final class Aggregates {
  private Aggregates() {
  }

  static Plans.AggregateSpec compile(Planner planner, Ast.Assignment a, Scope scope, Set<String> keyNames) {
    if (!(a.expr() instanceof Ast.Call call) || !AGGREGATES.contains(call.name())) {
      return expression(planner, a, scope, keyNames);
    }
    String fn = call.name();
    List<Ast.Expr> raw = call.args();
    if (CONDITIONAL.containsKey(fn)) {
      return conditional(planner, call, a.name(), scope, keyNames);
    }
    switch (fn) {
      case "make_bag": {
        need(call, 1, 2);
        Scalar x = planner.compile(raw.get(0), scope);
        return single(a.name(), "bag_" + argName(raw.get(0)), KqlType.DYNAMIC, () -> new BagMerge(x));
      }
      case "percentile": {
        need(call, 2, 2);
        Scalar x = planner.compile(raw.get(0), scope);
        Double pct = raw.get(1) instanceof Ast.Literal l ? Values.toReal(l.value()) : null;
        if (pct == null) {
          throw new KqlException(KqlException.Kind.TYPE_MISMATCH, "percentile() expects a constant percentage");
        }
        String suffix = Values.formatReal(pct).replace('.', '_');
        return single(a.name(), "percentile_" + argName(raw.get(0)) + "_" + suffix, x.type(),
            () -> new Percentile(x, pct));
      }
      case "stdev":
      case "variance": {
        need(call, 1, 1);
        Scalar x = planner.compile(raw.get(0), scope);
        boolean sd = fn.equals("stdev");
        return single(a.name(), fn + "_" + argName(raw.get(0)), KqlType.REAL, () -> new Spread(x, sd));
      }
      case "count":
        return single(a.name(), "count_", KqlType.LONG, () -> new Counter(null));
      case "countif": {
        need(call, 1, 1);
        Scalar p = planner.compile(raw.get(0), scope);
        return single(a.name(), "countif_", KqlType.LONG, () -> new Counter(p));
      }
      case "sum": {
        need(call, 1, 1);
        Scalar x = planner.compile(raw.get(0), scope);
        KqlType t = x.type() == KqlType.INT ? KqlType.LONG : x.type();
        return single(a.name(), "sum_" + argName(raw.get(0)), t, () -> new Sum(x));
      }
      case "avg": {
        need(call, 1, 1);
        Scalar x = planner.compile(raw.get(0), scope);
        return single(a.name(), "avg_" + argName(raw.get(0)), KqlType.REAL, () -> new Avg(x));
      }
      case "min":
      case "max": {
        need(call, 1, 1);
        Scalar x = planner.compile(raw.get(0), scope);
        boolean max = fn.equals("max");
        return single(a.name(), fn + "_" + argName(raw.get(0)), x.type(), () -> new Extreme(x, max));
      }
      case "any":
      case "take_any": {
        need(call, 1, 1);
        Scalar x = planner.compile(raw.get(0), scope);
        return single(a.name(), "any_" + argName(raw.get(0)), x.type(), () -> new AnyValue(x));
      }
      case "dcount":
      case "count_distinct": {
        need(call, 1, 2);
        Scalar x = planner.compile(raw.get(0), scope);
        return single(a.name(), fn + "_" + argName(raw.get(0)), KqlType.LONG, () -> new Collect(x, true, true));
      }
      case "make_set":
      case "make_list": {
        need(call, 1, 2);
        Scalar x = planner.compile(raw.get(0), scope);
        boolean set = fn.equals("make_set");
        return single(a.name(), (set ? "set_" : "list_") + argName(raw.get(0)), KqlType.DYNAMIC,
            () -> new Collect(x, set, false));
      }
      case "arg_max":
      case "arg_min":
        return argExtreme(planner, call, a.name(), scope, keyNames, fn.equals("arg_max"));
      default:
        throw new KqlException(KqlException.Kind.UNKNOWN_FUNCTION,
            "'summarize' operator: Unknown aggregate function: '" + fn + "'");
    }
  }

  private static final Set<String> AGGREGATES = Set.of("count", "countif", "sum", "avg", "min", "max", "any",
      "take_any", "dcount", "count_distinct", "make_set", "make_list", "arg_max", "arg_min", "sumif", "avgif",
      "minif", "maxif", "dcountif", "make_set_if", "make_list_if", "make_bag", "percentile", "stdev", "variance");

  /** The conditional forms: the last argument is a predicate, the rest go to the base aggregate. */
  private static final java.util.Map<String, String> CONDITIONAL = java.util.Map.of("sumif", "sum", "avgif", "avg",
      "minif", "min", "maxif", "max", "dcountif", "dcount", "make_set_if", "make_set", "make_list_if", "make_list");

  /**
   * An expression over aggregates, such as {@code max(T) - min(T)} or {@code tostring(make_set(x))}: each
   * aggregate call becomes a hidden accumulator, and the rest is evaluated over their results per group.
   */
  private static Plans.AggregateSpec expression(Planner planner, Ast.Assignment a, Scope scope,
      Set<String> keyNames) {
    List<Ast.Call> calls = new ArrayList<>();
    Ast.Expr rewritten = rewrite(a.expr(), calls);
    if (calls.isEmpty()) {
      throw new KqlException(KqlException.Kind.UNSUPPORTED,
          "'summarize' operator: expected an aggregate function such as count() at position " + a.expr().pos());
    }
    List<Plans.AggregateSpec> parts = new ArrayList<>();
    List<Column> partColumns = new ArrayList<>();
    for (int k = 0; k < calls.size(); k++) {
      Plans.AggregateSpec part = compile(planner, new Ast.Assignment("__agg" + k, calls.get(k)), scope, keyNames);
      if (part.outputs().size() != 1) {
        throw new KqlException(KqlException.Kind.UNSUPPORTED,
            "'summarize' operator: " + calls.get(k).name() + "() cannot be used inside an expression");
      }
      parts.add(part);
      partColumns.add(new Column("__agg" + k, part.outputs().get(0).type()));
    }
    Scalar value = planner.compile(rewritten, scope.withColumns(List.copyOf(partColumns)));
    List<Column> outs = List.of(new Column(a.name() != null ? a.name() : "Column1", value.type()));
    return new Plans.AggregateSpec() {
      @Override
      public List<Column> outputs() {
        return outs;
      }

      @Override
      public Plans.Accumulator newAccumulator() {
        List<Plans.Accumulator> accs = new ArrayList<>();
        parts.forEach(p -> accs.add(p.newAccumulator()));
        return new Plans.Accumulator() {
          private Exec exec;

          @Override
          public void add(RowCtx c) {
            exec = c.exec;
            accs.forEach(acc -> acc.add(c));
          }

          @Override
          public void result(Object[] out, int offset) {
            Object[] partial = new Object[accs.size()];
            for (int k = 0; k < partial.length; k++) {
              accs.get(k).result(partial, k);
              partial[k] = Values.coerce(partial[k], partColumns.get(k).type());
            }
            RowCtx c = new RowCtx(exec);
            c.row = Row.of(partial);
            out[offset] = value.eval(c);
          }
        };
      }
    };
  }

  /** Replaces aggregate calls by names {@code __aggN}, collecting the calls in order. */
  private static Ast.Expr rewrite(Ast.Expr e, List<Ast.Call> calls) {
    if (e instanceof Ast.Call c) {
      if (AGGREGATES.contains(c.name())) {
        calls.add(c);
        return new Ast.Name("__agg" + (calls.size() - 1), c.pos());
      }
      List<Ast.Expr> args = new ArrayList<>();
      c.args().forEach(x -> args.add(rewrite(x, calls)));
      return new Ast.Call(c.name(), args, c.pos());
    }
    if (e instanceof Ast.Binary b) {
      return new Ast.Binary(b.op(), rewrite(b.left(), calls), rewrite(b.right(), calls), b.pos());
    }
    if (e instanceof Ast.Unary u) {
      return new Ast.Unary(u.op(), rewrite(u.operand(), calls), u.pos());
    }
    if (e instanceof Ast.Member m) {
      return new Ast.Member(rewrite(m.target(), calls), m.name(), m.pos());
    }
    if (e instanceof Ast.Index ix) {
      return new Ast.Index(rewrite(ix.target(), calls), rewrite(ix.index(), calls), ix.pos());
    }
    if (e instanceof Ast.Between b) {
      return new Ast.Between(rewrite(b.value(), calls), rewrite(b.low(), calls), rewrite(b.high(), calls),
          b.negated(), b.pos());
    }
    return e;
  }

  private static Plans.AggregateSpec conditional(Planner planner, Ast.Call call, String given, Scope scope,
      Set<String> keyNames) {
    if (call.args().size() < 2) {
      throw new KqlException(KqlException.Kind.SYNTAX, "'" + call.name() + "' expects an expression and a predicate"
          + " (position " + call.pos() + ")");
    }
    String base = CONDITIONAL.get(call.name());
    List<Ast.Expr> args = call.args().subList(0, call.args().size() - 1);
    Scalar predicate = planner.compile(call.args().get(call.args().size() - 1), scope);
    Plans.AggregateSpec inner = compile(planner, new Ast.Assignment(given, new Ast.Call(base, args, call.pos())),
        scope, keyNames);
    List<Column> outs;
    if (given != null) {
      outs = inner.outputs();
    } else {
      String prefix = base.startsWith("make_") ? (base.equals("make_set") ? "set_" : "list_") : call.name() + "_";
      outs = List.of(new Column(prefix + argName(args.get(0)), inner.outputs().get(0).type()));
    }
    return new Plans.AggregateSpec() {
      @Override
      public List<Column> outputs() {
        return outs;
      }

      @Override
      public Plans.Accumulator newAccumulator() {
        Plans.Accumulator acc = inner.newAccumulator();
        return new Plans.Accumulator() {
          @Override
          public void add(RowCtx c) {
            if (Boolean.TRUE.equals(predicate.eval(c))) {
              acc.add(c);
            }
          }

          @Override
          public void result(Object[] out, int offset) {
            acc.result(out, offset);
          }
        };
      }
    };
  }

  private static String argName(Ast.Expr e) {
    String n = Planner.inferName(e);
    if (n != null) {
      return n;
    }
    if (e instanceof Ast.Call c) {
      return c.name();
    }
    return "expr";
  }

  private static void need(Ast.Call call, int min, int max) {
    if (call.args().size() < min || call.args().size() > max) {
      throw new KqlException(KqlException.Kind.SYNTAX, "Aggregate '" + call.name() + "' does not accept "
          + call.args().size() + " argument(s) (position " + call.pos() + ")");
    }
  }

  private static Plans.AggregateSpec single(String given, String defaultName, KqlType type,
      Supplier<Plans.Accumulator> factory) {
    List<Column> outs = List.of(new Column(given != null ? given : defaultName, type));
    return new Plans.AggregateSpec() {
      @Override
      public List<Column> outputs() {
        return outs;
      }

      @Override
      public Plans.Accumulator newAccumulator() {
        return factory.get();
      }
    };
  }

  /** arg_max(expr, *) or arg_max(expr, c1, c2...): the values of the row where expr is largest. */
  private static Plans.AggregateSpec argExtreme(Planner planner, Ast.Call call, String given, Scope scope,
      Set<String> keyNames, boolean max) {
    if (call.args().size() < 2) {
      throw new KqlException(KqlException.Kind.SYNTAX, "'" + call.name()
          + "' expects an expression and the columns to return (position " + call.pos() + ")");
    }
    Ast.Expr target = call.args().get(0);
    Scalar key = planner.compile(target, scope);
    String keyName = given != null ? given : Planner.inferName(target);
    if (keyName == null) {
      keyName = (max ? "max_" : "min_") + argName(target);
    }
    List<Column> outs = new ArrayList<>();
    List<Scalar> values = new ArrayList<>();
    outs.add(new Column(keyName, key.type()));
    Set<String> names = new HashSet<>();
    names.add(keyName);
    for (Ast.Expr e : call.args().subList(1, call.args().size())) {
      if (e instanceof Ast.Star) {
        for (int k = 0; k < scope.columns().size(); k++) {
          Column c = scope.columns().get(k);
          if (keyNames.contains(c.name()) || names.contains(c.name())) {
            continue; // by-columns and the maximised column are already in the output
          }
          names.add(c.name());
          outs.add(c);
          values.add(Planner.columnRef(k, c.type()));
        }
      } else {
        Scalar s = planner.compile(e, scope);
        String n = Planner.inferName(e);
        n = Planner.unique(n != null ? n : "Column" + outs.size(), names);
        names.add(n);
        outs.add(new Column(n, s.type()));
        values.add(s);
      }
    }
    List<Column> outputs = List.copyOf(outs);
    return new Plans.AggregateSpec() {
      @Override
      public List<Column> outputs() {
        return outputs;
      }

      @Override
      public Plans.Accumulator newAccumulator() {
        return new ArgExtreme(key, values, max);
      }
    };
  }

  private static final class Counter implements Plans.Accumulator {
    private final Scalar predicate;
    private long n;

    Counter(Scalar predicate) {
      this.predicate = predicate;
    }

    @Override
    public void add(RowCtx c) {
      if (predicate == null || Boolean.TRUE.equals(predicate.eval(c))) {
        n++;
      }
    }

    @Override
    public void result(Object[] out, int offset) {
      out[offset] = n;
    }
  }

  private static final class Sum implements Plans.Accumulator {
    private final Scalar x;
    private Object total;

    Sum(Scalar x) {
      this.x = x;
    }

    @Override
    public void add(RowCtx c) {
      Object v = x.eval(c);
      if (v == null || !(v instanceof Number || v instanceof Duration)) {
        return;
      }
      total = total == null ? (v instanceof Integer i ? (Object) (long) i : v) : Arith.apply("+", total, v);
    }

    @Override
    public void result(Object[] out, int offset) {
      out[offset] = total;
    }
  }

  private static final class Avg implements Plans.Accumulator {
    private final Scalar x;
    private double sum;
    private long n;

    Avg(Scalar x) {
      this.x = x;
    }

    @Override
    public void add(RowCtx c) {
      Double v = Values.toReal(x.eval(c) instanceof BigDecimal b ? b.doubleValue() : x.eval(c));
      if (v != null) {
        sum += v;
        n++;
      }
    }

    @Override
    public void result(Object[] out, int offset) {
      out[offset] = n == 0 ? null : sum / n;
    }
  }

  private static final class Extreme implements Plans.Accumulator {
    private final Scalar x;
    private final boolean max;
    private Object best;

    Extreme(Scalar x, boolean max) {
      this.x = x;
      this.max = max;
    }

    @Override
    public void add(RowCtx c) {
      Object v = x.eval(c);
      if (v == null) {
        return;
      }
      if (best == null || (max ? Values.compare(v, best) > 0 : Values.compare(v, best) < 0)) {
        best = v;
      }
    }

    @Override
    public void result(Object[] out, int offset) {
      out[offset] = best;
    }
  }

  private static final class AnyValue implements Plans.Accumulator {
    private final Scalar x;
    private boolean seen;
    private Object value;

    AnyValue(Scalar x) {
      this.x = x;
    }

    @Override
    public void add(RowCtx c) {
      if (!seen || value == null) {
        value = x.eval(c);
        seen = true;
      }
    }

    @Override
    public void result(Object[] out, int offset) {
      out[offset] = value;
    }
  }

  /** make_set, make_list and (counting) dcount; nulls are skipped as Kusto does. */
  private static final class Collect implements Plans.Accumulator {
    private final Scalar x;
    private final boolean distinct;
    private final boolean countOnly;
    private final List<Object> list = new ArrayList<>();
    private final Set<Object> seen = new LinkedHashSet<>();

    Collect(Scalar x, boolean distinct, boolean countOnly) {
      this.x = x;
      this.distinct = distinct;
      this.countOnly = countOnly;
    }

    @Override
    public void add(RowCtx c) {
      Object v = x.eval(c);
      if (v == null) {
        return;
      }
      if (distinct) {
        seen.add(countOnly ? v : Values.toDynamic(v));
      } else {
        list.add(Values.toDynamic(v));
      }
    }

    @Override
    public void result(Object[] out, int offset) {
      if (countOnly) {
        out[offset] = (long) seen.size();
      } else {
        out[offset] = distinct ? new ArrayList<>(seen) : new ArrayList<>(list);
      }
    }
  }

  /** make_bag: merges property bags; a later value for a key does not replace the first. */
  private static final class BagMerge implements Plans.Accumulator {
    private final Scalar x;
    private final java.util.Map<String, Object> bag = new java.util.LinkedHashMap<>();

    BagMerge(Scalar x) {
      this.x = x;
    }

    @Override
    public void add(RowCtx c) {
      if (x.eval(c) instanceof java.util.Map<?, ?> m) {
        m.forEach((k, v) -> bag.putIfAbsent(String.valueOf(k), Values.toDynamic(v)));
      }
    }

    @Override
    public void result(Object[] out, int offset) {
      out[offset] = new java.util.LinkedHashMap<>(bag);
    }
  }

  /** Exact percentile by nearest rank (Kusto estimates; exact is within its error). */
  private static final class Percentile implements Plans.Accumulator {
    private final Scalar x;
    private final double pct;
    private final List<Object> values = new ArrayList<>();

    Percentile(Scalar x, double pct) {
      this.x = x;
      this.pct = pct;
    }

    @Override
    public void add(RowCtx c) {
      Object v = x.eval(c);
      if (v != null) {
        values.add(v);
      }
    }

    @Override
    public void result(Object[] out, int offset) {
      if (values.isEmpty()) {
        out[offset] = null;
        return;
      }
      values.sort(Values::compare);
      int rank = (int) Math.ceil(pct / 100.0 * values.size());
      out[offset] = values.get(Math.min(values.size() - 1, Math.max(0, rank - 1)));
    }
  }

  /** Sample standard deviation or variance (n - 1), as Kusto's stdev() and variance(). */
  private static final class Spread implements Plans.Accumulator {
    private final Scalar x;
    private final boolean stdev;
    private long n;
    private double mean;
    private double m2;

    Spread(Scalar x, boolean stdev) {
      this.x = x;
      this.stdev = stdev;
    }

    @Override
    public void add(RowCtx c) {
      Double v = Values.toReal(x.eval(c));
      if (v == null) {
        return;
      }
      n++;
      double d = v - mean; // Welford's update, stable for long inputs
      mean += d / n;
      m2 += d * (v - mean);
    }

    @Override
    public void result(Object[] out, int offset) {
      double var = n > 1 ? m2 / (n - 1) : 0.0;
      out[offset] = n == 0 ? null : stdev ? Math.sqrt(var) : var;
    }
  }

  private static final class ArgExtreme implements Plans.Accumulator {
    private final Scalar key;
    private final List<Scalar> values;
    private final boolean max;
    private Object best;
    private Object[] bestValues;

    ArgExtreme(Scalar key, List<Scalar> values, boolean max) {
      this.key = key;
      this.values = values;
      this.max = max;
    }

    @Override
    public void add(RowCtx c) {
      Object k = key.eval(c);
      boolean better;
      if (bestValues == null) {
        better = true;
      } else if (k == null) {
        better = false;
      } else if (best == null) {
        better = true;
      } else {
        int cmp = Values.compare(k, best);
        better = max ? cmp > 0 : cmp < 0;
      }
      if (better) {
        best = k;
        bestValues = new Object[values.size()];
        for (int i = 0; i < bestValues.length; i++) {
          bestValues[i] = values.get(i).eval(c);
        }
      }
    }

    @Override
    public void result(Object[] out, int offset) {
      out[offset] = best;
      if (bestValues != null) {
        System.arraycopy(bestValues, 0, out, offset + 1, bestValues.length);
      }
    }
  }
}
