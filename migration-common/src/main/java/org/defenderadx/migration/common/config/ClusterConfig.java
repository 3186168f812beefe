package org.defenderadx.migration.common.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Hazelcast clustering and the timings that bound a takeover. Open-source Hazelcast has no member authentication or
 * TLS: membership rests on network isolation (bind host, member list, network policy). The Vert.x event bus between
 * nodes can be encrypted and mutually authenticated ({@link EventBusTls}).
 *
 * @param members host:port of the other members (TCP-IP join; multicast is off)
 * @param hazelcastConfig the base Hazelcast XML ({@code conf/cluster.xml}); empty: the copy on the class path
 * @param heartbeat how often members heartbeat each other and the active coordinator renews its lease
 * @param memberTimeout how long a member may miss heartbeats before the others remove it
 * @param leaseTtl how long the coordinator's lease lasts unless renewed: a takeover happens within about this long
 *     after the coordinator's node stopped renewing (plus {@code memberTimeout} when its node died)
 * @param tableLeaseTtl how long a table's lease lasts unless renewed by the node exporting it
 * @param eventBusPort the event bus's own TCP port between nodes; 0 picks a free one
 * @param roles what this node does: plan as (standby) coordinator, export tables, or both (the default)
 */
public record ClusterConfig(boolean enabled, String name, String host, int port, List<String> members,
                            Optional<String> hazelcastConfig, Duration heartbeat, Duration memberTimeout,
                            Duration leaseTtl, Duration tableLeaseTtl, int eventBusPort, EventBusTls eventBusTls,
                            Set<NodeRole> roles) {

  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_MEMBER_TIMEOUT = Duration.ofSeconds(15);
  public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(15);
  public static final Duration DEFAULT_TABLE_LEASE_TTL = Duration.ofMinutes(2);

  public ClusterConfig {
    members = List.copyOf(members);
    roles = Set.copyOf(roles);
  }

  /**
   * A node's roles. A table worker fetches from Defender and ingests into ADX (one role: the two run together, with
   * a node-wide bound on the bytes between them); adding exporter nodes adds fetch and ingestion capacity.
   */
  public enum NodeRole {
    COORDINATOR("coordinator"), EXPORTER("exporter");

    private final String configName;

    NodeRole(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }

    public static Optional<NodeRole> fromConfig(String name) {
      for (NodeRole r : values()) {
        if (r.configName.equals(name)) {
          return Optional.of(r);
        }
      }
      return Optional.empty();
    }
  }

  public static final Set<NodeRole> ALL_ROLES = Set.of(NodeRole.COORDINATOR, NodeRole.EXPORTER);

  public boolean has(NodeRole role) {
    return roles.contains(role);
  }

  /** A node on its own: no clustering, default timings (the single-node code path uses the same leases). */
  public static ClusterConfig standalone() {
    return new ClusterConfig(false, "defender-adx-migration", "127.0.0.1", 5701, List.of(), Optional.empty(),
        DEFAULT_HEARTBEAT, DEFAULT_MEMBER_TIMEOUT, DEFAULT_LEASE_TTL, DEFAULT_TABLE_LEASE_TTL, 0, EventBusTls.OFF,
        ALL_ROLES);
  }

  /**
   * TLS on the event bus between nodes, with client certificates required: a peer must present a certificate signed
   * by {@code caFile}, so the event bus is both encrypted and limited to holders of such a certificate.
   *
   * @param keyFile PEM private key of this node (PKCS#8)
   * @param certFile PEM certificate (chain) of this node
   * @param caFile PEM certificate(s) of the authority that signed every node's certificate
   */
  public record EventBusTls(boolean enabled, String keyFile, String certFile, String caFile) {
    public static final EventBusTls OFF = new EventBusTls(false, "", "", "");
  }
}
