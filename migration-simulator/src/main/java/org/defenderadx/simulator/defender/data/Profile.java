package org.defenderadx.simulator.defender.data;

import java.util.Locale;

/**
 * How much data a simulated tenant holds. Event volumes are per simulated day over the whole laid-out span
 * (30 visible days, one day already past the horizon, and the live days that arrive while a run goes on).
 *
 * @param devices          devices in the tenant (DeviceInfo has one row per device per hour)
 * @param eventRowsPerDay  event rows per day across the event tables
 * @param burstRows        rows that share one single ingestion instant in DeviceProcessEvents
 * @param softwarePerDevice TVM inventory rows per device; the other snapshot tables scale from it
 */
public enum Profile {
  SMALL(4, 200, 1_500, 10),
  MEDIUM(60, 28_000, 20_000, 120),
  LARGE(500, 330_000, 120_000, 200);

  private final int devices;
  private final int eventRowsPerDay;
  private final int burstRows;
  private final int softwarePerDevice;

  Profile(int devices, int eventRowsPerDay, int burstRows, int softwarePerDevice) {
    this.devices = devices;
    this.eventRowsPerDay = eventRowsPerDay;
    this.burstRows = burstRows;
    this.softwarePerDevice = softwarePerDevice;
  }

  public int devices() {
    return devices;
  }

  public int eventRowsPerDay() {
    return eventRowsPerDay;
  }

  public int burstRows() {
    return burstRows;
  }

  public int softwarePerDevice() {
    return softwarePerDevice;
  }

  public static Profile parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("profile: expected small, medium or large, got '" + s + "'", e);
    }
  }
}
