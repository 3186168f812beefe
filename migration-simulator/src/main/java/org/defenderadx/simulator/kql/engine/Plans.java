package org.defenderadx.simulator.kql.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.defenderadx.simulator.kql.KqlType;
import org.defenderadx.simulator.kql.StoredRow;
import org.defenderadx.simulator.kql.TableSource;

/** The physical operators. Row-at-a-time operators stream; sort and summarize materialise. */
final class Plans {
  private Plans() {
  }

  /** An iterator computing its next element on demand; {@link #advance} returns null at the end. */
  abstract static class Lazy<T> implements Iterator<T> {
    private T next;
    private boolean done;

    abstract T advance();

    @Override
    public boolean hasNext() {
      if (next == null && !done) {
        next = advance();
        done = next == null;
      }
      return next != null;
    }

    @Override
    public T next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      T t = next;
      next = null;
      return t;
    }
  }

  /** A bound on ingestion_time() taken from a leading where, applied as the scan hint. */
  record TimeBound(String op, Scalar value) {
  }

  static final class TableScan implements Plan {
    final TableSource source;
    final List<Column> columns;
    final List<TimeBound> bounds;

    TableScan(TableSource source, List<TimeBound> bounds) {
      this.source = source;
      this.columns = List.copyOf(source.columns());
      this.bounds = bounds;
    }

    @Override
    public List<Column> columns() {
      return columns;
    }

    IngestionTimeRange hint(Exec exec) {
      Instant from = null;
      Instant to = null;
      RowCtx c = exec.constantContext();
      for (TimeBound b : bounds) {
        Object v = b.value().eval(c);
        if (!(v instanceof Instant t)) {
          continue;
        }
        switch (b.op()) {
          case ">=":
          case ">":
            from = from == null || t.isAfter(from) ? t : from;
            break;
          case "<=":
            t = t.plusNanos(100);
            to = to == null || t.isBefore(to) ? t : to;
            break;
          case "<":
            to = to == null || t.isBefore(to) ? t : to;
            break;
          default:
            break;
        }
      }
      return from == null && to == null ? IngestionTimeRange.ALL : new IngestionTimeRange(from, to);
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      Iterator<StoredRow> it = source.scan(hint(exec));
      int width = columns.size();
      KqlType[] types = columns.stream().map(Column::type).toArray(KqlType[]::new);
      return new Lazy<>() {
        @Override
        Row advance() {
          if (!it.hasNext()) {
            return null;
          }
          StoredRow r = it.next();
          exec.stats().addScanned(1);
          Object[] v = r.values().length == width ? r.values().clone() : Arrays.copyOf(r.values(), width);
          for (int k = 0; k < width; k++) {
            if (v[k] != null && !Values.holds(types[k], v[k])) {
              v[k] = Values.coerce(v[k], types[k]); // tolerate sources that hand over e.g. a Long for an int
            }
          }
          return new Row(v, r.ingestionTime() == null ? null : Temporal.toTicks(r.ingestionTime()),
              r.extentTags());
        }
      };
    }
  }

  /** A fixed set of rows (print, datatable, getschema). */
  static final class Constant implements Plan {
    final List<Column> columns;
    final java.util.function.Function<Exec, List<Object[]>> rows;

    Constant(List<Column> columns, java.util.function.Function<Exec, List<Object[]>> rows) {
      this.columns = columns;
      this.rows = rows;
    }

    @Override
    public List<Column> columns() {
      return columns;
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      return rows.apply(exec).stream().map(Row::of).iterator();
    }
  }

  static final class Filter implements Plan {
    final Plan in;
    final Scalar predicate;
    final boolean numbersRows;

    Filter(Plan in, Scalar predicate, boolean numbersRows) {
      this.in = in;
      this.predicate = predicate;
      this.numbersRows = numbersRows;
    }

    @Override
    public List<Column> columns() {
      return in.columns();
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      Iterator<Row> it = in.open(exec);
      RowCtx c = new RowCtx(exec);
      return new Lazy<>() {
        @Override
        Row advance() {
          while (it.hasNext()) {
            c.row = it.next();
            c.rowNumber++;
            if (Boolean.TRUE.equals(predicate.eval(c))) {
              return c.row;
            }
          }
          return null;
        }
      };
    }
  }

  /**
   * extend: the input row is widened to a working row and each new column is computed in turn into its own
   * slot, so later expressions can use columns defined earlier in the same operator, as Kusto allows; the
   * output keeps the working slots in {@code outSlots} (replaced columns drop out).
   */
  static final class Extend implements Plan {
    final Plan in;
    final List<Column> work;
    final List<Column> columns;
    final int[] outSlots;
    final int[] slots;
    final Scalar[] exprs;
    final boolean numbersRows;
    private final boolean identity;

    Extend(Plan in, List<Column> work, List<Column> columns, int[] outSlots, int[] slots, Scalar[] exprs,
        boolean numbersRows) {
      this.in = in;
      this.work = work;
      this.columns = columns;
      this.outSlots = outSlots;
      this.slots = slots;
      this.exprs = exprs;
      this.numbersRows = numbersRows;
      this.identity = outSlots.length == work.size();
    }

    Extend withInput(Plan newIn) {
      return new Extend(newIn, work, columns, outSlots, slots, exprs, numbersRows);
    }

    @Override
    public List<Column> columns() {
      return columns;
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      Iterator<Row> it = in.open(exec);
      RowCtx c = new RowCtx(exec);
      int width = work.size();
      return new Lazy<>() {
        @Override
        Row advance() {
          if (!it.hasNext()) {
            return null;
          }
          Row r = it.next();
          Row w = r.withValues(Arrays.copyOf(r.values(), width));
          c.row = w;
          c.rowNumber++;
          for (int k = 0; k < exprs.length; k++) {
            w.values()[slots[k]] = Values.coerce(exprs[k].eval(c), work.get(slots[k]).type());
          }
          if (identity) {
            return w;
          }
          Object[] out = new Object[outSlots.length];
          for (int k = 0; k < out.length; k++) {
            out[k] = w.values()[outSlots[k]];
          }
          return w.withValues(out);
        }
      };
    }
  }

  /** project and friends: every output column is an expression over the input row. */
  static final class Project implements Plan {
    final Plan in;
    final List<Column> columns;
    final Scalar[] exprs;
    final boolean numbersRows;

    Project(Plan in, List<Column> columns, Scalar[] exprs, boolean numbersRows) {
      this.in = in;
      this.columns = columns;
      this.exprs = exprs;
      this.numbersRows = numbersRows;
    }

    Project withInput(Plan newIn) {
      return new Project(newIn, columns, exprs, numbersRows);
    }

    @Override
    public List<Column> columns() {
      return columns;
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      Iterator<Row> it = in.open(exec);
      RowCtx c = new RowCtx(exec);
      return new Lazy<>() {
        @Override
        Row advance() {
          if (!it.hasNext()) {
            return null;
          }
          c.row = it.next();
          c.rowNumber++;
          Object[] out = new Object[exprs.length];
          for (int k = 0; k < exprs.length; k++) {
            out[k] = Values.coerce(exprs[k].eval(c), columns.get(k).type());
          }
          return c.row.withValues(out);
        }
      };
    }
  }

  static final class Take implements Plan {
    final Plan in;
    final Scalar count;

    Take(Plan in, Scalar count) {
      this.in = in;
      this.count = count;
    }

    @Override
    public List<Column> columns() {
      return in.columns();
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      long n = longOf(count, exec);
      if (n <= 0) {
        return Collections.emptyIterator();
      }
      Iterator<Row> it = in.open(exec);
      return new Lazy<>() {
        long taken;

        @Override
        Row advance() {
          // stop pulling (and so stop scanning) as soon as the count is reached
          if (taken >= n || !it.hasNext()) {
            return null;
          }
          taken++;
          return it.next();
        }
      };
    }
  }

  static long longOf(Scalar s, Exec exec) {
    Long n = Values.toLong(s.eval(exec.constantContext()));
    return n == null ? 0 : n;
  }

  record SortKey(Scalar expr, boolean ascending, boolean nullsFirst) {
  }

  /**
   * order by / top, optionally fused with what follows it.
   *
   * <p>With a {@code limit} (a following take or top, or the upper bound of a row_number() window) only the best
   * {@code limit} rows are kept. With a window ({@code skip} and {@code rankSlot}, from
   * {@code | serialize rn = row_number() | where rn between (a .. b)}) only ranks a..b are returned, each with
   * its rank in the rn column, as the row_number() it replaces would have numbered them. A deep window over a
   * large input is found in two passes: first by sort keys alone, then by reading the input again for just the
   * rows of the window, so memory holds keys, not rows.
   */
  static final class Sort implements Plan {
    /** Windows with an upper bound at least this large use the two-pass method. */
    static final long TWO_PASS_MIN_LIMIT = 20_000;

    final Plan in;
    final List<SortKey> keys;
    final Scalar limit;
    final Scalar skip;
    final int rankSlot;
    final List<Column> columns;

    Sort(Plan in, List<SortKey> keys, Scalar limit) {
      this(in, keys, limit, null, -1, in.columns());
    }

    private Sort(Plan in, List<SortKey> keys, Scalar limit, Scalar skip, int rankSlot, List<Column> columns) {
      this.in = in;
      this.keys = keys;
      this.limit = limit;
      this.skip = skip;
      this.rankSlot = rankSlot;
      this.columns = columns;
    }

    Sort withLimit(Scalar newLimit) {
      return new Sort(in, keys, newLimit, skip, rankSlot, columns);
    }

    /** Returns only ranks {@code skip+1 .. limit}, numbering them into column {@code rankColumn}. */
    Sort withWindow(Scalar newLimit, Scalar newSkip, String rankColumn) {
      List<Column> cols = new ArrayList<>(in.columns());
      int slot = -1;
      for (int k = 0; k < cols.size(); k++) {
        if (cols.get(k).name().equals(rankColumn)) {
          slot = k;
        }
      }
      if (slot >= 0) {
        cols.set(slot, new Column(rankColumn, KqlType.LONG));
      } else {
        slot = cols.size();
        cols.add(new Column(rankColumn, KqlType.LONG));
      }
      return new Sort(in, keys, newLimit, newSkip, slot, List.copyOf(cols));
    }

    @Override
    public List<Column> columns() {
      return columns;
    }

    private record Keyed(Object[] key, long seq, Row row) {
    }

    private Comparator<Keyed> order() {
      return (a, b) -> {
        for (int k = 0; k < keys.size(); k++) {
          SortKey sk = keys.get(k);
          int c = Values.compareForSort(a.key[k], b.key[k], sk.ascending(), sk.nullsFirst());
          if (c != 0) {
            return c;
          }
        }
        return Long.compare(a.seq, b.seq); // ties keep input order, so paging is deterministic
      };
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      long max = limit == null ? Long.MAX_VALUE : longOf(limit, exec);
      long first = skip == null ? 0 : Math.max(0, longOf(skip, exec));
      if (max <= 0 || first >= max) {
        return Collections.emptyIterator();
      }
      List<Keyed> best;
      if (rankSlot >= 0 && max >= TWO_PASS_MIN_LIMIT && max - first <= max / 2) {
        best = twoPass(exec, max, first);
      } else {
        Best all = bestOf(in.open(exec), exec, max, true);
        exec.stats().addSorted(all.inputRows());
        best = all.rows().subList((int) Math.min(first, all.rows().size()), all.rows().size());
      }
      long firstRank = first + 1;
      List<Row> out = new ArrayList<>(best.size());
      for (int k = 0; k < best.size(); k++) {
        Row r = best.get(k).row();
        if (rankSlot >= 0) {
          Object[] v = Arrays.copyOf(r.values(), columns.size());
          v[rankSlot] = firstRank + k;
          r = r.withValues(v);
        }
        out.add(r);
      }
      return out.iterator();
    }

    private record Best(List<Keyed> rows, long inputRows) {
    }

    /** The best {@code max} rows in order; rows are kept only when {@code keepRows}. */
    private Best bestOf(Iterator<Row> it, Exec exec, long max, boolean keepRows) {
      Comparator<Keyed> order = order();
      RowCtx c = new RowCtx(exec);
      long seq = 0;
      List<Keyed> sorted = new ArrayList<>();
      // Keep at most 2*max candidates; when full, sort and drop all but the best max. TimSort makes this
      // near-linear on the usual pre-ordered inputs, and memory stays proportional to the limit.
      long cap = max < Integer.MAX_VALUE / 4 ? Math.max(2 * max, 1024) : Long.MAX_VALUE;
      while (it.hasNext()) {
        Row r = it.next();
        sorted.add(new Keyed(key(c, r, seq), seq, keepRows ? r : null));
        seq++;
        if (sorted.size() >= cap) {
          sorted.sort(order);
          sorted.subList((int) max, sorted.size()).clear();
        }
      }
      sorted.sort(order);
      if (sorted.size() > max) {
        sorted.subList((int) max, sorted.size()).clear();
      }
      return new Best(sorted, seq);
    }

    private List<Keyed> twoPass(Exec exec, long max, long first) {
      Best keysOnly = bestOf(in.open(exec), exec, max, false);
      exec.stats().addSorted(keysOnly.inputRows());
      List<Keyed> ranked = keysOnly.rows();
      List<Keyed> window = ranked.subList((int) Math.min(first, ranked.size()), ranked.size());
      Map<Long, Integer> position = new java.util.HashMap<>();
      for (int k = 0; k < window.size(); k++) {
        position.put(window.get(k).seq(), k);
      }
      Keyed[] picked = new Keyed[window.size()];
      Exec again = exec.quiet(); // the query model charges the input once
      Iterator<Row> it = in.open(again);
      RowCtx c = new RowCtx(again);
      long seq = 0;
      int found = 0;
      while (it.hasNext() && found < picked.length) {
        Row r = it.next();
        Integer at = position.get(seq);
        if (at != null) {
          Object[] key = key(c, r, seq);
          if (!sameKey(key, window.get(at).key())) {
            return rereadInOnePass(exec, max, first); // the input changed between the passes
          }
          picked[at] = new Keyed(key, seq, r);
          found++;
        }
        seq++;
      }
      if (found != picked.length) {
        return rereadInOnePass(exec, max, first);
      }
      return Arrays.asList(picked);
    }

    private List<Keyed> rereadInOnePass(Exec exec, long max, long first) {
      List<Keyed> best = bestOf(in.open(exec.quiet()), exec, max, true).rows();
      return best.subList((int) Math.min(first, best.size()), best.size());
    }

    private static boolean sameKey(Object[] a, Object[] b) {
      for (int k = 0; k < a.length; k++) {
        if (Values.compareForSort(a[k], b[k], true, true) != 0) {
          return false;
        }
      }
      return true;
    }

    private Object[] key(RowCtx c, Row r, long seq) {
      c.row = r;
      c.rowNumber = seq + 1;
      Object[] key = new Object[keys.size()];
      for (int k = 0; k < key.length; k++) {
        key[k] = keys.get(k).expr().eval(c);
      }
      return key;
    }
  }

  static final class Count implements Plan {
    final Plan in;

    Count(Plan in) {
      this.in = in;
    }

    @Override
    public List<Column> columns() {
      return List.of(new Column("Count", KqlType.LONG));
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      Iterator<Row> it = in.open(exec);
      long n = 0;
      while (it.hasNext()) {
        it.next();
        n++;
      }
      return List.of(Row.of(new Object[] {n})).iterator();
    }
  }

  static final class Distinct implements Plan {
    final Plan in;
    final List<Column> columns;
    final Scalar[] exprs;

    Distinct(Plan in, List<Column> columns, Scalar[] exprs) {
      this.in = in;
      this.columns = columns;
      this.exprs = exprs;
    }

    @Override
    public List<Column> columns() {
      return columns;
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      Iterator<Row> it = in.open(exec);
      RowCtx c = new RowCtx(exec);
      Set<List<Object>> seen = new HashSet<>();
      return new Lazy<>() {
        @Override
        Row advance() {
          while (it.hasNext()) {
            c.row = it.next();
            Object[] out = new Object[exprs.length];
            for (int k = 0; k < exprs.length; k++) {
              out[k] = Values.coerce(exprs[k].eval(c), columns.get(k).type());
            }
            if (seen.add(Arrays.asList(out))) {
              return Row.of(out);
            }
          }
          return null;
        }
      };
    }
  }

  static final class Union implements Plan {
    final List<Plan> inputs;
    final List<String> sourceNames;
    final List<Column> columns;
    final int[][] maps;
    final boolean withSource;

    Union(List<Plan> inputs, List<String> sourceNames, List<Column> columns, int[][] maps, boolean withSource) {
      this.inputs = inputs;
      this.sourceNames = sourceNames;
      this.columns = columns;
      this.maps = maps;
      this.withSource = withSource;
    }

    @Override
    public List<Column> columns() {
      return columns;
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      return new Lazy<>() {
        int input = -1;
        Iterator<Row> current = Collections.emptyIterator();

        @Override
        Row advance() {
          while (!current.hasNext()) {
            if (++input >= inputs.size()) {
              return null;
            }
            current = inputs.get(input).open(exec);
          }
          Row r = current.next();
          Object[] out = new Object[columns.size()];
          int[] map = maps[input];
          for (int k = 0; k < map.length; k++) {
            out[map[k]] = Values.coerce(k < r.values().length ? r.values()[k] : null, columns.get(map[k]).type());
          }
          if (withSource) {
            out[0] = sourceNames.get(input);
          }
          return r.withValues(out);
        }
      };
    }
  }

  /** A group-by accumulator for one aggregate; its result may span several output columns (arg_max). */
  interface Accumulator {
    void add(RowCtx c);

    void result(Object[] out, int offset);
  }

  interface AggregateSpec {
    List<Column> outputs();

    Accumulator newAccumulator();
  }

  static final class Summarize implements Plan {
    final Plan in;
    final List<Column> columns;
    final Scalar[] keys;
    final List<AggregateSpec> aggregates;

    Summarize(Plan in, List<Column> columns, Scalar[] keys, List<AggregateSpec> aggregates) {
      this.in = in;
      this.columns = columns;
      this.keys = keys;
      this.aggregates = aggregates;
    }

    @Override
    public List<Column> columns() {
      return columns;
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      Iterator<Row> it = in.open(exec);
      RowCtx c = new RowCtx(exec);
      Map<List<Object>, Accumulator[]> groups = new LinkedHashMap<>();
      while (it.hasNext()) {
        c.row = it.next();
        c.rowNumber++;
        Object[] key = new Object[keys.length];
        for (int k = 0; k < keys.length; k++) {
          key[k] = Values.coerce(keys[k].eval(c), columns.get(k).type());
        }
        Accumulator[] accs = groups.computeIfAbsent(Arrays.asList(key), x -> newAccumulators());
        for (Accumulator a : accs) {
          a.add(c);
        }
      }
      if (keys.length == 0 && groups.isEmpty()) {
        groups.put(List.of(), newAccumulators()); // summarize without by always yields one row
      }
      List<Row> out = new ArrayList<>(groups.size());
      for (Map.Entry<List<Object>, Accumulator[]> g : groups.entrySet()) {
        Object[] values = new Object[columns.size()];
        for (int k = 0; k < keys.length; k++) {
          values[k] = g.getKey().get(k);
        }
        int offset = keys.length;
        for (int a = 0; a < aggregates.size(); a++) {
          g.getValue()[a].result(values, offset);
          offset += aggregates.get(a).outputs().size();
        }
        for (int k = keys.length; k < values.length; k++) {
          values[k] = Values.coerce(values[k], columns.get(k).type());
        }
        out.add(Row.of(values));
      }
      return out.iterator();
    }

    private Accumulator[] newAccumulators() {
      Accumulator[] accs = new Accumulator[aggregates.size()];
      for (int k = 0; k < accs.length; k++) {
        accs[k] = aggregates.get(k).newAccumulator();
      }
      return accs;
    }
  }

  /** A join key: values normalised so that int and long, or a dynamic number and a long, match. */
  static List<Object> joinKey(Object[] values, int[] cols) {
    List<Object> key = new ArrayList<>(cols.length);
    for (int c : cols) {
      Object v = c < values.length ? values[c] : null;
      if (v == null) {
        return null; // null keys match nothing
      }
      key.add(v instanceof Integer i ? (Object) (long) i : v);
    }
    return key;
  }

  /**
   * Hash join: the right side is read into memory, the left side streams. Kinds as in Kusto; the default
   * innerunique keeps the first left row of each key.
   */
  static final class Join implements Plan {
    final Plan left;
    final Plan right;
    final String kind;
    final int[] leftKeys;
    final int[] rightKeys;
    final List<Column> columns;

    Join(Plan left, Plan right, String kind, int[] leftKeys, int[] rightKeys, List<Column> columns) {
      this.left = left;
      this.right = right;
      this.kind = kind;
      this.leftKeys = leftKeys;
      this.rightKeys = rightKeys;
      this.columns = columns;
    }

    @Override
    public List<Column> columns() {
      return columns;
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      Map<List<Object>, List<Row>> index = new LinkedHashMap<>();
      List<Row> rightRows = new ArrayList<>();
      right.open(exec).forEachRemaining(r -> {
        rightRows.add(r);
        List<Object> k = joinKey(r.values(), rightKeys);
        if (k != null) {
          index.computeIfAbsent(k, x -> new ArrayList<>()).add(r);
        }
      });
      Set<List<Object>> matchedRight = new HashSet<>();
      Set<List<Object>> seenLeft = new HashSet<>();
      Iterator<Row> it = left.open(exec);
      int leftWidth = left.columns().size();
      int rightWidth = right.columns().size();
      return new Lazy<>() {
        Iterator<Row> pending = Collections.emptyIterator();
        Iterator<Row> rightOnly;

        @Override
        Row advance() {
          while (true) {
            if (pending.hasNext()) {
              return pending.next();
            }
            if (!it.hasNext()) {
              return tail();
            }
            Row l = it.next();
            List<Object> k = joinKey(l.values(), leftKeys);
            List<Row> matches = k == null ? List.of() : index.getOrDefault(k, List.of());
            if (!matches.isEmpty()) {
              matchedRight.add(k);
            }
            switch (kind) {
              case "leftanti":
              case "anti":
              case "leftantisemi":
                pending = matches.isEmpty() ? List.of(l).iterator() : Collections.emptyIterator();
                break;
              case "leftsemi":
                pending = matches.isEmpty() ? Collections.emptyIterator() : List.of(l).iterator();
                break;
              case "rightanti":
              case "rightantisemi":
              case "rightsemi":
                break;
              case "innerunique":
                if (k == null || !seenLeft.add(k)) {
                  break;
                }
                pending = combine(l, matches);
                break;
              case "leftouter":
              case "fullouter":
                pending = matches.isEmpty() ? List.of(pad(l, null)).iterator() : combine(l, matches);
                break;
              default: // inner, rightouter
                pending = combine(l, matches);
                break;
            }
          }
        }

        private Row tail() {
          if (rightOnly == null) {
            List<Row> rest = new ArrayList<>();
            boolean wantsRight = kind.equals("rightanti") || kind.equals("rightantisemi") || kind.equals("rightsemi")
                || kind.equals("rightouter") || kind.equals("fullouter");
            if (wantsRight) {
              for (Row r : rightRows) {
                List<Object> k = joinKey(r.values(), rightKeys);
                boolean matched = k != null && matchedRight.contains(k);
                if (kind.equals("rightsemi") ? matched : !matched) {
                  rest.add(kind.startsWith("rightanti") || kind.equals("rightsemi") ? r : pad(null, r));
                }
              }
            }
            rightOnly = rest.iterator();
          }
          return rightOnly.hasNext() ? rightOnly.next() : null;
        }

        private Iterator<Row> combine(Row l, List<Row> matches) {
          List<Row> out = new ArrayList<>(matches.size());
          for (Row r : matches) {
            out.add(pad(l, r));
          }
          return out.iterator();
        }

        private Row pad(Row l, Row r) {
          Object[] v = new Object[leftWidth + rightWidth];
          if (l != null) {
            System.arraycopy(l.values(), 0, v, 0, Math.min(leftWidth, l.values().length));
          }
          if (r != null) {
            System.arraycopy(r.values(), 0, v, leftWidth, Math.min(rightWidth, r.values().length));
          }
          for (int k = 0; k < v.length; k++) {
            v[k] = Values.coerce(v[k], columns.get(k).type());
          }
          return l != null ? l.withValues(v) : Row.of(v);
        }
      };
    }
  }

  /** mv-expand: one output row per element of an array (or per property of a bag) in one column. */
  static final class MvExpand implements Plan {
    final Plan in;
    final List<Column> columns;
    final Scalar expr;
    final int slot;

    MvExpand(Plan in, List<Column> columns, Scalar expr, int slot) {
      this.in = in;
      this.columns = columns;
      this.expr = expr;
      this.slot = slot;
    }

    @Override
    public List<Column> columns() {
      return columns;
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      Iterator<Row> it = in.open(exec);
      RowCtx c = new RowCtx(exec);
      int width = columns.size();
      KqlType type = columns.get(slot).type();
      return new Lazy<>() {
        Iterator<Row> pending = Collections.emptyIterator();

        @Override
        Row advance() {
          while (!pending.hasNext()) {
            if (!it.hasNext()) {
              return null;
            }
            Row r = it.next();
            c.row = r;
            c.rowNumber++;
            Object v = expr.eval(c);
            List<Object> items = new ArrayList<>();
            if (v instanceof List<?> l) {
              items.addAll(l);
            } else if (v instanceof Map<?, ?> m) {
              m.forEach((k, x) -> {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put(String.valueOf(k), x);
                items.add(one);
              });
            } else {
              items.add(v);
            }
            List<Row> out = new ArrayList<>(items.size());
            for (Object item : items) {
              Object[] values = Arrays.copyOf(r.values(), width);
              values[slot] = Values.coerce(item, type);
              out.add(r.withValues(values));
            }
            pending = out.iterator();
          }
          return pending.next();
        }
      };
    }
  }

  /** range x from a to b step s, over longs, reals, datetimes or timespans. */
  static final class Range implements Plan {
    final List<Column> columns;
    final Scalar from;
    final Scalar to;
    final Scalar step;

    Range(String column, Scalar from, Scalar to, Scalar step) {
      this.columns = List.of(new Column(column, from.type()));
      this.from = from;
      this.to = to;
      this.step = step;
    }

    @Override
    public List<Column> columns() {
      return columns;
    }

    @Override
    public Iterator<Row> open(Exec exec) {
      RowCtx c = exec.constantContext();
      Object start = from.eval(c);
      Object end = to.eval(c);
      Object inc = step.eval(c);
      KqlType t = columns.get(0).type();
      return new Lazy<>() {
        Object cur = start;

        @Override
        Row advance() {
          if (cur == null || end == null || inc == null || Values.compare(cur, end) > 0) {
            return null;
          }
          Object v = Values.coerce(cur, t);
          cur = Arith.apply("+", cur, inc);
          if (inc instanceof Duration d && d.isZero() || inc instanceof Number n && n.doubleValue() == 0) {
            cur = null;
          }
          return Row.of(new Object[] {v});
        }
      };
    }
  }
}
