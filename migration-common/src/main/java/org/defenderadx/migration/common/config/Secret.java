package org.defenderadx.migration.common.config;

import java.util.Objects;

/**
 * A secret value read from the environment or a file. It never prints its value: {@link #toString()} names only
 * where it came from, so a secret cannot leak through a log line or an exception message that formats a config.
 */
public final class Secret {
  private final String value;
  private final String origin;

  private Secret(String value, String origin) {
    this.value = Objects.requireNonNull(value);
    this.origin = Objects.requireNonNull(origin);
  }

  static Secret of(String value, String origin) {
    return new Secret(value, origin);
  }

  /** The secret itself; call only where it is handed to a credential library. */
  public String reveal() {
    return value;
  }

  /** Where it came from, e.g. {@code env DEFENDER_CLIENT_SECRET} or {@code file /run/secrets/x}. */
  public String origin() {
    return origin;
  }

  @Override
  public String toString() {
    return "Secret(" + origin + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && s.value.equals(value) && s.origin.equals(origin);
  }

  @Override
  public int hashCode() {
    return origin.hashCode();
  }
}
