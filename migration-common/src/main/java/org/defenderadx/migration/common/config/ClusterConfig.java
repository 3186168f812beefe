package org.defenderadx.migration.common.config;

import java.util.List;

/**
 * Hazelcast clustering. Open-source Hazelcast has no member authentication: membership rests on network isolation
 * (bind host, member list, network policy).
 *
 * @param members host:port of the other members (TCP-IP join; multicast is off)
 */
public record ClusterConfig(boolean enabled, String name, String host, int port, List<String> members) {
}
