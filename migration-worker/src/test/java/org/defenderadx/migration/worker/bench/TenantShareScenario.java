package org.defenderadx.migration.worker.bench;

/** Scenario 4: three tenants on one node and on three clustered nodes, each tenant's share of its quota. */
final class TenantShareScenario {
  static final String TITLE = "Three tenants on one node and on three clustered nodes";
  static final String MEASURES = "Each tenant's share of its call quota during a backfill, with the three tenants "
      + "on one node and spread over three clustered nodes.";

  private TenantShareScenario() {
  }

  static ScenarioReport run(SuiteOptions o) {
    return ScenarioReport.notRun(TITLE, MEASURES, "not implemented yet: the Defender simulator serves one tenant per "
        + "instance, so three tenants need three simulators and a node configuration with three tenants; the "
        + "harness does not build that yet.");
  }
}
