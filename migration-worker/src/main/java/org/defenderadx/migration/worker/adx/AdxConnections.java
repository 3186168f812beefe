package org.defenderadx.migration.worker.adx;

import com.azure.core.credential.TokenCredential;
import com.microsoft.azure.kusto.data.auth.ConnectionStringBuilder;
import java.util.Optional;
import org.defenderadx.migration.common.config.AdxConfig;
import org.defenderadx.migration.worker.auth.AzureCredentials;

/** Kusto SDK connection strings for the configured cluster, with the configured credential. */
public final class AdxConnections {
  private AdxConnections() {
  }

  public static ConnectionStringBuilder engine(AdxConfig adx) {
    return forUrl(adx.clusterUrl().toString(), adx);
  }

  public static ConnectionStringBuilder ingestion(AdxConfig adx) {
    return forUrl(adx.ingestUrl().toString(), adx);
  }

  private static ConnectionStringBuilder forUrl(String url, AdxConfig adx) {
    Optional<TokenCredential> credential =
        AzureCredentials.create(adx.credential(), adx.authorityHost(), adx.tenantId(), Optional.empty());
    // No credential (the local stand-in): the SDK sends no token to http://localhost whatever the builder says.
    return credential.map(c -> ConnectionStringBuilder.createWithTokenCredential(url, c))
        .orElseGet(() -> ConnectionStringBuilder.createWithAadAccessTokenAuthentication(url, "local-stand-in"));
  }
}
