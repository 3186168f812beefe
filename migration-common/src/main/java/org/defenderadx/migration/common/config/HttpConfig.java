package org.defenderadx.migration.common.config;

/** The node's ops HTTP server (/health, /metrics, status page). Port 0 picks a free one. */
public record HttpConfig(String host, int port) {
}
