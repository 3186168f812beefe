package org.defenderadx.migration.common.config;

import java.util.Locale;

/** How the service authenticates to Entra ID (azure-identity credential types). */
public enum CredentialKind {
  CLIENT_SECRET("client-secret"),
  CLIENT_CERTIFICATE("client-certificate"),
  MANAGED_IDENTITY("managed-identity"),
  WORKLOAD_IDENTITY("workload-identity"),
  /** No authentication: only for the local simulators ({@code http://localhost}). */
  NONE("none");

  private final String configName;

  CredentialKind(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  static CredentialKind fromConfigName(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (CredentialKind k : values()) {
      if (k.configName.equals(n)) {
        return k;
      }
    }
    throw new IllegalArgumentException("expected one of client-secret, client-certificate, managed-identity, "
        + "workload-identity, none");
  }
}
