package org.defenderadx.migration.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No two packages of the shipped code (the modules the production jar is built from) depend on each other, directly
 * or around a loop: each package can be read, tested and moved with only what it imports below it. Read from the
 * sources (imports and fully qualified names alike), so a new cycle fails the build where it is made. The simulators
 * are test equipment, not shipped, and are not held to this.
 */
class PackageCyclesTest {

  private static final List<String> SHIPPED = List.of("migration-common", "migration-api", "migration-worker");
  private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
  /** A reference to a type of ours: lower-case package segments, then a capitalised type name. */
  private static final Pattern REFERENCE = Pattern.compile("\\b(org\\.defenderadx\\.[a-z0-9_.]+?)\\.[A-Z]");

  @Test
  void theProductionPackagesFormNoCycle() throws IOException {
    Map<String, Set<String>> uses = dependencies(Path.of("..").toAbsolutePath().normalize());
    assertThat(uses).as("packages read").containsKeys("org.defenderadx.migration.api.bus",
        "org.defenderadx.migration.worker.export",
        "org.defenderadx.migration.worker.ingest", "org.defenderadx.migration.worker.ops",
        "org.defenderadx.migration.common.model");

    assertThat(cycles(uses)).as("package cycles").isEmpty();
  }

  @Test
  void aCycleIsFound() {
    Map<String, Set<String>> uses = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
    assertThat(cycles(uses)).containsExactly(List.of("a", "b", "c"));
  }

  /** Package -> the other packages of ours its classes refer to, over the shipped modules' src/main/java. */
  private static Map<String, Set<String>> dependencies(Path project) throws IOException {
    Map<String, Set<String>> uses = new TreeMap<>();
    try (Stream<Path> modules = Files.list(project)) {
      for (Path module : modules.filter(m -> SHIPPED.contains(m.getFileName().toString())).toList()) {
        try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
          files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
            String text = read(f);
            Matcher p = PACKAGE.matcher(text);
            if (!p.find()) {
              return;
            }
            Set<String> used = uses.computeIfAbsent(p.group(1), k -> new TreeSet<>());
            Matcher r = REFERENCE.matcher(text);
            while (r.find()) {
              if (!r.group(1).equals(p.group(1))) {
                used.add(r.group(1));
              }
            }
          });
        }
      }
    }
    return uses;
  }

  /** The strongly connected groups of more than one package (Tarjan), each sorted. */
  static List<List<String>> cycles(Map<String, Set<String>> uses) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<List<String>> found = new ArrayList<>();
    int[] counter = {0};
    for (String p : new TreeSet<>(uses.keySet())) {
      if (!index.containsKey(p)) {
        connect(p, uses, index, low, stack, onStack, found, counter);
      }
    }
    return found;
  }

  private static void connect(String p, Map<String, Set<String>> uses, Map<String, Integer> index,
                              Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                              List<List<String>> found, int[] counter) {
    index.put(p, counter[0]);
    low.put(p, counter[0]++);
    stack.push(p);
    onStack.add(p);
    for (String q : uses.getOrDefault(p, Set.of())) {
      if (!index.containsKey(q)) {
        connect(q, uses, index, low, stack, onStack, found, counter);
        low.put(p, Math.min(low.get(p), low.get(q)));
      } else if (onStack.contains(q)) {
        low.put(p, Math.min(low.get(p), index.get(q)));
      }
    }
    if (low.get(p).equals(index.get(p))) {
      List<String> group = new ArrayList<>();
      String q;
      do {
        q = stack.pop();
        onStack.remove(q);
        group.add(q);
      } while (!q.equals(p));
      if (group.size() > 1) {
        group.sort(null);
        found.add(group);
      }
    }
  }

  private static String read(Path f) {
    try {
      return Files.readString(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
