package org.defenderadx.migration.common.config;

import java.net.URI;

/**
 * The ADX database that holds the exported rows and the migration state.
 *
 * @param blobTargetBytes   room a window reserves in the in-flight budget before it is fetched (a complete answer is
 *                          kept whatever its blob's size: it is never fetched again for that)
 * @param maxInFlightBytes  bytes of blobs a node holds at once, fetched or being fetched and not yet confirmed by ADX,
 *                          across all its tables; at least {@code blobTargetBytes}
 * @param tablePolicies     typed tables on or off, retention and hot-cache policies of raw and typed tables
 */
public record AdxConfig(URI clusterUrl, URI ingestUrl, String database, IngestionMode ingestionMode,
                        long blobTargetBytes, String authorityHost, String tenantId, CredentialConfig credential,
                        long maxInFlightBytes, TablePolicies tablePolicies) {

  /** The default of {@code adx.maxInFlightSize}. */
  public static final long DEFAULT_MAX_IN_FLIGHT_BYTES = 512_000_000L; // "512MB": sizes are decimal

  /** With the default in-flight budget. */
  public AdxConfig(URI clusterUrl, URI ingestUrl, String database, IngestionMode ingestionMode, long blobTargetBytes,
                   String authorityHost, String tenantId, CredentialConfig credential) {
    this(clusterUrl, ingestUrl, database, ingestionMode, blobTargetBytes, authorityHost, tenantId, credential,
        Math.max(DEFAULT_MAX_IN_FLIGHT_BYTES, blobTargetBytes), TablePolicies.standard());
  }

  /** With the given table policies instead. */
  public AdxConfig withTablePolicies(TablePolicies policies) {
    return new AdxConfig(clusterUrl, ingestUrl, database, ingestionMode, blobTargetBytes, authorityHost, tenantId,
        credential, maxInFlightBytes, policies);
  }
}
