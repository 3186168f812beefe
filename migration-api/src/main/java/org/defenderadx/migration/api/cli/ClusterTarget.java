package org.defenderadx.migration.api.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.defenderadx.migration.common.config.ConfigKeys;
import org.yaml.snakeyaml.Yaml;

/**
 * Which cluster migrationctl joins: the cluster name and the members to join through, from the node's
 * configuration file (its {@code cluster} section only: the CLI host need not hold the node's other secrets) or from
 * the command line.
 *
 * @param bindHost the interface the CLI's lite member binds to
 */
public record ClusterTarget(String name, List<String> members, String bindHost) {

  /** The configuration file does not let the CLI join (clustering off, or the file is unreadable). */
  public static final class Unusable extends Exception {
    public Unusable(String message) {
      super(message);
    }
  }

  /** Reads the {@code cluster} section of a node's configuration file. */
  @SuppressWarnings("unchecked")
  public static ClusterTarget fromConfig(Path file) throws Unusable {
    Map<String, Object> root;
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      Object loaded = new Yaml().load(r);
      root = loaded instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    } catch (IOException | RuntimeException e) {
      throw new Unusable("cannot read " + file.toAbsolutePath() + ": " + e.getMessage());
    }
    Object section = root.get(ConfigKeys.CLUSTER);
    Map<String, Object> cluster = section instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    if (!Boolean.parseBoolean(String.valueOf(cluster.getOrDefault(ConfigKeys.CLUSTER_ENABLED, "false")))) {
      throw new Unusable(file + " has " + ConfigKeys.CLUSTER + "." + ConfigKeys.CLUSTER_ENABLED + ": false. "
          + "migrationctl reaches clustered nodes only (it joins the cluster as a lite member); a node with "
          + "clustering off serves its local event bus alone");
    }
    String name = String.valueOf(cluster.getOrDefault(ConfigKeys.CLUSTER_NAME, "defender-adx-migration"));
    String host = String.valueOf(cluster.getOrDefault(ConfigKeys.CLUSTER_HOST, "127.0.0.1"));
    String port = String.valueOf(cluster.getOrDefault(ConfigKeys.CLUSTER_PORT, "5701"));
    List<String> members = new ArrayList<>();
    if (cluster.get(ConfigKeys.CLUSTER_MEMBERS) instanceof List<?> l) {
      l.forEach(m -> members.add(String.valueOf(m)));
    }
    // The node itself, as the node adds it when no members are listed.
    members.add(0, host + ":" + port);
    return new ClusterTarget(name, members, host);
  }

  public static ClusterTarget of(String name, String commaSeparatedMembers, String bindHost) {
    List<String> members = new ArrayList<>();
    for (String m : commaSeparatedMembers.split(",")) {
      if (!m.isBlank()) {
        members.add(m.trim());
      }
    }
    return new ClusterTarget(name, members, bindHost);
  }
}
