package org.defenderadx.simulator.defender.data;

import java.util.SplittableRandom;

/** The tenant's devices: ids, names and OS facts, a pure function of the seed. */
public final class Devices {
  private static final String[] NAME_STEMS = {
      "desk", "lap", "srv", "poste-josé", "büro-pc", "kiosk", "端末", "build-agent"};
  private static final String[][] OS = {
      {"Windows11", "10.0.22631", "x64", "22631"},
      {"Windows10", "10.0.19045", "x64", "19045"},
      {"WindowsServer2022", "10.0.20348", "x64", "20348"},
      {"macOS", "14.5", "arm64", "0"},
      {"Linux", "Ubuntu 22.04", "x64", "0"}};

  private final String[] ids;
  private final String[] names;
  private final int[] os;

  public Devices(long seed, int count) {
    ids = new String[count];
    names = new String[count];
    os = new int[count];
    for (int i = 0; i < count; i++) {
      SplittableRandom r = new SplittableRandom(Rows.mix(seed, 0x0DE71CE5L, i));
      ids[i] = Rows.hex(r, 40);
      names[i] = NAME_STEMS[i % NAME_STEMS.length] + "-" + String.format("%03d", i) + ".contoso.com";
      os[i] = r.nextInt(OS.length);
    }
  }

  public int count() {
    return ids.length;
  }

  public String id(int d) {
    return ids[d];
  }

  public String name(int d) {
    return names[d];
  }

  public String osPlatform(int d) {
    return OS[os[d]][0];
  }

  public String osVersion(int d) {
    return OS[os[d]][1];
  }

  public String osArchitecture(int d) {
    return OS[os[d]][2];
  }

  public long osBuild(int d) {
    return Long.parseLong(OS[os[d]][3]);
  }
}
