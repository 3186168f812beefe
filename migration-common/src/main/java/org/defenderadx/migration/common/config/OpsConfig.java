package org.defenderadx.migration.common.config;

import java.util.Optional;

/**
 * The ops surface (migrationctl over the event bus). Commands carry a token that nodes compare with this one; with
 * no token configured every ops command is refused.
 *
 * @param token from the environment variable {@code ops.tokenEnv} (default {@value ConfigKeys#OPS_TOKEN_DEFAULT_ENV})
 *     or the file {@code ops.tokenFile}
 */
public record OpsConfig(Optional<Secret> token) {
  public static OpsConfig none() {
    return new OpsConfig(Optional.empty());
  }
}
