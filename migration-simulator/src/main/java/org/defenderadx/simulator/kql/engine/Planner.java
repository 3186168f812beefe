package org.defenderadx.simulator.kql.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.defenderadx.simulator.kql.Catalog;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.KqlException;
import org.defenderadx.simulator.kql.KqlType;
import org.defenderadx.simulator.kql.StoredFunction;
import org.defenderadx.simulator.kql.TableSource;
import org.defenderadx.simulator.kql.syntax.Ast;
import org.defenderadx.simulator.kql.syntax.Ast.Expr;
import org.defenderadx.simulator.kql.syntax.Ast.Op;
import org.defenderadx.simulator.kql.syntax.Parser;

/**
 * Binds a parsed query to the catalog and compiles it into a {@link Plan}: resolves names, infers column types,
 * pushes ingestion-time bounds into scans and fuses sorts with the limits that follow them.
 */
public final class Planner {
  private final Catalog catalog;
  private final Set<String> expanding = new HashSet<>();
  private final Functions functions = new Functions(this);

  public Planner(Catalog catalog) {
    this.catalog = catalog;
  }

  public Plan plan(Ast.Query query) {
    return planQuery(query, new Env(null));
  }

  private Plan planQuery(Ast.Query query, Env env) {
    bindLets(query, env);
    return tabular(query.body(), env);
  }

  private void bindLets(Ast.Query query, Env env) {
    for (Ast.Let let : query.lets()) {
      if (let.value() instanceof Ast.Lambda lambda) {
        env.bind(let.name(), new FunctionValue(let.name(), lambda, env));
      } else if (isTabular(let.value(), env)) {
        env.bind(let.name(), tabular(let.value(), env));
      } else {
        Scalar value = compile(let.value(), new Scope(List.of(), env, "let"));
        // constants are computed once; inside a function body a let may depend on row-valued arguments
        env.bind(let.name(), value.rowIndependent() ? Scalar.memo(value) : value);
      }
    }
  }

  /** A let-bound user function with the scope it was defined in. */
  record FunctionValue(String name, Ast.Lambda lambda, Env definedIn) {
  }

  private boolean returnsTable(FunctionValue f) {
    Env env = new Env(f.definedIn());
    for (Ast.Param p : f.lambda().params()) {
      env.bind(p.name(), p.type() == null ? new Plans.Constant(List.of(), exec -> List.of())
          : Scalar.constant(p.type(), null));
    }
    try {
      bindLets(f.lambda().body(), env);
      return isTabular(f.lambda().body().body(), env);
    } catch (KqlException e) {
      return false;
    }
  }

  /** Binds the arguments of a call to a user function; scalar arguments may depend on the caller's row. */
  private Env bindArguments(FunctionValue f, Ast.Call call, Scope caller) {
    List<Ast.Param> params = f.lambda().params();
    if (call.args().size() > params.size()) {
      throw new KqlException(KqlException.Kind.SYNTAX, "Function '" + f.name() + "' expects " + params.size()
          + " argument(s) but got " + call.args().size() + " (position " + call.pos() + ")");
    }
    Env env = new Env(f.definedIn());
    for (int k = 0; k < params.size(); k++) {
      Ast.Param p = params.get(k);
      Expr arg = k < call.args().size() ? call.args().get(k) : p.defaultValue();
      if (arg == null) {
        throw new KqlException(KqlException.Kind.SYNTAX, "Function '" + f.name() + "' is missing argument '"
            + p.name() + "' (position " + call.pos() + ")");
      }
      if (p.type() == null) {
        env.bind(p.name(), tabular(arg, caller.env()));
      } else {
        Scalar value = compile(arg, k < call.args().size() ? caller : new Scope(List.of(), f.definedIn(), "let"));
        KqlType t = p.type();
        env.bind(p.name(), value.type() == t ? value
            : Scalar.of(t, value.rowIndependent(), c -> Values.coerce(value.eval(c), t)));
      }
    }
    return env;
  }

  private Scalar invokeScalar(FunctionValue f, Ast.Call call, Scope caller) {
    Env env = bindArguments(f, call, caller);
    bindLets(f.lambda().body(), env);
    return compile(f.lambda().body().body(), new Scope(List.of(), env, caller.operator()));
  }

  private Plan invoke(Plan input, Ast.Invoke inv, Env env) {
    String name = inv.call().name();
    if (!(env.lookup(name) instanceof FunctionValue f)) {
      throw new KqlException(KqlException.Kind.UNKNOWN_FUNCTION, "'invoke' operator: Unknown function: '" + name + "'");
    }
    if (f.lambda().params().isEmpty() || f.lambda().params().get(0).type() != null) {
      throw new KqlException(KqlException.Kind.TYPE_MISMATCH,
          "'invoke' operator: function '" + name + "' must take a table as its first parameter");
    }
    // Bind the piped input under a name no query can spell, and pass it as the first argument.
    Env withInput = new Env(env);
    withInput.bind("\u0000invoke", input);
    List<Expr> args = new ArrayList<>();
    args.add(new Ast.Name("\u0000invoke", inv.pos()));
    args.addAll(inv.call().args());
    return invokeTabular(f, new Ast.Call(name, args, inv.pos()), withInput);
  }

  private Plan invokeTabular(FunctionValue f, Ast.Call call, Env callerEnv) {
    if (!expanding.add("let:" + f.name())) {
      throw new KqlException(KqlException.Kind.UNSUPPORTED, "Function '" + f.name() + "' calls itself");
    }
    try {
      return planQuery(f.lambda().body(), bindArguments(f, call, new Scope(List.of(), callerEnv, "invoke")));
    } finally {
      expanding.remove("let:" + f.name());
    }
  }

  // ---- tabular expressions ----

  boolean isTabular(Expr e, Env env) {
    if (e instanceof Ast.Pipe || e instanceof Ast.Print || e instanceof Ast.Datatable || e instanceof Ast.Union
        || e instanceof Ast.Range) {
      return true;
    }
    if (e instanceof Ast.Name n) {
      Object b = env.lookup(n.name());
      if (b != null) {
        return b instanceof Plan || b instanceof FunctionValue f && returnsTable(f);
      }
      return catalog.table(n.name()).isPresent() || catalog.function(n.name()).isPresent();
    }
    if (e instanceof Ast.Call c) {
      if (env.lookup(c.name()) instanceof FunctionValue f) {
        return returnsTable(f);
      }
      if (c.name().equals("materialize") && c.args().size() == 1) {
        return true;
      }
      return c.args().isEmpty() && !Functions.isBuiltin(c.name()) && catalog.function(c.name()).isPresent();
    }
    return false;
  }

  Plan tabular(Expr e, Env env) {
    if (e instanceof Ast.Pipe p) {
      return applyOps(tabular(p.source(), env), p.ops(), env);
    }
    if (e instanceof Ast.Name n) {
      return named(n.name(), env);
    }
    if (e instanceof Ast.Call c && env.lookup(c.name()) instanceof FunctionValue f) {
      return invokeTabular(f, c, env);
    }
    if (e instanceof Ast.Call c && c.name().equals("materialize") && c.args().size() == 1) {
      return tabular(c.args().get(0), env);
    }
    if (e instanceof Ast.Call c && c.args().isEmpty() && !Functions.isBuiltin(c.name())) {
      Optional<StoredFunction> f = catalog.function(c.name());
      if (f.isPresent()) {
        return storedFunction(f.get());
      }
      throw new KqlException(KqlException.Kind.UNKNOWN_FUNCTION, "Unknown function: '" + c.name() + "'");
    }
    if (e instanceof Ast.Print p) {
      return print(p, env);
    }
    if (e instanceof Ast.Datatable d) {
      return datatable(d, env);
    }
    if (e instanceof Ast.Union u) {
      List<Plan> inputs = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (Expr t : u.tables()) {
        inputs.add(tabular(t, env));
        names.add(sourceName(t, names.size()));
      }
      return union(inputs, names, u.withSource());
    }
    if (e instanceof Ast.Range r) {
      Scope s = new Scope(List.of(), env, "range");
      return new Plans.Range(r.column(), compile(r.from(), s), compile(r.to(), s), compile(r.step(), s));
    }
    throw new KqlException(KqlException.Kind.SYNTAX,
        "A tabular expression is expected at position " + e.pos());
  }

  private Plan named(String name, Env env) {
    Object b = env.lookup(name);
    if (b instanceof Plan p) {
      return p;
    }
    if (b instanceof FunctionValue f) {
      return invokeTabular(f, new Ast.Call(name, List.of(), 0), env);
    }
    if (b instanceof Scalar) {
      throw new KqlException(KqlException.Kind.TYPE_MISMATCH,
          "'" + name + "' is a scalar value where a tabular expression is expected");
    }
    Optional<TableSource> t = catalog.table(name);
    if (t.isPresent()) {
      return new Plans.TableScan(t.get(), List.of());
    }
    Optional<StoredFunction> f = catalog.function(name);
    if (f.isPresent()) {
      return storedFunction(f.get());
    }
    throw new KqlException(KqlException.Kind.UNKNOWN_TABLE,
        "Failed to resolve table or column expression named '" + name + "'");
  }

  private Plan storedFunction(StoredFunction f) {
    if (!expanding.add(f.name())) {
      throw new KqlException(KqlException.Kind.UNSUPPORTED, "Function '" + f.name() + "' calls itself");
    }
    try {
      return planQuery(Parser.parse(f.body()), new Env(null)); // a stored function sees only the database
    } finally {
      expanding.remove(f.name());
    }
  }

  private static String sourceName(Expr e, int index) {
    if (e instanceof Ast.Name n) {
      return n.name();
    }
    if (e instanceof Ast.Call c && c.args().isEmpty()) {
      return c.name();
    }
    return "union_arg" + index;
  }

  private Plan print(Ast.Print p, Env env) {
    Scope s = new Scope(List.of(), env, "print");
    List<Column> cols = new ArrayList<>();
    List<Scalar> exprs = new ArrayList<>();
    Set<String> taken = new HashSet<>();
    for (int k = 0; k < p.columns().size(); k++) {
      Ast.Assignment a = p.columns().get(k);
      Scalar sc = compile(a.expr(), s);
      String name = a.name() != null ? a.name() : unique(Optional.ofNullable(inferName(a.expr()))
          .orElse("print_" + k), taken);
      taken.add(name);
      cols.add(new Column(name, sc.type()));
      exprs.add(sc);
    }
    return new Plans.Constant(List.copyOf(cols), exec -> {
      RowCtx c = exec.constantContext();
      Object[] row = new Object[exprs.size()];
      for (int k = 0; k < row.length; k++) {
        row[k] = Values.coerce(exprs.get(k).eval(c), cols.get(k).type());
      }
      return List.<Object[]>of(row);
    });
  }

  private Plan datatable(Ast.Datatable d, Env env) {
    List<Column> cols = new ArrayList<>();
    for (Ast.ColumnDecl c : d.columns()) {
      cols.add(new Column(c.name(), c.type()));
    }
    int width = cols.size();
    if (d.values().size() % width != 0) {
      throw new KqlException(KqlException.Kind.SYNTAX, "Datatable has " + d.values().size()
          + " values, not a multiple of its " + width + " columns (position " + d.pos() + ")");
    }
    Scope s = new Scope(List.of(), env, "datatable");
    List<Scalar> values = new ArrayList<>();
    for (Expr v : d.values()) {
      values.add(compile(v, s));
    }
    return new Plans.Constant(List.copyOf(cols), exec -> {
      RowCtx c = exec.constantContext();
      List<Object[]> rows = new ArrayList<>();
      for (int r = 0; r < values.size() / width; r++) {
        Object[] row = new Object[width];
        for (int k = 0; k < width; k++) {
          row[k] = Values.coerce(values.get(r * width + k).eval(c), cols.get(k).type());
        }
        rows.add(row);
      }
      return rows;
    });
  }

  private Plan union(List<Plan> inputs, List<String> names, String withSource) {
    Map<String, Column> merged = new LinkedHashMap<>();
    if (withSource != null) {
      merged.put(withSource, new Column(withSource, KqlType.STRING));
    }
    for (Plan p : inputs) {
      for (Column c : p.columns()) {
        merged.putIfAbsent(c.name(), c);
      }
    }
    List<Column> cols = List.copyOf(merged.values());
    List<String> order = new ArrayList<>(merged.keySet());
    int[][] maps = new int[inputs.size()][];
    for (int i = 0; i < inputs.size(); i++) {
      List<Column> in = inputs.get(i).columns();
      maps[i] = new int[in.size()];
      for (int k = 0; k < in.size(); k++) {
        maps[i][k] = order.indexOf(in.get(k).name());
      }
    }
    return new Plans.Union(inputs, names, cols, maps, withSource != null);
  }

  // ---- operators ----

  private Plan applyOps(Plan plan, List<Op> ops, Env env) {
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if (op instanceof Ast.Where w) {
        plan = where(plan, w, env);
      } else if (op instanceof Ast.Extend x) {
        plan = extend(plan, x.columns(), env, "extend");
      } else if (op instanceof Ast.Serialize x) {
        plan = x.columns().isEmpty() ? plan : extend(plan, x.columns(), env, "serialize");
      } else if (op instanceof Ast.Project p) {
        plan = project(plan, p.columns(), env);
      } else if (op instanceof Ast.ProjectAway p) {
        plan = keep(plan, p.patterns(), false, "project-away");
      } else if (op instanceof Ast.ProjectKeep p) {
        plan = keep(plan, p.patterns(), true, "project-keep");
      } else if (op instanceof Ast.ProjectRename r) {
        plan = rename(plan, r.renames());
      } else if (op instanceof Ast.Sort s) {
        Plans.Sort sort = sort(plan, s.keys(), env, "order");
        if (i + 1 < ops.size() && ops.get(i + 1) instanceof Ast.Take t) {
          plan = sort.withLimit(constant(t.count(), env, "take"));
          i++;
        } else {
          RowNumberWindow w = rowNumberWindow(ops, i + 1, env);
          if (w != null && indexOf(sort.columns(), w.column()) < 0) {
            plan = sort.withWindow(w.upper(), w.skip(), w.column()); // numbers the rows itself
            i++;
          } else {
            plan = sort;
          }
        }
      } else if (op instanceof Ast.Top t) {
        plan = sort(plan, t.keys(), env, "top").withLimit(constant(t.count(), env, "top"));
      } else if (op instanceof Ast.Take t) {
        plan = new Plans.Take(plan, constant(t.count(), env, "take"));
      } else if (op instanceof Ast.Count) {
        plan = new Plans.Count(plan);
      } else if (op instanceof Ast.Summarize s) {
        plan = summarize(plan, s, env);
      } else if (op instanceof Ast.Distinct d) {
        plan = distinct(plan, d, env);
      } else if (op instanceof Ast.GetSchema) {
        plan = getschema(plan);
      } else if (op instanceof Ast.UnionWith u) {
        List<Plan> inputs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        inputs.add(plan);
        names.add("union_arg0");
        for (Expr t : u.tables()) {
          inputs.add(tabular(t, env));
          names.add(sourceName(t, names.size()));
        }
        plan = union(inputs, names, u.withSource());
      } else if (op instanceof Ast.AsOp) {
        continue;
      } else if (op instanceof Ast.Join j) {
        plan = join(plan, j, env);
      } else if (op instanceof Ast.MvExpand m) {
        plan = mvExpand(plan, m, env);
      } else if (op instanceof Ast.Invoke inv) {
        plan = invoke(plan, inv, env);
      } else if (op instanceof Ast.ProjectReorder r) {
        plan = reorder(plan, r.patterns());
      } else {
        throw new KqlException(KqlException.Kind.UNSUPPORTED, "Unsupported operator at position " + op.pos());
      }
    }
    return plan;
  }

  private Scalar constant(Expr e, Env env, String operator) {
    Scalar s = compile(e, new Scope(List.of(), env, operator));
    if (!s.rowIndependent()) {
      throw new KqlException(KqlException.Kind.TYPE_MISMATCH,
          "'" + operator + "' operator: expected a constant at position " + e.pos());
    }
    return s;
  }

  private Plan where(Plan in, Ast.Where w, Env env) {
    Scalar predicate = compile(w.predicate(), new Scope(in.columns(), env, "where"));
    List<Plans.TimeBound> bounds = new ArrayList<>();
    collectIngestionBounds(w.predicate(), env, bounds);
    boolean numbers = numbersRows(w.predicate());
    if (!bounds.isEmpty() && !numbers) {
      Plan pushed = withScanBounds(in, bounds);
      in = pushed != null ? pushed : in;
    }
    return new Plans.Filter(in, predicate, numbers);
  }

  /**
   * Rebuilds a chain of row-preserving operators over a table scan with the scan limited to the bounds. Valid
   * because those operators neither drop nor reorder rows by ingestion time, and the filter above still applies;
   * an operator that numbers rows stops the push, since fewer input rows would renumber them.
   */
  private static Plan withScanBounds(Plan p, List<Plans.TimeBound> bounds) {
    if (p instanceof Plans.TableScan scan) {
      if (!scan.bounds.isEmpty()) {
        return null;
      }
      return new Plans.TableScan(scan.source, bounds);
    }
    if (p instanceof Plans.Filter f && !f.numbersRows) {
      Plan in = withScanBounds(f.in, bounds);
      return in == null ? null : new Plans.Filter(in, f.predicate, false);
    }
    if (p instanceof Plans.Extend x && !x.numbersRows) {
      Plan in = withScanBounds(x.in, bounds);
      return in == null ? null : x.withInput(in);
    }
    if (p instanceof Plans.Project x && !x.numbersRows) {
      Plan in = withScanBounds(x.in, bounds);
      return in == null ? null : x.withInput(in);
    }
    return null;
  }

  /** True when the expression calls row_number() anywhere. */
  static boolean numbersRows(Expr e) {
    if (e instanceof Ast.Call c) {
      return c.name().equals("row_number") || c.args().stream().anyMatch(Planner::numbersRows);
    }
    if (e instanceof Ast.Binary b) {
      return numbersRows(b.left()) || numbersRows(b.right());
    }
    if (e instanceof Ast.Unary u) {
      return numbersRows(u.operand());
    }
    if (e instanceof Ast.Member m) {
      return numbersRows(m.target());
    }
    if (e instanceof Ast.Index ix) {
      return numbersRows(ix.target()) || numbersRows(ix.index());
    }
    if (e instanceof Ast.In in) {
      return numbersRows(in.value()) || in.items().stream().anyMatch(Planner::numbersRows);
    }
    if (e instanceof Ast.Between b) {
      return numbersRows(b.value()) || numbersRows(b.low()) || numbersRows(b.high());
    }
    return false;
  }

  /** Finds {@code ingestion_time() <op> constant} terms of a conjunction; they become the scan's hint. */
  private void collectIngestionBounds(Expr e, Env env, List<Plans.TimeBound> out) {
    if (e instanceof Ast.Binary b && b.op().equals("and")) {
      collectIngestionBounds(b.left(), env, out);
      collectIngestionBounds(b.right(), env, out);
    } else if (e instanceof Ast.Binary b && Set.of(">=", ">", "<", "<=", "==").contains(b.op())) {
      if (isIngestionTime(b.left())) {
        addBound(b.op(), b.right(), env, out);
      } else if (isIngestionTime(b.right())) {
        addBound(flip(b.op()), b.left(), env, out);
      }
    } else if (e instanceof Ast.Between b && !b.negated() && isIngestionTime(b.value())) {
      addBound(">=", b.low(), env, out);
      addBound("<=", b.high(), env, out);
    }
  }

  private void addBound(String op, Expr value, Env env, List<Plans.TimeBound> out) {
    Scalar s = tryConstant(value, env);
    if (s == null || s.type() != KqlType.DATETIME) {
      return;
    }
    if (op.equals("==")) {
      out.add(new Plans.TimeBound(">=", s));
      out.add(new Plans.TimeBound("<=", s));
    } else {
      out.add(new Plans.TimeBound(op, s));
    }
  }

  private Scalar tryConstant(Expr e, Env env) {
    try {
      Scalar s = compile(e, new Scope(List.of(), env, "where"));
      return s.rowIndependent() ? s : null;
    } catch (KqlException ex) {
      return null;
    }
  }

  private static String flip(String op) {
    switch (op) {
      case ">": return "<";
      case ">=": return "<=";
      case "<": return ">";
      case "<=": return ">=";
      default: return op;
    }
  }

  private static boolean isIngestionTime(Expr e) {
    return e instanceof Ast.Call c && c.name().equals("ingestion_time") && c.args().isEmpty();
  }

  /** A row_number() window after a sort: keep ranks skip+1 .. upper, numbered into {@code column}. */
  private record RowNumberWindow(String column, Scalar upper, Scalar skip) {
  }

  /**
   * Recognises {@code | serialize rn = row_number() | where rn between (a .. b)} (or {@code extend}, or
   * {@code rn <= b}, {@code rn >= a and rn < b}) right after a sort: only ranks a..b can pass the filter, so the
   * sort returns just those, already numbered. The filter itself still runs.
   */
  private RowNumberWindow rowNumberWindow(List<Op> ops, int at, Env env) {
    if (at + 1 >= ops.size()) {
      return null;
    }
    List<Ast.Assignment> cols;
    if (ops.get(at) instanceof Ast.Serialize s) {
      cols = s.columns();
    } else if (ops.get(at) instanceof Ast.Extend x) {
      cols = x.columns();
    } else {
      return null;
    }
    if (cols.size() != 1 || cols.get(0).name() == null || !(cols.get(0).expr() instanceof Ast.Call c)
        || !c.name().equals("row_number") || !c.args().isEmpty()) {
      return null;
    }
    if (!(ops.get(at + 1) instanceof Ast.Where w)) {
      return null;
    }
    String rn = cols.get(0).name();
    Scalar upper = bound(w.predicate(), rn, env, true);
    return upper == null ? null : new RowNumberWindow(rn, upper, bound(w.predicate(), rn, env, false));
  }

  /**
   * From a conjunction, a constant upper bound on rn ({@code upper}), or the number of leading ranks it
   * excludes (lower bound minus one); null when there is none.
   */
  private Scalar bound(Expr e, String rn, Env env, boolean upper) {
    if (e instanceof Ast.Binary b && b.op().equals("and")) {
      Scalar l = bound(b.left(), rn, env, upper);
      return l != null ? l : bound(b.right(), rn, env, upper);
    }
    if (e instanceof Ast.Between b && !b.negated() && isName(b.value(), rn)) {
      Scalar v = tryConstant(upper ? b.high() : b.low(), env);
      return v == null ? null : upper ? v : shifted(v, -1);
    }
    if (e instanceof Ast.Binary b && isName(b.left(), rn)) {
      Scalar v = tryConstant(b.right(), env);
      if (v == null) {
        return null;
      }
      switch (b.op()) {
        case "==":
          return upper ? v : shifted(v, -1);
        case "<=":
          return upper ? v : null;
        case "<":
          return upper ? shifted(v, -1) : null;
        case ">=":
          return upper ? null : shifted(v, -1);
        case ">":
          return upper ? null : v;
        default:
          return null;
      }
    }
    return null;
  }

  private static Scalar shifted(Scalar v, long delta) {
    return Scalar.of(KqlType.LONG, true, c -> {
      Long n = Values.toLong(v.eval(c));
      return n == null ? null : n + delta;
    });
  }

  private static boolean isName(Expr e, String name) {
    return e instanceof Ast.Name n && n.name().equals(name);
  }

  /**
   * extend (and serialize with assignments): each new value gets a slot at the end of a working row, so later
   * expressions see earlier ones; a name that already exists is removed from its place and appended, as Kusto
   * documents.
   */
  private Plan extend(Plan in, List<Ast.Assignment> assignments, Env env, String operator) {
    List<Column> work = new ArrayList<>(in.columns());
    List<Boolean> hidden = new ArrayList<>();
    work.forEach(c -> hidden.add(false));
    int[] slots = new int[assignments.size()];
    Scalar[] exprs = new Scalar[assignments.size()];
    Set<String> taken = new HashSet<>();
    work.forEach(c -> taken.add(c.name()));
    int auto = 1;
    for (int k = 0; k < assignments.size(); k++) {
      Ast.Assignment a = assignments.get(k);
      Scalar s = compile(a.expr(), new Scope(visible(work, hidden), env, operator));
      String name = a.name();
      if (name == null) {
        name = inferName(a.expr());
        if (name == null) {
          while (taken.contains("Column" + auto)) {
            auto++;
          }
          name = "Column" + auto;
        }
      }
      int old = visible(work, hidden).stream().map(Column::name).toList().indexOf(name);
      if (old >= 0) {
        hidden.set(old, true); // visible() keeps positions, so the index is the working-row slot
      }
      slots[k] = work.size();
      work.add(new Column(name, s.type()));
      hidden.add(false);
      taken.add(name);
      exprs[k] = s;
    }
    List<Column> out = new ArrayList<>();
    List<Integer> outSlots = new ArrayList<>();
    for (int k = 0; k < work.size(); k++) {
      if (!hidden.get(k)) {
        out.add(work.get(k));
        outSlots.add(k);
      }
    }
    return new Plans.Extend(in, List.copyOf(work), List.copyOf(out), outSlots.stream().mapToInt(i -> i).toArray(),
        slots, exprs, assignments.stream().anyMatch(a -> numbersRows(a.expr())));
  }

  /** The working columns with replaced ones renamed out of reach (same positions, so indexes stay slots). */
  private static List<Column> visible(List<Column> work, List<Boolean> hidden) {
    List<Column> v = new ArrayList<>(work.size());
    for (int k = 0; k < work.size(); k++) {
      v.add(hidden.get(k) ? new Column("\u0000replaced", work.get(k).type()) : work.get(k));
    }
    return v;
  }

  private Plan project(Plan in, List<Ast.Assignment> assignments, Env env) {
    Scope scope = new Scope(in.columns(), env, "project");
    List<Column> cols = new ArrayList<>();
    List<Scalar> exprs = new ArrayList<>();
    Set<String> taken = new HashSet<>();
    int auto = 1;
    for (Ast.Assignment a : assignments) {
      Scalar s = compile(a.expr(), scope);
      String name = a.name() != null ? a.name() : inferName(a.expr());
      if (name == null) {
        while (taken.contains("Column" + auto)) {
          auto++;
        }
        name = "Column" + auto;
      }
      if (!taken.add(name)) {
        throw new KqlException(KqlException.Kind.SYNTAX,
            "'project' operator: column '" + name + "' is defined more than once");
      }
      cols.add(new Column(name, s.type()));
      exprs.add(s);
    }
    return new Plans.Project(in, List.copyOf(cols), exprs.toArray(new Scalar[0]),
        assignments.stream().anyMatch(a -> numbersRows(a.expr())));
  }

  private Plan keep(Plan in, List<String> patterns, boolean keepMatching, String operator) {
    List<Column> cols = new ArrayList<>();
    List<Scalar> exprs = new ArrayList<>();
    List<Pattern> compiled = new ArrayList<>();
    for (String p : patterns) {
      if (!p.contains("*") && indexOf(in.columns(), p) < 0) {
        throw unknownColumn(operator, p);
      }
      compiled.add(Pattern.compile(Pattern.quote(p).replace("*", "\\E.*\\Q")));
    }
    for (int k = 0; k < in.columns().size(); k++) {
      Column c = in.columns().get(k);
      boolean matches = compiled.stream().anyMatch(p -> p.matcher(c.name()).matches());
      if (matches == keepMatching) {
        cols.add(c);
        exprs.add(columnRef(k, c.type()));
      }
    }
    return new Plans.Project(in, List.copyOf(cols), exprs.toArray(new Scalar[0]), false);
  }

  private Plan join(Plan left, Ast.Join j, Env env) {
    Plan right = tabular(j.right(), env);
    String kind = j.kind().toLowerCase(Locale.ROOT);
    Set<String> kinds = Set.of("innerunique", "inner", "leftouter", "rightouter", "fullouter", "leftanti", "anti",
        "leftantisemi", "rightanti", "rightantisemi", "leftsemi", "rightsemi");
    if (!kinds.contains(kind)) {
      throw new KqlException(KqlException.Kind.UNSUPPORTED, "'join' operator: unknown kind '" + j.kind() + "'");
    }
    int[] lk = new int[j.on().size()];
    int[] rk = new int[j.on().size()];
    for (int k = 0; k < lk.length; k++) {
      lk[k] = indexOf(left.columns(), j.on().get(k)[0]);
      rk[k] = indexOf(right.columns(), j.on().get(k)[1]);
      if (lk[k] < 0) {
        throw unknownColumn("join", j.on().get(k)[0]);
      }
      if (rk[k] < 0) {
        throw unknownColumn("join", j.on().get(k)[1]);
      }
    }
    List<Column> cols;
    if (kind.startsWith("leftanti") || kind.equals("anti") || kind.equals("leftsemi")) {
      cols = left.columns();
    } else if (kind.startsWith("rightanti") || kind.equals("rightsemi")) {
      cols = right.columns();
    } else {
      cols = new ArrayList<>(left.columns());
      Set<String> taken = new HashSet<>();
      left.columns().forEach(c -> taken.add(c.name()));
      for (Column c : right.columns()) {
        String name = unique(c.name(), taken); // Kusto suffixes clashing right-side names: Key1
        taken.add(name);
        cols.add(new Column(name, c.type()));
      }
      cols = List.copyOf(cols);
    }
    return new Plans.Join(left, right, kind, lk, rk, cols);
  }

  private Plan mvExpand(Plan in, Ast.MvExpand m, Env env) {
    Scalar expr = compile(m.expr(), new Scope(in.columns(), env, "mv-expand"));
    String name = m.name() != null ? m.name() : inferName(m.expr());
    if (name == null) {
      name = "Column1";
    }
    KqlType type = m.toType() != null ? m.toType() : KqlType.DYNAMIC;
    List<Column> cols = new ArrayList<>(in.columns());
    int slot = indexOf(cols, name);
    if (slot >= 0) {
      cols.set(slot, new Column(name, type));
    } else {
      slot = cols.size();
      cols.add(new Column(name, type));
    }
    return new Plans.MvExpand(in, List.copyOf(cols), expr, slot);
  }

  private Plan reorder(Plan in, List<String> patterns) {
    List<Integer> order = new ArrayList<>();
    for (String p : patterns) {
      Pattern re = Pattern.compile(Pattern.quote(p).replace("*", "\\E.*\\Q"));
      boolean any = false;
      for (int k = 0; k < in.columns().size(); k++) {
        if (re.matcher(in.columns().get(k).name()).matches() && !order.contains(k)) {
          order.add(k);
          any = true;
        }
      }
      if (!any && !p.contains("*")) {
        throw unknownColumn("project-reorder", p);
      }
    }
    for (int k = 0; k < in.columns().size(); k++) {
      if (!order.contains(k)) {
        order.add(k);
      }
    }
    List<Column> cols = new ArrayList<>();
    Scalar[] exprs = new Scalar[order.size()];
    for (int k = 0; k < exprs.length; k++) {
      Column c = in.columns().get(order.get(k));
      cols.add(c);
      exprs[k] = columnRef(order.get(k), c.type());
    }
    return new Plans.Project(in, List.copyOf(cols), exprs, false);
  }

  private Plan rename(Plan in, List<String[]> renames) {
    List<Column> cols = new ArrayList<>(in.columns());
    for (String[] r : renames) {
      int idx = indexOf(in.columns(), r[1]);
      if (idx < 0) {
        throw unknownColumn("project-rename", r[1]);
      }
      cols.set(idx, new Column(r[0], cols.get(idx).type()));
    }
    Scalar[] exprs = new Scalar[cols.size()];
    for (int k = 0; k < exprs.length; k++) {
      exprs[k] = columnRef(k, cols.get(k).type());
    }
    return new Plans.Project(in, List.copyOf(cols), exprs, false);
  }

  private Plans.Sort sort(Plan in, List<Ast.SortKey> keys, Env env, String operator) {
    Scope scope = new Scope(in.columns(), env, operator);
    List<Plans.SortKey> compiled = new ArrayList<>();
    for (Ast.SortKey k : keys) {
      boolean nullsFirst = k.nullsFirst() != null ? k.nullsFirst() : k.ascending();
      compiled.add(new Plans.SortKey(compile(k.expr(), scope), k.ascending(), nullsFirst));
    }
    return new Plans.Sort(in, compiled, null);
  }

  private Plan summarize(Plan in, Ast.Summarize s, Env env) {
    Scope scope = new Scope(in.columns(), env, "summarize");
    List<Column> cols = new ArrayList<>();
    Set<String> taken = new HashSet<>();
    Scalar[] keys = new Scalar[s.by().size()];
    int auto = 1;
    for (int k = 0; k < keys.length; k++) {
      Ast.Assignment a = s.by().get(k);
      keys[k] = compile(a.expr(), scope);
      String name = a.name() != null ? a.name() : inferName(a.expr());
      if (name == null) {
        name = "Column" + auto++;
      }
      name = unique(name, taken);
      taken.add(name);
      cols.add(new Column(name, keys[k].type()));
    }
    Set<String> keyNames = Set.copyOf(taken);
    List<Plans.AggregateSpec> aggs = new ArrayList<>();
    for (Ast.Assignment a : s.aggregates()) {
      Plans.AggregateSpec spec = Aggregates.compile(this, a, scope, keyNames);
      List<Column> outs = new ArrayList<>();
      for (Column c : spec.outputs()) {
        String name = unique(c.name(), taken);
        taken.add(name);
        outs.add(new Column(name, c.type()));
      }
      cols.addAll(outs);
      aggs.add(spec);
    }
    return new Plans.Summarize(in, List.copyOf(cols), keys, aggs);
  }

  private Plan distinct(Plan in, Ast.Distinct d, Env env) {
    List<Column> cols = new ArrayList<>();
    List<Scalar> exprs = new ArrayList<>();
    if (d.columns().isEmpty()) {
      for (int k = 0; k < in.columns().size(); k++) {
        cols.add(in.columns().get(k));
        exprs.add(columnRef(k, in.columns().get(k).type()));
      }
    } else {
      Scope scope = new Scope(in.columns(), env, "distinct");
      int auto = 1;
      for (Expr e : d.columns()) {
        Scalar s = compile(e, scope);
        String name = inferName(e);
        cols.add(new Column(name != null ? name : "Column" + auto++, s.type()));
        exprs.add(s);
      }
    }
    return new Plans.Distinct(in, List.copyOf(cols), exprs.toArray(new Scalar[0]));
  }

  private Plan getschema(Plan in) {
    List<Column> cols = List.of(new Column("ColumnName", KqlType.STRING), new Column("ColumnOrdinal", KqlType.INT),
        new Column("DataType", KqlType.STRING), new Column("ColumnType", KqlType.STRING));
    List<Column> schema = in.columns();
    return new Plans.Constant(cols, exec -> {
      List<Object[]> rows = new ArrayList<>();
      for (int k = 0; k < schema.size(); k++) {
        Column c = schema.get(k);
        rows.add(new Object[] {c.name(), k, c.type().dotNetName(), c.type().kqlName()});
      }
      return rows;
    });
  }

  // ---- scalar expressions ----

  Scalar compile(Expr e, Scope s) {
    if (e instanceof Ast.Literal l) {
      return Scalar.constant(l.type(), l.value());
    }
    if (e instanceof Ast.RawLiteral r) {
      return rawLiteral(r);
    }
    if (e instanceof Ast.Name n) {
      return name(n, s);
    }
    if (e instanceof Ast.Member m) {
      Scalar target = compile(m.target(), s);
      String key = m.name();
      return Scalar.of(KqlType.DYNAMIC, target.rowIndependent(), c -> member(target.eval(c), key));
    }
    if (e instanceof Ast.Index ix) {
      Scalar target = compile(ix.target(), s);
      Scalar index = compile(ix.index(), s);
      return Scalar.of(KqlType.DYNAMIC, target.rowIndependent() && index.rowIndependent(),
          c -> index(target.eval(c), index.eval(c)));
    }
    if (e instanceof Ast.Unary u) {
      Scalar operand = compile(u.operand(), s);
      if (u.op().equals("+")) {
        return operand;
      }
      return Scalar.of(operand.type(), operand.rowIndependent(), c -> Arith.negate(operand.eval(c)));
    }
    if (e instanceof Ast.Binary b) {
      return binary(b, s);
    }
    if (e instanceof Ast.In in) {
      return in(in, s);
    }
    if (e instanceof Ast.Between b) {
      Scalar v = compile(b.value(), s);
      Scalar lo = compile(b.low(), s);
      Scalar hi = compile(b.high(), s);
      boolean neg = b.negated();
      return Scalar.of(KqlType.BOOL, v.rowIndependent() && lo.rowIndependent() && hi.rowIndependent(), c -> {
        Object x = v.eval(c);
        Object low = lo.eval(c);
        Object high = hi.eval(c);
        if (high instanceof java.time.Duration d && low instanceof java.time.Instant t) {
          high = t.plus(d); // datetime between (start .. duration)
        }
        Boolean ge = Arith.compare(">=", x, low);
        Boolean le = Arith.compare("<=", x, high);
        if (ge == null || le == null) {
          return null;
        }
        return (ge && le) != neg;
      });
    }
    if (e instanceof Ast.Call c) {
      if (s.env().lookup(c.name()) instanceof FunctionValue f) {
        return invokeScalar(f, c, s);
      }
      return functions.compile(c, s);
    }
    if (e instanceof Ast.Star) {
      throw new KqlException(KqlException.Kind.SYNTAX, "'*' is not expected at position " + e.pos());
    }
    throw new KqlException(KqlException.Kind.TYPE_MISMATCH, "'" + s.operator()
        + "' operator: a tabular expression cannot be used as a scalar (position " + e.pos() + ")");
  }

  private Scalar rawLiteral(Ast.RawLiteral r) {
    String text = r.text();
    if (text.length() >= 2 && (text.startsWith("'") && text.endsWith("'")
        || text.startsWith("\"") && text.endsWith("\""))) {
      text = text.substring(1, text.length() - 1);
    }
    boolean isNull = text.equals("null");
    switch (r.constructor()) {
      case "datetime":
      case "date": {
        if (isNull) {
          return Scalar.constant(KqlType.DATETIME, null);
        }
        Object v = Temporal.parse(text);
        if (v == null) {
          throw new KqlException(KqlException.Kind.SYNTAX,
              "Invalid datetime literal '" + r.text() + "' at position " + r.pos());
        }
        return Scalar.constant(KqlType.DATETIME, v);
      }
      case "timespan":
      case "time": {
        if (isNull) {
          return Scalar.constant(KqlType.TIMESPAN, null);
        }
        Object v = Temporal.parseDuration(text);
        if (v == null) {
          throw new KqlException(KqlException.Kind.SYNTAX,
              "Invalid timespan literal '" + r.text() + "' at position " + r.pos());
        }
        return Scalar.constant(KqlType.TIMESPAN, v);
      }
      case "guid":
        try {
          return Scalar.constant(KqlType.GUID, isNull ? null : UUID.fromString(text.trim()));
        } catch (IllegalArgumentException ex) {
          throw new KqlException(KqlException.Kind.SYNTAX,
              "Invalid guid literal '" + r.text() + "' at position " + r.pos());
        }
      case "dynamic":
        return Scalar.constant(KqlType.DYNAMIC, Json.parse(r.text()));
      default:
        throw new IllegalStateException(r.constructor());
    }
  }

  private Scalar name(Ast.Name n, Scope s) {
    int idx = s.indexOf(n.name());
    if (idx >= 0) {
      return columnRef(idx, s.columns().get(idx).type());
    }
    Object b = s.env().lookup(n.name());
    if (b instanceof Scalar sc) {
      return sc;
    }
    if (b instanceof FunctionValue) {
      throw new KqlException(KqlException.Kind.TYPE_MISMATCH, "'" + s.operator() + "' operator: '" + n.name()
          + "' is a function; call it as " + n.name() + "(...)");
    }
    if (b instanceof Plan) {
      throw new KqlException(KqlException.Kind.TYPE_MISMATCH, "'" + s.operator() + "' operator: '" + n.name()
          + "' is a tabular expression; use toscalar() to take a value from it");
    }
    throw unknownColumn(s.operator(), n.name());
  }

  static KqlException unknownColumn(String operator, String name) {
    return new KqlException(KqlException.Kind.UNKNOWN_COLUMN,
        "'" + operator + "' operator: Failed to resolve scalar expression named '" + name + "'");
  }

  static Scalar columnRef(int index, KqlType type) {
    return Scalar.of(type, false, c -> c.value(index));
  }

  static Object member(Object target, String key) {
    return target instanceof Map<?, ?> m ? m.get(key) : null;
  }

  static Object index(Object target, Object index) {
    if (target instanceof Map<?, ?> m) {
      return index == null ? null : m.get(Values.toText(index));
    }
    if (target instanceof List<?> l && (index instanceof Long || index instanceof Integer)) {
      long k = ((Number) index).longValue();
      if (k < 0) {
        k += l.size();
      }
      return k >= 0 && k < l.size() ? l.get((int) k) : null;
    }
    return null;
  }

  private Scalar binary(Ast.Binary b, Scope s) {
    Scalar l = compile(b.left(), s);
    Scalar r = compile(b.right(), s);
    boolean constant = l.rowIndependent() && r.rowIndependent();
    String op = b.op();
    switch (op) {
      case "and":
        return Scalar.of(KqlType.BOOL, constant, c -> {
          Object x = l.eval(c);
          if (Boolean.FALSE.equals(x)) {
            return false;
          }
          Object y = r.eval(c);
          if (Boolean.FALSE.equals(y)) {
            return false;
          }
          return Boolean.TRUE.equals(x) && Boolean.TRUE.equals(y) ? Boolean.TRUE : null;
        });
      case "or":
        return Scalar.of(KqlType.BOOL, constant, c -> {
          Object x = l.eval(c);
          if (Boolean.TRUE.equals(x)) {
            return true;
          }
          Object y = r.eval(c);
          if (Boolean.TRUE.equals(y)) {
            return true;
          }
          return Boolean.FALSE.equals(x) && Boolean.FALSE.equals(y) ? Boolean.FALSE : null;
        });
      case "==":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=":
        return Scalar.of(KqlType.BOOL, constant, c -> Arith.compare(op, l.eval(c), r.eval(c)));
      case "+":
      case "-":
      case "*":
      case "/":
      case "%": {
        KqlType t = Arith.resultType(op, l.type(), r.type(), b.pos());
        return Scalar.of(t, constant, c -> {
          Object v = Arith.apply(op, l.eval(c), r.eval(c));
          return t == KqlType.DYNAMIC ? v : Values.coerce(v, t);
        });
      }
      case "=~":
        return Scalar.of(KqlType.BOOL, constant, c -> Arith.stringPredicate("=~", l.eval(c), r.eval(c)));
      case "!~":
        return Scalar.of(KqlType.BOOL, constant, c -> !Arith.stringPredicate("=~", l.eval(c), r.eval(c)));
      case "has_any":
      case "has_all": {
        boolean any = op.equals("has_any");
        return Scalar.of(KqlType.BOOL, constant, c -> {
          Object list = r.eval(c);
          String text = Values.toText(l.eval(c)).toLowerCase(Locale.ROOT);
          List<?> items = list instanceof List<?> li ? li : List.of(Values.toText(list));
          for (Object item : items) {
            boolean has = Arith.hasTerm(text, Values.toText(item).toLowerCase(Locale.ROOT));
            if (has == any) {
              return any;
            }
          }
          return !any;
        });
      }
      case "matches regex":
        return Scalar.of(KqlType.BOOL, constant, c -> {
          Object re = r.eval(c);
          return re != null && Pattern.compile(Values.toText(re)).matcher(Values.toText(l.eval(c))).find();
        });
      default:
        return Scalar.of(KqlType.BOOL, constant, c -> Arith.stringPredicate(op, l.eval(c), r.eval(c)));
    }
  }

  private Scalar in(Ast.In in, Scope s) {
    Scalar v = compile(in.value(), s);
    List<Scalar> items = new ArrayList<>();
    List<Plan> tables = new ArrayList<>();
    for (Expr item : in.items()) {
      if (isTabular(item, s.env())) {
        tables.add(tabular(item, s.env()));
      } else {
        items.add(compile(item, s));
      }
    }
    boolean ci = in.caseInsensitive();
    boolean neg = in.negated();
    boolean constantItems = items.stream().allMatch(Scalar::rowIndependent);
    // The candidate set is computed once per execution when it does not depend on the row.
    Scalar set = Scalar.memo(Scalar.of(KqlType.DYNAMIC, true, c -> candidates(items, tables, c, ci)));
    return Scalar.of(KqlType.BOOL, v.rowIndependent() && constantItems, c -> {
      Object x = v.eval(c);
      if (x == null) {
        return neg;
      }
      @SuppressWarnings("unchecked")
      List<Object> cands = constantItems ? (List<Object>) set.eval(c) : candidates(items, tables, c, ci);
      Object key = ci ? Values.toText(x).toLowerCase(Locale.ROOT) : x;
      boolean found = false;
      for (Object cand : cands) {
        if (cand != null && (ci ? key.equals(cand) : Values.same(key, cand))) {
          found = true;
          break;
        }
      }
      return found != neg;
    });
  }

  private static List<Object> candidates(List<Scalar> items, List<Plan> tables, RowCtx c, boolean ci) {
    List<Object> out = new ArrayList<>();
    for (Scalar item : items) {
      Object v = item.eval(c);
      if (v instanceof List<?> l) {
        out.addAll(l); // a dynamic array contributes its elements
      } else {
        out.add(v);
      }
    }
    for (Plan p : tables) {
      p.open(c.exec).forEachRemaining(r -> out.add(r.values().length > 0 ? r.values()[0] : null));
    }
    if (ci) {
      out.replaceAll(o -> o == null ? null : Values.toText(o).toLowerCase(Locale.ROOT));
    }
    return out;
  }

  // ---- naming ----

  /** The column name Kusto gives an unnamed expression, where it gives one: names, members, bin()ned names. */
  static String inferName(Expr e) {
    if (e instanceof Ast.Name n) {
      return n.name();
    }
    if (e instanceof Ast.Member m) {
      String t = inferName(m.target());
      return t == null ? null : t + "_" + m.name();
    }
    if (e instanceof Ast.Index ix && ix.index() instanceof Ast.Literal l && l.value() instanceof String key) {
      String t = inferName(ix.target());
      return t == null ? null : t + "_" + key;
    }
    if (e instanceof Ast.Call c && (c.name().equals("bin") || c.name().equals("floor")) && !c.args().isEmpty()) {
      return inferName(c.args().get(0));
    }
    return null;
  }

  static String unique(String name, Set<String> taken) {
    if (!taken.contains(name)) {
      return name;
    }
    for (int k = 1; ; k++) {
      if (!taken.contains(name + k)) {
        return name + k;
      }
    }
  }

  static int indexOf(List<Column> cols, String name) {
    for (int k = 0; k < cols.size(); k++) {
      if (cols.get(k).name().equals(name)) {
        return k;
      }
    }
    return -1;
  }
}
