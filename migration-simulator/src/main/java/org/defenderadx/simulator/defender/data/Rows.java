package org.defenderadx.simulator.defender.data;

import java.util.SplittableRandom;

/** Deterministic randomness helpers: every generated value derives from (seed, table, index). */
public final class Rows {
  private Rows() {
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** A well-mixed 64-bit key from three inputs (SplitMix64 finaliser over a combination). */
  public static long mix(long a, long b, long c) {
    long z = a * 0x9E3779B97F4A7C15L + b * 0xC2B2AE3D27D4EB4FL + c * 0x165667B19E3779F9L + 0x27D4EB2F165667C5L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A stable salt for a table name. */
  public static long salt(String name) {
    long h = 1125899906842597L;
    for (int i = 0; i < name.length(); i++) {
      h = 31 * h + name.charAt(i);
    }
    return h;
  }

  public static String hex(SplittableRandom r, int digits) {
    char[] c = new char[digits];
    long bits = 0;
    for (int i = 0; i < digits; i++) {
      if ((i & 15) == 0) {
        bits = r.nextLong();
      }
      c[i] = HEX[(int) (bits & 0xF)];
      bits >>>= 4;
    }
    return new String(c);
  }

  public static String guid(SplittableRandom r) {
    String h = hex(r, 32);
    return h.substring(0, 8) + "-" + h.substring(8, 12) + "-4" + h.substring(13, 16) + "-a" + h.substring(17, 20)
        + "-" + h.substring(20);
  }

  public static <T> T pick(SplittableRandom r, T[] options) {
    return options[r.nextInt(options.length)];
  }
}
