package org.defenderadx.migration.common.config;

import java.util.List;
import java.util.Optional;

/** The whole configuration, validated once at start-up. Immutable. */
public record MigrationSettings(List<TenantConfig> tenants, AdxConfig adx, MigrationTuning migration,
                                ClusterConfig cluster, HttpConfig http) {

  public MigrationSettings {
    tenants = List.copyOf(tenants);
  }

  public Optional<TenantConfig> tenant(String key) {
    return tenants.stream().filter(t -> t.key().equals(key)).findFirst();
  }
}
