package org.defenderadx.simulator.querycompat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The hunting queries that are run on both the Defender simulator and the typed ADX tables and whose results
 * are compared, read from {@value #RESOURCE}.
 *
 * <p>File format: queries separated by blank lines; each starts with a {@code // name: ShortName} line,
 * optionally followed by {@code // why: ...} and {@code // expect: empty ...} lines. A block without a name
 * line is commentary and is skipped.
 */
public final class HuntingQueryCorpus {

  public static final String RESOURCE = "/query-compat/hunting-queries.kql";

  private static final String NAME = "// name:";
  private static final String WHY = "// why:";
  private static final String EXPECT_EMPTY = "// expect: empty";

  /**
   * One query of the corpus.
   *
   * @param name       short unique name, for test reports
   * @param kql        the query text, header comments removed
   * @param mayBeEmpty true when the query is marked {@code // expect: empty}: an empty result is legitimate
   */
  public record HuntingQuery(String name, String kql, boolean mayBeEmpty) {
    public HuntingQuery(String name, String kql) {
      this(name, kql, false);
    }
  }

  private HuntingQueryCorpus() {
  }

  /** The corpus in file order. */
  public static List<HuntingQuery> load() {
    try (InputStream in = HuntingQueryCorpus.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("hunting query corpus " + RESOURCE + " is not on the class path");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + RESOURCE, e);
    }
  }

  /** Parses corpus text; fails on a nameless query body, a duplicate name or a name without a query. */
  public static List<HuntingQuery> parse(String text) {
    List<HuntingQuery> queries = new ArrayList<>();
    Set<String> names = new HashSet<>();
    String[] lines = text.split("\r?\n", -1);
    int i = 0;
    while (i < lines.length) {
      if (lines[i].isBlank()) {
        i++;
        continue;
      }
      int blockStart = i;
      while (i < lines.length && !lines[i].isBlank()) {
        i++;
      }
      HuntingQuery q = block(lines, blockStart, i);
      if (q != null) {
        if (!names.add(q.name())) {
          throw new IllegalArgumentException("hunting query corpus: duplicate name '" + q.name() + "' at line "
              + (blockStart + 1));
        }
        queries.add(q);
      }
    }
    return List.copyOf(queries);
  }

  /** One blank-line-delimited block: a query with its header, or commentary (null). */
  private static HuntingQuery block(String[] lines, int from, int to) {
    String name = null;
    boolean mayBeEmpty = false;
    int i = from;
    for (; i < to && lines[i].trim().startsWith("//"); i++) {
      String line = lines[i].trim();
      if (line.startsWith(NAME)) {
        name = line.substring(NAME.length()).trim();
      } else if (line.startsWith(EXPECT_EMPTY)) {
        mayBeEmpty = true;
      } else if (!line.startsWith(WHY) && name != null) {
        break; // an ordinary comment after the header belongs to the query
      }
    }
    StringBuilder kql = new StringBuilder();
    for (int k = i; k < to; k++) {
      kql.append(lines[k]).append('\n');
    }
    if (name == null) {
      if (i < to) {
        throw new IllegalArgumentException("hunting query corpus: query without a '// name:' line at line "
            + (from + 1));
      }
      return null;
    }
    if (name.isEmpty() || kql.isEmpty()) {
      throw new IllegalArgumentException("hunting query corpus: empty name or query at line " + (from + 1));
    }
    return new HuntingQuery(name, kql.toString().strip(), mayBeEmpty);
  }
}
