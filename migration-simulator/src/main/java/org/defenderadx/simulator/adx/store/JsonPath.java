package org.defenderadx.simulator.adx.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The JSON paths ingestion mappings use: {@code $}, {@code $.a.b}, {@code $['a b']}, {@code $.a[0]}. */
public final class JsonPath {
  private final String text;
  private final List<Object> steps;

  private JsonPath(String text, List<Object> steps) {
    this.text = text;
    this.steps = steps;
  }

  public static JsonPath compile(String text) {
    String t = text.trim();
    if (!t.startsWith("$")) {
      throw new IllegalArgumentException("JSON path must start with '$': " + text);
    }
    List<Object> steps = new ArrayList<>();
    int i = 1;
    while (i < t.length()) {
      char c = t.charAt(i);
      if (c == '.') {
        int j = i + 1;
        while (j < t.length() && t.charAt(j) != '.' && t.charAt(j) != '[') {
          j++;
        }
        steps.add(t.substring(i + 1, j));
        i = j;
      } else if (c == '[') {
        int end = t.indexOf(']', i);
        if (end < 0) {
          throw new IllegalArgumentException("Unclosed '[' in JSON path: " + text);
        }
        String inner = t.substring(i + 1, end).trim();
        if (inner.startsWith("'") || inner.startsWith("\"")) {
          steps.add(inner.substring(1, inner.length() - 1));
        } else {
          steps.add(Integer.valueOf(inner));
        }
        i = end + 1;
      } else {
        throw new IllegalArgumentException("Unexpected '" + c + "' in JSON path: " + text);
      }
    }
    return new JsonPath(t, List.copyOf(steps));
  }

  public boolean isRoot() {
    return steps.isEmpty();
  }

  /** The value at this path in a plain JSON tree, or null when absent. */
  public Object evaluate(Object root) {
    Object cur = root;
    for (Object step : steps) {
      if (step instanceof String key && cur instanceof Map<?, ?> m) {
        cur = m.get(key);
      } else if (step instanceof Integer idx && cur instanceof List<?> l) {
        cur = idx >= 0 && idx < l.size() ? l.get(idx) : null;
      } else {
        return null;
      }
    }
    return cur;
  }

  @Override
  public String toString() {
    return text;
  }
}
