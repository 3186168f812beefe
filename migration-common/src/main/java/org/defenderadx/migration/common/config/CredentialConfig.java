package org.defenderadx.migration.common.config;

import java.util.Optional;

/**
 * Credentials for one Entra ID principal.
 *
 * @param clientId              the app registration's (or user-assigned managed identity's) client id; empty for a
 *                              system-assigned managed identity or for {@link CredentialKind#NONE}
 * @param clientSecret          for {@link CredentialKind#CLIENT_SECRET}
 * @param certificatePath       PEM or PFX file for {@link CredentialKind#CLIENT_CERTIFICATE}
 * @param certificatePassword   PFX password, if any
 * @param federatedTokenFile    for {@link CredentialKind#WORKLOAD_IDENTITY}; empty = {@code AZURE_FEDERATED_TOKEN_FILE}
 */
public record CredentialConfig(
    CredentialKind kind,
    String clientId,
    Optional<Secret> clientSecret,
    Optional<String> certificatePath,
    Optional<Secret> certificatePassword,
    Optional<String> federatedTokenFile) {
}
