package org.defenderadx.migration.worker.ops;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.defenderadx.migration.common.config.Secret;

/**
 * Checks an ops command's token against the node's, in constant time: both are hashed first, so neither the
 * comparison nor the lengths leak through timing. With no token configured, nothing matches.
 */
public final class OpsToken {

  private final Optional<byte[]> expected;

  public OpsToken(Optional<Secret> token) {
    this.expected = token.map(s -> sha256(s.reveal()));
  }

  public boolean configured() {
    return expected.isPresent();
  }

  public boolean matches(String presented) {
    if (expected.isEmpty() || presented == null || presented.isEmpty()) {
      return false;
    }
    return MessageDigest.isEqual(expected.get(), sha256(presented));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
