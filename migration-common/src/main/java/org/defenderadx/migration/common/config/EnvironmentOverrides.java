package org.defenderadx.migration.common.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Applies {@code MIGRATION_...} environment variables over a configuration tree. The variable name is the key path
 * in upper snake case ({@code MIGRATION_ADX_CLUSTER_URL} → {@code adx.clusterUrl}); camel-case keys are matched by
 * their letters, so the path is found whether or not the file spells the key out. A variable that matches no key is
 * an error, like an unknown key in the file.
 */
public final class EnvironmentOverrides {
  private EnvironmentOverrides() {
  }

  /** Returns a deep copy of {@code tree} with the overrides applied. */
  public static Map<String, Object> apply(Map<String, ?> tree, Map<String, String> environment) {
    Map<String, Object> root = deepCopy(tree);
    List<String> problems = new ArrayList<>();
    // Sorted so that tenants[0] is created before tenants[1], and the result is independent of map order.
    for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
      if (!e.getKey().startsWith(ConfigKeys.ENV_PREFIX) || e.getKey().equals(ConfigKeys.OPS_TOKEN_DEFAULT_ENV)) {
        continue;
      }
      List<String> tokens = Arrays.asList(
          e.getKey().substring(ConfigKeys.ENV_PREFIX.length()).toLowerCase(Locale.ROOT).split("_"));
      if (!set(root, tokens, e.getValue())) {
        problems.add(e.getKey() + ": matches no configuration key");
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return root;
  }

  @SuppressWarnings("unchecked")
  private static boolean set(Map<String, Object> node, List<String> tokens, String value) {
    for (int take = tokens.size(); take >= 1; take--) {
      String joined = String.join("", tokens.subList(0, take));
      Optional<String> key = matchKey(node, joined);
      if (key.isEmpty()) {
        continue;
      }
      List<String> rest = tokens.subList(take, tokens.size());
      Object child = node.get(key.get());
      if (rest.isEmpty()) {
        if (child instanceof Map) {
          return false;
        }
        node.put(key.get(), ConfigKeys.STRING_LISTS.contains(key.get()) || child instanceof List
            ? splitList(value) : value);
        return true;
      }
      if (key.get().equals(ConfigKeys.TENANTS)) {
        List<Object> list = child instanceof List ? (List<Object>) child : new ArrayList<>();
        node.put(key.get(), list);
        return setInList(list, rest, value);
      }
      Map<String, Object> map = child instanceof Map ? (Map<String, Object>) child : new LinkedHashMap<>();
      if (!(child instanceof Map) && child != null) {
        return false;
      }
      if (set(map, rest, value)) {
        node.put(key.get(), map);
        return true;
      }
    }
    return false;
  }

  @SuppressWarnings("unchecked")
  private static boolean setInList(List<Object> list, List<String> tokens, String value) {
    int index;
    try {
      index = Integer.parseInt(tokens.get(0));
    } catch (NumberFormatException e) {
      return false;
    }
    if (index < 0 || index > list.size() || tokens.size() < 2) {
      return false;
    }
    if (index == list.size()) {
      list.add(new LinkedHashMap<String, Object>());
    }
    Object element = list.get(index);
    return element instanceof Map && set((Map<String, Object>) element, tokens.subList(1, tokens.size()), value);
  }

  private static Optional<String> matchKey(Map<String, Object> node, String lettersLowercase) {
    for (String k : node.keySet()) {
      if (normalise(k).equals(lettersLowercase)) {
        return Optional.of(k);
      }
    }
    return ConfigKeys.ALL.stream().filter(k -> normalise(k).equals(lettersLowercase)).findFirst();
  }

  private static String normalise(String key) {
    return key.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
  }

  private static List<String> splitList(String value) {
    List<String> out = new ArrayList<>();
    for (String s : value.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> deepCopy(Map<String, ?> map) {
    Map<String, Object> copy = new LinkedHashMap<>();
    map.forEach((k, v) -> copy.put(k, copyValue(v)));
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static Object copyValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      return deepCopy((Map<String, ?>) m);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(e -> out.add(copyValue(e)));
      return out;
    }
    return v;
  }
}
