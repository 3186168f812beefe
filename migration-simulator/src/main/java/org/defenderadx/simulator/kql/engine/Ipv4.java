package org.defenderadx.simulator.kql.engine;

/** IPv4 address text as Kusto's ipv4_* functions read it: dotted quad, optionally with a {@code /prefix}. */
final class Ipv4 {
  private Ipv4() {
  }

  /**
   * {@code ipv4_is_private}: whether the address (masked by its prefix, if any) lies in 10.0.0.0/8,
   * 172.16.0.0/12 or 192.168.0.0/16; null when the text is not an IPv4 address, as Kusto returns.
   */
  static Boolean isPrivate(String text) {
    Long a = parse(text);
    if (a == null) {
      return null;
    }
    return (a & 0xFF000000L) == 0x0A000000L || (a & 0xFFF00000L) == 0xAC100000L
        || (a & 0xFFFF0000L) == 0xC0A80000L;
  }

  /** The address as an unsigned 32-bit number with host bits of a prefix cleared, or null. */
  static Long parse(String text) {
    if (text == null) {
      return null;
    }
    String s = text.trim();
    int prefix = 32;
    int slash = s.indexOf('/');
    if (slash >= 0) {
      Long p = number(s.substring(slash + 1), 32);
      if (p == null) {
        return null;
      }
      prefix = p.intValue();
      s = s.substring(0, slash);
    }
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    long a = 0;
    for (String part : parts) {
      Long octet = number(part, 255);
      if (octet == null) {
        return null;
      }
      a = (a << 8) | octet;
    }
    long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    return a & mask;
  }

  private static Long number(String s, int max) {
    if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(Character::isDigit)) {
      return null;
    }
    long v = Long.parseLong(s);
    return v > max ? null : v;
  }
}
