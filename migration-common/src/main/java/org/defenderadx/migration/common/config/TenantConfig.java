package org.defenderadx.migration.common.config;

import java.net.URI;

/**
 * One Defender tenant to export.
 *
 * @param key           our name for it, stored as {@code TenantId} in ADX; {@code ""} is the default tenant (the
 *                      one rows written by the original script belong to)
 * @param tenantId      the Entra ID tenant (directory) id
 * @param authorityHost e.g. {@code https://login.microsoftonline.com}
 */
public record TenantConfig(String key, String tenantId, URI authorityHost, CredentialConfig credential, ApiConfig api) {
}
