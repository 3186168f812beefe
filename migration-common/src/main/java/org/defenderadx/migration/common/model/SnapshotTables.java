package org.defenderadx.migration.common.model;

import java.util.Locale;
import java.util.Set;

/**
 * Tables copied as snapshots whatever their configuration says: the nine of the original seed configuration and
 * every {@code DeviceTvm*} table. They hold current state, not events; some have no time column at all, and the
 * time columns the seed named (InstallationTime, LastUpdatedOn) only move for new installs.
 */
public final class SnapshotTables {
  public static final Set<String> SEED_TABLES = Set.of(
      "DeviceTvmSoftwareInventory",
      "DeviceTvmSecureConfigurationAssessment",
      "DeviceTvmHardwareFirmware",
      "DeviceBaselineComplianceProfiles",
      "DeviceBaselineComplianceAssessmentKB",
      "DeviceBaselineComplianceAssessment",
      "DeviceTvmBrowserExtensions",
      "DeviceTvmSoftwareVulnerabilities",
      "DeviceTvmCertificateInfo");
  private static final Set<String> SEED_LOWER = Set.copyOf(SEED_TABLES.stream()
      .map(t -> t.toLowerCase(Locale.ROOT)).toList());

  private SnapshotTables() {
  }

  public static boolean isKnownSnapshot(String table) {
    String lower = table.toLowerCase(Locale.ROOT);
    return SEED_LOWER.contains(lower) || lower.startsWith("devicetvm");
  }
}
