package org.defenderadx.migration.common.config;

import java.util.Optional;

/**
 * The node's ops HTTP server (/health, /metrics, /api/status, status page). Port 0 picks a free one.
 *
 * @param token from the environment variable {@code http.tokenEnv} or the file {@code http.tokenFile}: when present,
 *     {@code /api/status} and {@code /metrics} answer only requests bearing it ({@code Authorization: Bearer});
 *     the health endpoints stay open for probes. Empty: every endpoint is open, as the bind host must then protect
 */
public record HttpConfig(String host, int port, Optional<Secret> token) {
}
