package org.defenderadx.migration.common.config;

import java.util.Optional;

/**
 * Reads secrets from where the configuration says they are. The implementation does the I/O (environment, files);
 * this module only validates.
 */
public interface SecretResolver {

  /** The value of an environment variable, if set and not blank. */
  Optional<String> env(String name);

  /** The content of a file (trailing newlines removed), or empty when it cannot be read. */
  Optional<String> file(String path);
}
