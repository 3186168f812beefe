package org.defenderadx.migration.common.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class WindowIdTest {
  private static final Instant LO = Instant.parse("2026-11-01T00:00:00Z");
  private static final Instant HI = Instant.parse("2026-11-01T01:00:00Z");

  @Test
  void windowIdNamesTenantTableAndBounds() {
    assertThat(WindowId.of("contoso", "DeviceProcessEvents", Window.of(LO, HI)).text()).isEqualTo(
        "t=contoso;tbl=DeviceProcessEvents;lo=2026-11-01T00:00:00.0000000Z;hi=2026-11-01T01:00:00.0000000Z");
  }

  @Test
  void bucketedInstantIdCarriesTheBucket() {
    Instant lo = Instant.parse("2026-11-01T00:00:00.1234567Z");
    Window w = new Window(lo, lo.plusNanos(100), new Bucket(3, 16));
    assertThat(WindowId.of("", "DeviceProcessEvents", w).text()).isEqualTo(
        "t=;tbl=DeviceProcessEvents;lo=2026-11-01T00:00:00.1234567Z;hi=2026-11-01T00:00:00.1234568Z;b=3/16");
  }

  @Test
  void shortHashIsStableAndDistinguishesWindows() {
    WindowId a = WindowId.of("t1", "DeviceInfo", Window.of(LO, HI));
    WindowId again = WindowId.of("t1", "DeviceInfo", Window.of(LO, HI));
    WindowId otherTenant = WindowId.of("t2", "DeviceInfo", Window.of(LO, HI));
    assertThat(a.shortHash()).hasSize(24).matches("[0-9a-f]+").isEqualTo(again.shortHash());
    assertThat(otherTenant.shortHash()).isNotEqualTo(a.shortHash());
  }

  @Test
  void snapshotIdNamesTheSnapshotTimeAndBucket() {
    assertThat(WindowId.ofSnapshot("t1", "DeviceTvmSoftwareInventory", LO, new Bucket(3, 8)).text())
        .isEqualTo("t=t1;tbl=DeviceTvmSoftwareInventory;snap=2026-11-01T00:00:00.0000000Z;b=3/8");
  }

  @Test
  void rejectsTenantsAndTablesThatWouldBreakTheFormat() {
    assertThatThrownBy(() -> WindowId.of("a;tbl=x", "DeviceInfo", Window.of(LO, HI)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WindowId.of("t", "Device Info", Window.of(LO, HI)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
