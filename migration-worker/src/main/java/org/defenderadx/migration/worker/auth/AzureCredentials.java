package org.defenderadx.migration.worker.auth;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import java.util.Optional;
import org.defenderadx.migration.common.config.CredentialConfig;
import org.defenderadx.migration.common.config.CredentialKind;
import org.defenderadx.migration.common.config.Secret;

/** Builds the azure-identity credential a {@link CredentialConfig} describes. */
public final class AzureCredentials {
  private AzureCredentials() {
  }

  /**
   * @param httpClient the Azure HTTP client to use, or empty for the default (the JDK client); tests pass one that
   *                   trusts a loopback token endpoint's self-signed certificate
   * @return empty for {@link CredentialKind#NONE}
   */
  public static Optional<TokenCredential> create(CredentialConfig config, String authorityHost, String tenantId,
                                                 Optional<HttpClient> httpClient) {
    return switch (config.kind()) {
      case NONE -> Optional.empty();
      case CLIENT_SECRET -> {
        ClientSecretCredentialBuilder b = new ClientSecretCredentialBuilder()
            .authorityHost(authorityHost).tenantId(tenantId).clientId(config.clientId())
            .clientSecret(config.clientSecret().map(Secret::reveal).orElseThrow());
        if (!isPublicCloud(authorityHost)) {
          b.disableInstanceDiscovery();
        }
        httpClient.ifPresent(b::httpClient);
        yield Optional.of(b.build());
      }
      case CLIENT_CERTIFICATE -> {
        String path = config.certificatePath().orElseThrow();
        ClientCertificateCredentialBuilder b = new ClientCertificateCredentialBuilder()
            .authorityHost(authorityHost).tenantId(tenantId).clientId(config.clientId());
        if (path.toLowerCase(java.util.Locale.ROOT).endsWith(".pem")) {
          b.pemCertificate(path);
        } else {
          b.pfxCertificate(path);
          config.certificatePassword().map(Secret::reveal).ifPresent(b::clientCertificatePassword);
        }
        if (!isPublicCloud(authorityHost)) {
          b.disableInstanceDiscovery();
        }
        httpClient.ifPresent(b::httpClient);
        yield Optional.of(b.build());
      }
      case MANAGED_IDENTITY -> {
        ManagedIdentityCredentialBuilder b = new ManagedIdentityCredentialBuilder();
        if (!config.clientId().isBlank()) {
          b.clientId(config.clientId());
        }
        httpClient.ifPresent(b::httpClient);
        yield Optional.of(b.build());
      }
      case WORKLOAD_IDENTITY -> {
        WorkloadIdentityCredentialBuilder b = new WorkloadIdentityCredentialBuilder()
            .authorityHost(authorityHost);
        if (!tenantId.isBlank()) {
          b.tenantId(tenantId);
        }
        if (!config.clientId().isBlank()) {
          b.clientId(config.clientId());
        }
        config.federatedTokenFile().ifPresent(b::tokenFilePath);
        httpClient.ifPresent(b::httpClient);
        yield Optional.of(b.build());
      }
    };
  }

  // Instance discovery asks login.microsoftonline.com about the authority; a sovereign cloud answers for itself,
  // but a private or local authority (the simulator) would fail it.
  private static boolean isPublicCloud(String authorityHost) {
    return authorityHost.contains("login.microsoftonline.") || authorityHost.contains("login.chinacloudapi.cn");
  }
}
