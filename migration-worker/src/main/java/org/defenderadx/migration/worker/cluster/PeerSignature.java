package org.defenderadx.migration.worker.cluster;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.defenderadx.migration.common.config.Secret;

/**
 * Signs the messages nodes send each other (table offers, outcomes, run-now) with an HMAC keyed by the cluster's ops
 * token, and checks them on receipt. Any process that joins the Hazelcast cluster can put messages on the event bus;
 * without the token it cannot sign one, and the token itself never travels (a member that receives a published
 * outcome learns nothing it could sign with). With no token configured nothing is signed and everything is admitted:
 * the cluster is then unauthenticated, which the node says at start.
 */
public final class PeerSignature {

  /** The header carrying the signature. */
  public static final String HEADER = "x-peer-signature";
  private static final String ALGORITHM = "HmacSHA256";
  /** The unconfigured signature: signs nothing, admits everything (single nodes and tests without a token). */
  public static final PeerSignature NONE = new PeerSignature(Optional.empty());

  private final Optional<SecretKeySpec> key;

  public PeerSignature(Optional<Secret> opsToken) {
    // The key is derived from the token, so the token's own bytes are used for nothing else here.
    this.key = opsToken.map(t -> new SecretKeySpec(sha256("defender-adx-migration peer key\n" + t.reveal()),
        ALGORITHM));
  }

  public boolean configured() {
    return key.isPresent();
  }

  /** Delivery options carrying the signature of {@code body} sent to {@code address}. */
  public DeliveryOptions sign(String address, JsonObject body) {
    DeliveryOptions options = new DeliveryOptions();
    key.ifPresent(k -> options.addHeader(HEADER, mac(k, address, body)));
    return options;
  }

  /** True when the message is signed with this cluster's key (or no key is configured). */
  public boolean admits(Message<JsonObject> message) {
    if (key.isEmpty()) {
      return true;
    }
    String presented = message.headers().get(HEADER);
    if (presented == null || message.body() == null) {
      return false;
    }
    byte[] expected = mac(key.get(), message.address(), message.body()).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * {@code value} sealed for the shared map entry {@code mapKey}: the value and its signature, bound to the key, so a
   * member without the token can neither forge an entry nor copy one to another key. Unchanged when unconfigured.
   */
  public String seal(String mapKey, String value) {
    return key.map(k -> value + SEAL + macText(k, mapKey, value)).orElse(value);
  }

  /** The value of a sealed entry of {@code mapKey}; empty when it is not sealed with this cluster's key. */
  public Optional<String> open(String mapKey, String sealed) {
    if (sealed == null) {
      return Optional.empty();
    }
    if (key.isEmpty()) {
      return Optional.of(sealed);
    }
    int at = sealed.lastIndexOf(SEAL);
    if (at < 0) {
      return Optional.empty();
    }
    String value = sealed.substring(0, at);
    byte[] expected = macText(key.get(), mapKey, value).getBytes(StandardCharsets.US_ASCII);
    byte[] presented = sealed.substring(at + SEAL.length()).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, presented) ? Optional.of(value) : Optional.empty();
  }

  private static final String SEAL = "#sig=";

  private static String macText(SecretKeySpec key, String mapKey, String value) {
    return mac(key, "map:" + mapKey, new JsonObject().put("v", value));
  }

  private static String mac(SecretKeySpec key, String address, JsonObject body) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      mac.update(address.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) '\n');
      return Base64.getEncoder().encodeToString(mac.doFinal(body.encode().getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is always available", e);
    }
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
