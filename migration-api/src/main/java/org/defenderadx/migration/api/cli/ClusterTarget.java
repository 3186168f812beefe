package org.defenderadx.migration.api.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.defenderadx.migration.common.config.ClusterConfig;
import org.defenderadx.migration.common.config.ConfigKeys;
import org.yaml.snakeyaml.Yaml;

/**
 * Which cluster migrationctl joins: the cluster name, the members to join through and the event bus's TLS, from the
 * node's configuration file (its {@code cluster} section only: the CLI host need not hold the node's other secrets)
 * or from the command line.
 *
 * @param bindHost the interface the CLI's lite member binds to
 * @param tls the event bus's TLS ({@code cluster.tls}): nodes with it on answer only peers presenting a certificate
 *     of their authority
 */
public record ClusterTarget(String name, List<String> members, String bindHost, ClusterConfig.EventBusTls tls) {

  public ClusterTarget {
    members = List.copyOf(members);
  }

  public ClusterTarget withBindHost(String host) {
    return new ClusterTarget(name, members, host, tls);
  }

  public ClusterTarget withTls(ClusterConfig.EventBusTls eventBusTls) {
    return new ClusterTarget(name, members, bindHost, eventBusTls);
  }

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
    return new ClusterTarget(name, members, host, tls(file, cluster.get(ConfigKeys.CLUSTER_TLS)));
  }

  /** The {@code cluster.tls} section, as the node reads it: with {@code enabled: true}, all three files. */
  @SuppressWarnings("unchecked")
  private static ClusterConfig.EventBusTls tls(Path file, Object section) throws Unusable {
    Map<String, Object> tls = section instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    if (!Boolean.parseBoolean(String.valueOf(tls.getOrDefault(ConfigKeys.TLS_ENABLED, "false")))) {
      return ClusterConfig.EventBusTls.OFF;
    }
    String[] paths = new String[3];
    String[] keys = {ConfigKeys.TLS_KEY_FILE, ConfigKeys.TLS_CERT_FILE, ConfigKeys.TLS_CA_FILE};
    for (int i = 0; i < keys.length; i++) {
      Object v = tls.get(keys[i]);
      if (v == null || String.valueOf(v).isBlank()) {
        throw new Unusable(file + ": " + ConfigKeys.CLUSTER + "." + ConfigKeys.CLUSTER_TLS + "." + keys[i]
            + " is missing; event-bus TLS needs a key, a certificate and the cluster's authority");
      }
      paths[i] = String.valueOf(v);
    }
    return tls(paths[0], paths[1], paths[2]);
  }

  /** Event-bus TLS with these PEM files (key, certificate, the cluster's authority), each readable here. */
  public static ClusterConfig.EventBusTls tls(String keyFile, String certFile, String caFile) throws Unusable {
    for (String f : List.of(keyFile, certFile, caFile)) {
      if (!Files.isReadable(Path.of(f))) {
        throw new Unusable("event-bus TLS: cannot read " + Path.of(f).toAbsolutePath());
      }
    }
    return new ClusterConfig.EventBusTls(true, keyFile, certFile, caFile);
  }

  public static ClusterTarget of(String name, String commaSeparatedMembers, String bindHost) {
    List<String> members = new ArrayList<>();
    for (String m : commaSeparatedMembers.split(",")) {
      if (!m.isBlank()) {
        members.add(m.trim());
      }
    }
    return new ClusterTarget(name, members, bindHost, ClusterConfig.EventBusTls.OFF);
  }
}
