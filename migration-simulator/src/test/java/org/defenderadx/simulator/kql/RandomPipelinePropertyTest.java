package org.defenderadx.simulator.kql;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Proves the engine is generic: random tables and random pipelines are rendered to KQL text, run through the
 * engine, and compared with a brute-force evaluation written here independently (plain Java over lists).
 * The reference fixes the same choices the engine makes where Kusto leaves order open: stable sorts, groups and
 * distinct values in order of first appearance.
 */
class RandomPipelinePropertyTest {
  private static final KqlType[] TYPES = {KqlType.LONG, KqlType.REAL, KqlType.STRING, KqlType.BOOL,
      KqlType.DATETIME};
  private static final String[] STRINGS = {"", "a", "A", "abc", "Abc def", "é", "É", "日本", "x'y", "q\"uote",
      "back\\slash", "line\nbreak", "zz", "Σίσυφος", "a-b_c"};
  private static final double[] REALS = {-2.5, -1.0, 0.0, 0.5, 1.0, 2.25, 3.75, 1e6};
  private static final Instant BASE = Instant.parse("2026-11-01T00:00:00Z");

  /** A table in the reference world: column names, types and rows. */
  record Rel(List<String> names, List<KqlType> types, List<Object[]> rows) {
    int index(String n) {
      return names.indexOf(n);
    }
  }

  /** A scalar expression that renders to KQL and evaluates in Java with Kusto's null rules. */
  interface Ex {
    String kql();

    Object eval(Rel r, Object[] row);

    KqlType type(Rel r);
  }

  @Test
  void randomPipelinesAgreeWithBruteForceReference() {
    int cases = 0;
    Map<String, Integer> coverage = new LinkedHashMap<>();
    for (long seed = 1; seed <= 1000; seed++) {
      Random rnd = new Random(seed);
      Rel table = randomTable(rnd);
      InMemoryCatalog catalog = new InMemoryCatalog();
      InMemoryCatalog.Table t = catalog.table("T", IntStream.range(0, table.names().size())
          .mapToObj(k -> new Column(table.names().get(k), table.types().get(k))).toArray(Column[]::new));
      for (Object[] row : table.rows()) {
        t.add(BASE, row.clone());
      }
      StringBuilder kql = new StringBuilder("T");
      Rel expected = table;
      int ops = 1 + rnd.nextInt(4);
      for (int k = 0; k < ops; k++) {
        expected = randomOperator(rnd, expected, kql, table);
      }
      String query = kql.toString();
      for (String op : List.of("| where", "| extend", "| project ", "| order by", "| sort by", "| take", "| top",
          "| summarize", "| distinct", "| join", "row_number()", "| count")) {
        if (query.contains(op)) {
          coverage.merge(op, 1, Integer::sum);
        }
      }
      QueryResult result;
      try {
        result = new KqlEngine().execute(query, new QueryContext(catalog, BASE));
      } catch (RuntimeException e) {
        throw new AssertionError("seed " + seed + " failed: " + query, e);
      }
      List<List<Object>> got = result.toList().stream().map(Arrays::asList).collect(Collectors.toList());
      List<List<Object>> want = expected.rows().stream().map(Arrays::asList).collect(Collectors.toList());
      assertThat(result.columns().stream().map(Column::name).collect(Collectors.toList()))
          .as("columns of seed %d: %s", seed, query).isEqualTo(expected.names());
      assertThat(got).as("rows of seed %d: %s", seed, query).isEqualTo(want);
      cases++;
    }
    assertThat(cases).isEqualTo(1000);
    assertThat(coverage).as("every operator is generated often").hasSize(12)
        .allSatisfy((op, n) -> assertThat(n).as(op).isGreaterThan(30));
  }

  // ---- random data ----

  private static Rel randomTable(Random rnd) {
    int width = 2 + rnd.nextInt(4);
    List<String> names = new ArrayList<>();
    List<KqlType> types = new ArrayList<>();
    for (int k = 0; k < width; k++) {
      names.add((rnd.nextBoolean() ? "c" : "Col_") + k);
      types.add(TYPES[rnd.nextInt(TYPES.length)]);
    }
    List<Object[]> rows = new ArrayList<>();
    int n = rnd.nextInt(40);
    for (int r = 0; r < n; r++) {
      if (r > 0 && rnd.nextInt(6) == 0) {
        rows.add(rows.get(rnd.nextInt(rows.size())).clone()); // duplicates
        continue;
      }
      Object[] row = new Object[width];
      for (int k = 0; k < width; k++) {
        row[k] = randomValue(rnd, types.get(k), true);
      }
      rows.add(row);
    }
    return new Rel(names, types, rows);
  }

  private static Object randomValue(Random rnd, KqlType type, boolean allowNull) {
    if (allowNull && type != KqlType.STRING && rnd.nextInt(7) == 0) {
      return null; // strings are never null in Kusto; the others are
    }
    switch (type) {
      case LONG:
        return (long) (rnd.nextInt(11) - 5);
      case REAL:
        return REALS[rnd.nextInt(REALS.length)];
      case STRING:
        return STRINGS[rnd.nextInt(STRINGS.length)];
      case BOOL:
        return rnd.nextBoolean();
      case DATETIME:
        return BASE.plusSeconds(3600L * rnd.nextInt(5)).plusNanos(100L * rnd.nextInt(3));
      default:
        throw new IllegalStateException();
    }
  }

  // ---- random operators: each appends KQL text and returns the reference result ----

  private static Rel randomOperator(Random rnd, Rel in, StringBuilder kql, Rel base) {
    switch (rnd.nextInt(12)) {
      case 11:
        return join(rnd, in, kql, base);
      case 8:
        return rowNumberPage(rnd, in, kql);
      case 9:
        return top(rnd, in, kql);
      case 10:
        if (rnd.nextInt(3) == 0) {
          kql.append("\n| count");
          return new Rel(List.of("Count"), List.of(KqlType.LONG), List.<Object[]>of(new Object[] {
              (long) in.rows().size()}));
        }
        return extend(rnd, in, kql);
      case 0:
      case 1: {
        Ex p = randomPredicate(rnd, in, 2);
        kql.append("\n| where ").append(p.kql());
        return new Rel(in.names(), in.types(), in.rows().stream()
            .filter(r -> Boolean.TRUE.equals(p.eval(in, r))).collect(Collectors.toList()));
      }
      case 2:
        return extend(rnd, in, kql);
      case 3:
        return project(rnd, in, kql);
      case 4:
        return orderBy(rnd, in, kql);
      case 5: {
        int n = rnd.nextInt(12);
        kql.append("\n| ").append(rnd.nextBoolean() ? "take " : "limit ").append(n);
        return new Rel(in.names(), in.types(), in.rows().stream().limit(n).collect(Collectors.toList()));
      }
      case 6:
        return summarize(rnd, in, kql);
      default:
        return distinct(rnd, in, kql);
    }
  }

  /**
   * {@code join kind=K (T | project JkN = a, JvN = b) on $left.c == $right.JkN}, against the base table, with
   * Kusto's join kinds; null keys match nothing.
   */
  private static Rel join(Random rnd, Rel in, StringBuilder kql, Rel base) {
    int lc = rnd.nextInt(in.names().size());
    KqlType keyType = in.types().get(lc);
    List<Integer> sameType = IntStream.range(0, base.types().size()).filter(k -> base.types().get(k) == keyType)
        .boxed().collect(Collectors.toList());
    if (sameType.isEmpty()) {
      return in;
    }
    int rk = sameType.get(rnd.nextInt(sameType.size()));
    int rv = rnd.nextInt(base.names().size());
    String jk = "Jk" + in.names().size();
    String jv = "Jv" + in.names().size();
    String kind = new String[] {"inner", "innerunique", "leftouter", "leftsemi", "leftanti"}[rnd.nextInt(5)];
    kql.append("\n| join kind=").append(kind).append(" (T | project ").append(jk).append(" = ")
        .append(base.names().get(rk)).append(", ").append(jv).append(" = ").append(base.names().get(rv))
        .append(") on $left.").append(in.names().get(lc)).append(" == $right.").append(jk);
    List<Object[]> right = base.rows().stream().map(r -> new Object[] {r[rk], r[rv]}).collect(Collectors.toList());
    boolean leftOnly = kind.equals("leftsemi") || kind.equals("leftanti");
    List<String> names = new ArrayList<>(in.names());
    List<KqlType> types = new ArrayList<>(in.types());
    if (!leftOnly) {
      names.add(jk);
      names.add(jv);
      types.add(keyType);
      types.add(base.types().get(rv));
    }
    List<Object[]> rows = new ArrayList<>();
    List<Object> seenKeys = new ArrayList<>();
    for (Object[] l : in.rows()) {
      Object key = l[lc];
      List<Object[]> matches = key == null ? List.of() : right.stream()
          .filter(r -> r[0] != null && compareValues(r[0], key) == 0).collect(Collectors.toList());
      switch (kind) {
        case "leftsemi":
          if (!matches.isEmpty()) {
            rows.add(l);
          }
          break;
        case "leftanti":
          if (matches.isEmpty()) {
            rows.add(l);
          }
          break;
        case "innerunique":
          if (key == null || seenKeys.stream().anyMatch(k -> compareValues(k, key) == 0)) {
            break;
          }
          seenKeys.add(key);
          matches.forEach(m -> rows.add(concat(l, m)));
          break;
        case "leftouter":
          if (matches.isEmpty()) {
            Object none = base.types().get(rv) == KqlType.STRING ? "" : null;
            rows.add(concat(l, new Object[] {keyType == KqlType.STRING ? "" : null, none}));
          } else {
            matches.forEach(m -> rows.add(concat(l, m)));
          }
          break;
        default:
          matches.forEach(m -> rows.add(concat(l, m)));
          break;
      }
    }
    return new Rel(names, types, rows);
  }

  private static Object[] concat(Object[] a, Object[] b) {
    Object[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** The seed script's paging shape: optional sort, then number the rows and keep a window of them. */
  private static Rel rowNumberPage(Random rnd, Rel in, StringBuilder kql) {
    Rel sorted = rnd.nextBoolean() ? orderBy(rnd, in, kql) : in;
    int from = 1 + rnd.nextInt(8);
    int to = from + rnd.nextInt(8);
    String rn = "rn" + in.names().size();
    boolean between = rnd.nextBoolean();
    kql.append("\n| ").append(rnd.nextBoolean() ? "serialize " : "extend ").append(rn).append(" = row_number()")
        .append("\n| where ").append(between ? rn + " between (" + from + " .. " + to + ")"
            : rn + " >= " + from + " and " + rn + " < " + (to + 1))
        .append("\n| project-away ").append(rn);
    List<Object[]> rows = sorted.rows();
    return new Rel(in.names(), in.types(), rows.subList(Math.min(from - 1, rows.size()), Math.min(to, rows.size())));
  }

  private static Rel top(Random rnd, Rel in, StringBuilder kql) {
    int col = rnd.nextInt(in.names().size());
    int n = rnd.nextInt(10);
    boolean asc = rnd.nextBoolean();
    kql.append("\n| top ").append(n).append(" by ").append(in.names().get(col)).append(asc ? " asc" : " desc");
    List<Object[]> rows = new ArrayList<>(in.rows());
    rows.sort((a, b) -> {
      Object x = a[col];
      Object y = b[col];
      if (x == null || y == null) {
        return x == y ? 0 : (x == null) == asc ? -1 : 1;
      }
      return asc ? compareValues(x, y) : compareValues(y, x);
    });
    return new Rel(in.names(), in.types(), rows.subList(0, Math.min(n, rows.size())));
  }

  private static Rel extend(Random rnd, Rel in, StringBuilder kql) {
    String name = "e" + in.names().size();
    Ex e = randomValueExpr(rnd, in);
    kql.append("\n| extend ").append(name).append(" = ").append(e.kql());
    List<String> names = new ArrayList<>(in.names());
    List<KqlType> types = new ArrayList<>(in.types());
    names.add(name);
    types.add(e.type(in));
    List<Object[]> rows = in.rows().stream().map(r -> {
      Object[] out = Arrays.copyOf(r, r.length + 1);
      out[r.length] = e.eval(in, r);
      return out;
    }).collect(Collectors.toList());
    return new Rel(names, types, rows);
  }

  private static Rel project(Random rnd, Rel in, StringBuilder kql) {
    List<Integer> pick = IntStream.range(0, in.names().size()).boxed().collect(Collectors.toList());
    java.util.Collections.shuffle(pick, rnd);
    pick = pick.subList(0, 1 + rnd.nextInt(pick.size()));
    List<String> names = new ArrayList<>();
    List<String> parts = new ArrayList<>();
    for (int k : pick) {
      String n = in.names().get(k);
      if (rnd.nextInt(4) == 0) {
        String renamed = "r" + k + "_" + n;
        parts.add(renamed + " = " + n);
        names.add(renamed);
      } else {
        parts.add(n);
        names.add(n);
      }
    }
    kql.append("\n| project ").append(String.join(", ", parts));
    List<Integer> cols = pick;
    return new Rel(names, cols.stream().map(in.types()::get).collect(Collectors.toList()),
        in.rows().stream().map(r -> cols.stream().map(k -> r[k]).toArray()).collect(Collectors.toList()));
  }

  private static Rel orderBy(Random rnd, Rel in, StringBuilder kql) {
    int keys = 1 + rnd.nextInt(2);
    Comparator<Object[]> order = (a, b) -> 0;
    List<String> parts = new ArrayList<>();
    for (int k = 0; k < keys; k++) {
      int col = rnd.nextInt(in.names().size());
      int dir = rnd.nextInt(3); // 0 default (desc), 1 asc, 2 desc
      Boolean nullsFirst = rnd.nextInt(3) == 0 ? rnd.nextBoolean() : null;
      boolean asc = dir == 1;
      boolean nf = nullsFirst != null ? nullsFirst : asc;
      parts.add(in.names().get(col) + (dir == 1 ? " asc" : dir == 2 ? " desc" : "")
          + (nullsFirst == null ? "" : nullsFirst ? " nulls first" : " nulls last"));
      order = order.thenComparing((a, b) -> {
        Object x = a[col];
        Object y = b[col];
        if (x == null || y == null) {
          return x == y ? 0 : (x == null) == nf ? -1 : 1;
        }
        int c = compareValues(x, y);
        return asc ? c : -c;
      });
    }
    kql.append("\n| ").append(rnd.nextBoolean() ? "order" : "sort").append(" by ").append(String.join(", ", parts));
    List<Object[]> rows = new ArrayList<>(in.rows());
    rows.sort(order); // List.sort is stable, as the engine's sort is
    return new Rel(in.names(), in.types(), rows);
  }

  private static Rel summarize(Random rnd, Rel in, StringBuilder kql) {
    int nKeys = rnd.nextInt(3);
    List<Integer> keys = new ArrayList<>(new LinkedHashSet<>(IntStream.range(0, nKeys)
        .mapToObj(x -> rnd.nextInt(in.names().size())).collect(Collectors.toList())));
    int agg = rnd.nextInt(in.names().size());
    KqlType aggType = in.types().get(agg);
    boolean minMax = aggType != KqlType.BOOL;
    List<String> names = new ArrayList<>();
    List<KqlType> types = new ArrayList<>();
    keys.forEach(k -> {
      names.add(in.names().get(k));
      types.add(in.types().get(k));
    });
    StringBuilder text = new StringBuilder("\n| summarize ");
    boolean defaultName = rnd.nextBoolean() && !names.contains("count_");
    String cnt = "Cnt";
    while (names.contains(cnt)) {
      cnt += "x";
    }
    text.append(defaultName ? "count()" : cnt + " = count()");
    names.add(defaultName ? "count_" : cnt);
    types.add(KqlType.LONG);
    String aggName = in.names().get(agg);
    if (minMax) {
      String mn = "Mn";
      while (names.contains(mn)) {
        mn += "x"; // keep the generated name apart from the by-columns
      }
      if (names.contains("max_" + aggName)) {
        kql.append(text);
        return summarizeCountOnly(in, keys, names, types, kql);
      }
      text.append(", ").append(mn).append(" = min(").append(aggName).append("), max(").append(aggName).append(")");
      names.add(mn);
      names.add("max_" + aggName);
      types.add(aggType);
      types.add(aggType);
    }
    if (!keys.isEmpty()) {
      text.append(" by ").append(keys.stream().map(in.names()::get).collect(Collectors.joining(", ")));
    }
    kql.append(text);
    Map<List<Object>, List<Object[]>> groups = new LinkedHashMap<>();
    for (Object[] r : in.rows()) {
      groups.computeIfAbsent(keys.stream().map(k -> r[k]).collect(Collectors.toList()), x -> new ArrayList<>())
          .add(r);
    }
    if (keys.isEmpty() && groups.isEmpty()) {
      groups.put(List.of(), List.of());
    }
    List<Object[]> rows = new ArrayList<>();
    groups.forEach((key, members) -> {
      List<Object> out = new ArrayList<>(key);
      out.add((long) members.size());
      if (minMax) {
        List<Object> vals = members.stream().map(r -> r[agg]).filter(Objects::nonNull).collect(Collectors.toList());
        Object none = aggType == KqlType.STRING ? "" : null; // a string is never null in Kusto
        out.add(vals.stream().min(RandomPipelinePropertyTest::compareValues).orElse(none));
        out.add(vals.stream().max(RandomPipelinePropertyTest::compareValues).orElse(none));
      }
      rows.add(out.toArray());
    });
    return new Rel(names, types, rows);
  }

  /** The reference for a summarize whose min/max names would collide: the pipeline keeps count() only. */
  private static Rel summarizeCountOnly(Rel in, List<Integer> keys, List<String> names, List<KqlType> types,
      StringBuilder kql) {
    if (!keys.isEmpty()) {
      kql.append(" by ").append(keys.stream().map(in.names()::get).collect(Collectors.joining(", ")));
    }
    Map<List<Object>, Long> groups = new LinkedHashMap<>();
    for (Object[] r : in.rows()) {
      groups.merge(keys.stream().map(k -> r[k]).collect(Collectors.toList()), 1L, Long::sum);
    }
    if (keys.isEmpty() && groups.isEmpty()) {
      groups.put(List.of(), 0L);
    }
    List<Object[]> rows = new ArrayList<>();
    groups.forEach((key, n) -> {
      List<Object> out = new ArrayList<>(key);
      out.add(n);
      rows.add(out.toArray());
    });
    return new Rel(names, types, rows);
  }

  private static Rel distinct(Random rnd, Rel in, StringBuilder kql) {
    if (rnd.nextInt(3) == 0) {
      kql.append("\n| distinct *");
      return new Rel(in.names(), in.types(), dedupe(in.rows()));
    }
    List<Integer> cols = new ArrayList<>(new LinkedHashSet<>(IntStream.range(0, 1 + rnd.nextInt(2))
        .mapToObj(x -> rnd.nextInt(in.names().size())).collect(Collectors.toList())));
    kql.append("\n| distinct ").append(cols.stream().map(in.names()::get).collect(Collectors.joining(", ")));
    return new Rel(cols.stream().map(in.names()::get).collect(Collectors.toList()),
        cols.stream().map(in.types()::get).collect(Collectors.toList()),
        dedupe(in.rows().stream().map(r -> cols.stream().map(k -> r[k]).toArray()).collect(Collectors.toList())));
  }

  private static List<Object[]> dedupe(List<Object[]> rows) {
    Map<List<Object>, Object[]> seen = new LinkedHashMap<>();
    rows.forEach(r -> seen.putIfAbsent(Arrays.asList(r), r));
    return new ArrayList<>(seen.values());
  }

  // ---- random expressions ----

  private static Ex randomPredicate(Random rnd, Rel in, int depth) {
    int choice = rnd.nextInt(depth > 0 ? 6 : 3);
    if (choice == 3) {
      Ex l = randomPredicate(rnd, in, depth - 1);
      Ex r = randomPredicate(rnd, in, depth - 1);
      return logic("and", l, r);
    }
    if (choice == 4) {
      Ex l = randomPredicate(rnd, in, depth - 1);
      Ex r = randomPredicate(rnd, in, depth - 1);
      return logic("or", l, r);
    }
    if (choice == 5) {
      Ex inner = randomPredicate(rnd, in, depth - 1);
      return ex("not(" + inner.kql() + ")", KqlType.BOOL, (rel, row) -> {
        Object v = inner.eval(rel, row);
        return v == null ? null : !(Boolean) v;
      });
    }
    int col = rnd.nextInt(in.names().size());
    String name = in.names().get(col);
    KqlType type = in.types().get(col);
    if (choice == 2) {
      boolean isNull = rnd.nextBoolean();
      return ex((isNull ? "isnull(" : "isnotnull(") + name + ")", KqlType.BOOL,
          (rel, row) -> (row[rel.index(name)] == null) == isNull);
    }
    if (type == KqlType.STRING && choice == 1) {
      String op = new String[] {"contains", "!contains", "startswith", "=~", "!~", "in", "!in"}[rnd.nextInt(7)];
      if (op.endsWith("in")) {
        List<String> items = List.of(STRINGS[rnd.nextInt(STRINGS.length)], STRINGS[rnd.nextInt(STRINGS.length)]);
        boolean neg = op.startsWith("!");
        return ex(name + " " + op + " (" + items.stream().map(s -> literal(rnd, s)).collect(Collectors.joining(", "))
            + ")", KqlType.BOOL, (rel, row) -> items.contains((String) row[rel.index(name)]) != neg);
      }
      String needle = STRINGS[rnd.nextInt(STRINGS.length)];
      String lit = literal(rnd, needle);
      return ex(name + " " + op + " " + lit, KqlType.BOOL, (rel, row) -> {
        String s = ((String) row[rel.index(name)]).toLowerCase(Locale.ROOT);
        String t = needle.toLowerCase(Locale.ROOT);
        switch (op) {
          case "contains": return s.contains(t);
          case "!contains": return !s.contains(t);
          case "startswith": return s.startsWith(t);
          case "=~": return s.equals(t);
          default: return !s.equals(t);
        }
      });
    }
    String[] ops = type == KqlType.BOOL ? new String[] {"==", "!="} : new String[] {"==", "!=", "<", "<=", ">", ">="};
    String op = ops[rnd.nextInt(ops.length)];
    Object value = randomValue(rnd, type, false);
    boolean flipped = rnd.nextInt(4) == 0;
    String text = flipped ? literal(rnd, value) + " " + mirror(op) + " " + name : name + " " + op + " "
        + literal(rnd, value);
    return ex(text, KqlType.BOOL, (rel, row) -> {
      Object v = row[rel.index(name)];
      if (v == null) {
        return op.equals("==") ? Boolean.FALSE : op.equals("!=") ? Boolean.TRUE : null;
      }
      int c = compareValues(v, value);
      switch (op) {
        case "==": return c == 0;
        case "!=": return c != 0;
        case "<": return c < 0;
        case "<=": return c <= 0;
        case ">": return c > 0;
        default: return c >= 0;
      }
    });
  }

  private static String mirror(String op) {
    switch (op) {
      case "<": return ">";
      case "<=": return ">=";
      case ">": return "<";
      case ">=": return "<=";
      default: return op;
    }
  }

  private static Ex logic(String op, Ex l, Ex r) {
    return ex("(" + l.kql() + " " + op + " " + r.kql() + ")", KqlType.BOOL, (rel, row) -> {
      Object x = l.eval(rel, row);
      Object y = r.eval(rel, row);
      if (op.equals("and")) {
        if (Boolean.FALSE.equals(x) || Boolean.FALSE.equals(y)) {
          return false;
        }
        return x == null || y == null ? null : Boolean.TRUE;
      }
      if (Boolean.TRUE.equals(x) || Boolean.TRUE.equals(y)) {
        return true;
      }
      return x == null || y == null ? null : Boolean.FALSE;
    });
  }

  private static Ex randomValueExpr(Random rnd, Rel in) {
    List<Integer> numeric = IntStream.range(0, in.types().size())
        .filter(k -> in.types().get(k) == KqlType.LONG || in.types().get(k) == KqlType.REAL).boxed()
        .collect(Collectors.toList());
    List<Integer> strings = IntStream.range(0, in.types().size())
        .filter(k -> in.types().get(k) == KqlType.STRING).boxed().collect(Collectors.toList());
    int choice = rnd.nextInt(3);
    if (choice == 0 && !numeric.isEmpty()) {
      String name = in.names().get(numeric.get(rnd.nextInt(numeric.size())));
      KqlType t = in.types().get(in.index(name));
      long addend = rnd.nextInt(7) - 3;
      String op = rnd.nextBoolean() ? "+" : "*";
      return ex(name + " " + op + " " + (addend < 0 ? "(" + addend + ")" : addend), t, (rel, row) -> {
        Object v = row[rel.index(name)];
        if (v == null) {
          return null;
        }
        if (v instanceof Long l) {
          return op.equals("+") ? l + addend : l * addend;
        }
        double d = (Double) v;
        return op.equals("+") ? d + addend : d * addend;
      });
    }
    if (choice == 1 && !strings.isEmpty()) {
      String name = in.names().get(strings.get(rnd.nextInt(strings.size())));
      String suffix = STRINGS[rnd.nextInt(STRINGS.length)];
      return ex("strcat(" + name + ", " + literal(rnd, suffix) + ")", KqlType.STRING,
          (rel, row) -> row[rel.index(name)] + suffix);
    }
    Ex p = randomPredicate(rnd, in, 1);
    return ex("iff(" + p.kql() + ", 1, 0)", KqlType.LONG,
        (rel, row) -> Boolean.TRUE.equals(p.eval(rel, row)) ? 1L : 0L);
  }

  private static Ex ex(String kql, KqlType type, java.util.function.BiFunction<Rel, Object[], Object> fn) {
    return new Ex() {
      @Override
      public String kql() {
        return kql;
      }

      @Override
      public Object eval(Rel r, Object[] row) {
        return fn.apply(r, row);
      }

      @Override
      public KqlType type(Rel r) {
        return type;
      }
    };
  }

  // ---- rendering and ordering ----

  private static String literal(Random rnd, Object v) {
    if (v instanceof String s) {
      if (rnd.nextInt(4) == 0 && !s.contains("\n")) {
        return "@'" + s.replace("'", "''") + "'";
      }
      char q = rnd.nextBoolean() ? '\'' : '"';
      StringBuilder sb = new StringBuilder().append(q);
      for (char c : s.toCharArray()) {
        if (c == q || c == '\\') {
          sb.append('\\').append(c);
        } else if (c == '\n') {
          sb.append("\\n");
        } else {
          sb.append(c);
        }
      }
      return sb.append(q).toString();
    }
    if (v instanceof Double d) {
      return d < 0 ? "(" + d + ")" : Double.toString(d);
    }
    if (v instanceof Long l) {
      return l < 0 ? "(" + l + ")" : Long.toString(l);
    }
    if (v instanceof Instant t) {
      return "datetime(" + t.toString() + ")";
    }
    return String.valueOf(v);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static int compareValues(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return Double.compare(x.doubleValue(), y.doubleValue());
    }
    return ((Comparable) a).compareTo(b);
  }

  @SuppressWarnings("unused")
  private static final Function<Object, String> SHOW = String::valueOf;
}
