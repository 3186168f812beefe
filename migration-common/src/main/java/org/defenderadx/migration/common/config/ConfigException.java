package org.defenderadx.migration.common.config;

import java.util.List;

/** The configuration is unusable. Each problem names the key path and the reason; start-up stops. */
public class ConfigException extends RuntimeException {
  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super("invalid configuration:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  /** One line per problem, each {@code key.path: reason}. */
  public List<String> problems() {
    return problems;
  }
}
