package org.defenderadx.migration.common.config;

import java.net.URI;

/**
 * The ADX database that holds the exported rows and the migration state.
 *
 * @param blobTargetBytes uncompressed bytes at which a window's blob is cut (a window larger than this is split)
 */
public record AdxConfig(URI clusterUrl, URI ingestUrl, String database, IngestionMode ingestionMode,
                        long blobTargetBytes, String authorityHost, String tenantId, CredentialConfig credential) {
}
