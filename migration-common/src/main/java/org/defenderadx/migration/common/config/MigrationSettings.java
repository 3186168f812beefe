package org.defenderadx.migration.common.config;

import java.util.List;
import java.util.Optional;

/** The whole configuration, validated once at start-up. Immutable. */
public record MigrationSettings(List<TenantConfig> tenants, AdxConfig adx, MigrationTuning migration,
                                ClusterConfig cluster, HttpConfig http, OpsConfig ops) {

  public MigrationSettings {
    tenants = List.copyOf(tenants);
    ops = ops == null ? OpsConfig.none() : ops;
  }

  /** Without an ops section: no ops token, so every ops command is refused. */
  public MigrationSettings(List<TenantConfig> tenants, AdxConfig adx, MigrationTuning migration,
                           ClusterConfig cluster, HttpConfig http) {
    this(tenants, adx, migration, cluster, http, OpsConfig.none());
  }

  public Optional<TenantConfig> tenant(String key) {
    return tenants.stream().filter(t -> t.key().equals(key)).findFirst();
  }
}
