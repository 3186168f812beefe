package org.defenderadx.simulator.defender;

/** The three Advanced Hunting endpoints; they differ in response shape, error bodies, token audience and limits. */
public enum ApiFlavour {
  /** {@code POST /v1.0/security/runHuntingQuery}: {@code schema}/{@code results}, Graph error envelope. */
  GRAPH("https://graph.microsoft.com", "ThreatHunting.Read.All"),
  /** {@code POST /api/advancedhunting/run}: {@code Stats}/{@code Schema}/{@code Results}, legacy errors. */
  XDR("https://api.security.microsoft.com", "AdvancedHunting.Read.All"),
  /** {@code POST /api/advancedqueries/run}: {@code Schema}/{@code Results}, legacy errors. */
  MDE("https://api.securitycenter.microsoft.com", "AdvancedQuery.Read.All");

  private final String audience;
  private final String role;

  ApiFlavour(String audience, String role) {
    this.audience = audience;
    this.role = role;
  }

  /** The token audience ({@code aud}) this endpoint accepts. */
  public String audience() {
    return audience;
  }

  /** The application role a token for this audience carries. */
  public String role() {
    return role;
  }

  public boolean legacy() {
    return this != GRAPH;
  }
}
