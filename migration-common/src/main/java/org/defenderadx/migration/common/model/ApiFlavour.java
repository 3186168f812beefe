package org.defenderadx.migration.common.model;

import java.util.Locale;

/**
 * The three Advanced Hunting surfaces. Graph is the supported one; the two legacy APIs stop returning data on
 * 1 February 2027.
 */
public enum ApiFlavour {
  /** Microsoft Graph {@code POST /v1.0/security/runHuntingQuery}: lowercase {@code schema}/{@code results}. */
  GRAPH("graph", "https://graph.microsoft.com", "/v1.0/security/runHuntingQuery",
      "https://graph.microsoft.com/.default", "ThreatHunting.Read.All"),
  /** Legacy Defender XDR {@code POST /api/advancedhunting/run}: {@code Stats}/{@code Schema}/{@code Results}. */
  XDR("xdr", "https://api.security.microsoft.com", "/api/advancedhunting/run",
      "https://api.security.microsoft.com/.default", "AdvancedHunting.Read.All"),
  /** Legacy Defender for Endpoint {@code POST /api/advancedqueries/run}. */
  MDE("mde", "https://api.securitycenter.microsoft.com", "/api/advancedqueries/run",
      "https://api.securitycenter.microsoft.com/.default", "AdvancedQuery.Read.All");

  private final String configName;
  private final String defaultBaseUrl;
  private final String path;
  private final String defaultScope;
  private final String permission;

  ApiFlavour(String configName, String defaultBaseUrl, String path, String defaultScope, String permission) {
    this.configName = configName;
    this.defaultBaseUrl = defaultBaseUrl;
    this.path = path;
    this.defaultScope = defaultScope;
    this.permission = permission;
  }

  /** The name used in configuration: graph, xdr or mde. */
  public String configName() {
    return configName;
  }

  public String defaultBaseUrl() {
    return defaultBaseUrl;
  }

  /** The request path appended to the base URL. */
  public String path() {
    return path;
  }

  /** The OAuth2 client-credentials scope for this surface. */
  public String defaultScope() {
    return defaultScope;
  }

  /** The application permission the Entra ID app registration needs (with admin consent). */
  public String permission() {
    return permission;
  }

  /** True for the legacy APIs, whose result keys are capitalised and which stop returning data on 1 Feb 2027. */
  public boolean legacy() {
    return this != GRAPH;
  }

  public static ApiFlavour fromConfigName(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    for (ApiFlavour f : values()) {
      if (f.configName.equals(n)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown API flavour '" + name + "' (expected graph, xdr or mde)");
  }
}
