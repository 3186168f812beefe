package org.defenderadx.simulator.adx.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.defenderadx.simulator.kql.StoredRow;
import org.defenderadx.simulator.kql.TableSource;

/**
 * A table of the ADX stand-in: a schema that only grows at the end, and a list of extents. Readers see a
 * consistent snapshot (the extent list is replaced, never mutated); writers are serialised by the table's lock.
 */
public final class Table implements TableSource {
  private final String name;
  private final boolean digestOnly;
  private volatile List<Column> columns;
  private volatile String folder;
  private volatile String docString;
  private volatile List<Extent> extents = List.of();
  private final Map<String, IngestionMapping> mappings = new ConcurrentHashMap<>();
  private final Map<String, String> policies = new ConcurrentHashMap<>();

  Table(String name, List<Column> columns, String folder, String docString, boolean digestOnly) {
    this.name = name;
    this.columns = List.copyOf(columns);
    this.folder = folder;
    this.docString = docString;
    this.digestOnly = digestOnly;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<Column> columns() {
    return columns;
  }

  public Optional<Column> column(String columnName) {
    return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
  }

  public String folder() {
    return folder;
  }

  public String docString() {
    return docString;
  }

  /** True when this table keeps only row digests and counts (benchmark storage). */
  public boolean digestOnly() {
    return digestOnly;
  }

  public List<Extent> extents() {
    return extents;
  }

  public long rowCount() {
    long n = 0;
    for (Extent e : extents) {
      n += e.rowCount();
    }
    return n;
  }

  /** Every row's digest across all extents, in extent order. */
  public long[] digests() {
    List<Extent> snapshot = extents;
    long[] all = new long[(int) snapshot.stream().mapToLong(Extent::rowCount).sum()];
    int at = 0;
    for (Extent e : snapshot) {
      System.arraycopy(e.digests(), 0, all, at, e.digests().length);
      at += e.digests().length;
    }
    return all;
  }

  /** The rows in extent order, each as column name → value (for test assertions). */
  public List<Map<String, Object>> rowsAsMaps() {
    List<Column> cols = columns;
    List<Map<String, Object>> out = new ArrayList<>();
    Iterator<StoredRow> it = scan(IngestionTimeRange.ALL);
    while (it.hasNext()) {
      StoredRow r = it.next();
      Map<String, Object> m = new LinkedHashMap<>();
      for (int i = 0; i < cols.size(); i++) {
        m.put(cols.get(i).name(), r.value(i));
      }
      out.add(m);
    }
    return out;
  }

  public boolean hasExtentTagged(String tag) {
    for (Extent e : extents) {
      if (e.hasTag(tag)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Iterator<StoredRow> scan(IngestionTimeRange hint) {
    List<Extent> snapshot = extents;
    return new Iterator<>() {
      private int extentIndex = -1;
      private Iterator<StoredRow> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext()) {
          extentIndex++;
          if (extentIndex >= snapshot.size()) {
            return false;
          }
          Extent e = snapshot.get(extentIndex);
          if (hint.contains(e.createdOn())) {
            current = e.rows() != null ? materialised(e.rows().iterator()) : placeholderRows(e);
          }
        }
        return true;
      }

      @Override
      public StoredRow next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }

  /** Rows with their {@link DynamicJson} cells parsed into trees, as the engine expects dynamic values. */
  public static Iterator<StoredRow> materialised(Iterator<StoredRow> rows) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public StoredRow next() {
        StoredRow r = rows.next();
        Object[] v = r.values();
        Object[] parsed = null;
        for (int i = 0; i < v.length; i++) {
          if (v[i] instanceof DynamicJson d) {
            if (parsed == null) {
              parsed = v.clone();
            }
            parsed[i] = d.tree();
          }
        }
        return parsed == null ? r : new StoredRow(parsed, r.ingestionTime(), r.extentTags());
      }
    };
  }

  /** Digest-only extents still answer counts: their rows read as all-null values. */
  private static Iterator<StoredRow> placeholderRows(Extent e) {
    StoredRow empty = new StoredRow(new Object[0], e.createdOn(), e.tags());
    return new Iterator<>() {
      private long left = e.rowCount();

      @Override
      public boolean hasNext() {
        return left > 0;
      }

      @Override
      public StoredRow next() {
        if (left-- <= 0) {
          throw new NoSuchElementException();
        }
        return empty;
      }
    };
  }

  public Optional<IngestionMapping> mapping(String kind, String mappingName) {
    return Optional.ofNullable(mappings.get(mappingKey(kind, mappingName)));
  }

  public List<IngestionMapping> mappings() {
    return List.copyOf(mappings.values());
  }

  public Map<String, String> policies() {
    return Map.copyOf(policies);
  }

  public Optional<String> policy(String policyName) {
    return Optional.ofNullable(policies.get(policyName.toLowerCase(Locale.ROOT)));
  }

  // --- mutations: called by Database, which journals them

  synchronized void mergeColumns(List<Column> wanted, String newFolder, String newDocString) {
    List<Column> merged = new ArrayList<>(columns);
    for (Column c : wanted) {
      Optional<Column> existing = merged.stream().filter(e -> e.name().equals(c.name())).findFirst();
      if (existing.isEmpty()) {
        merged.add(c);
      } else if (existing.get().type() != c.type()) {
        throw new IllegalArgumentException("Column '" + c.name() + "' of table '" + name + "' is of type '"
            + existing.get().type().kqlName() + "' and cannot be changed to '" + c.type().kqlName() + "'");
      }
    }
    columns = List.copyOf(merged);
    if (newFolder != null) {
      folder = newFolder;
    }
    if (newDocString != null) {
      docString = newDocString;
    }
  }

  synchronized void replaceColumns(List<Column> newColumns) {
    columns = List.copyOf(newColumns);
  }

  synchronized void addExtent(Extent e) {
    List<Extent> next = new ArrayList<>(extents);
    next.add(e);
    extents = List.copyOf(next);
  }

  synchronized List<Extent> dropExtents(Predicate<Extent> which) {
    List<Extent> keep = new ArrayList<>();
    List<Extent> dropped = new ArrayList<>();
    for (Extent e : extents) {
      (which.test(e) ? dropped : keep).add(e);
    }
    extents = List.copyOf(keep);
    return dropped;
  }

  /** Drops {@code drop} and appends {@code add} in one assignment, so a reader sees the extents before or after. */
  synchronized void swapExtents(Set<UUID> drop, List<Extent> add) {
    List<Extent> next = new ArrayList<>();
    for (Extent e : extents) {
      if (!drop.contains(e.id())) {
        next.add(e);
      }
    }
    next.addAll(add);
    extents = List.copyOf(next);
  }

  void putMapping(IngestionMapping m) {
    mappings.put(mappingKey(m.kind(), m.name()), m);
  }

  boolean dropMapping(String kind, String mappingName) {
    return mappings.remove(mappingKey(kind, mappingName)) != null;
  }

  void putPolicy(String policyName, String json) {
    policies.put(policyName.toLowerCase(Locale.ROOT), json);
  }

  private static String mappingKey(String kind, String mappingName) {
    return kind.toLowerCase(Locale.ROOT) + "|" + mappingName;
  }
}
