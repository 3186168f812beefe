package org.defenderadx.simulator.defender.auth;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.defenderadx.simulator.defender.ApiFlavour;
import org.defenderadx.simulator.defender.DefenderSimConfig.ClientRegistration;

/**
 * Issues and checks access tokens for the simulator: JWT-shaped, HMAC-signed with a key that lives only in this
 * process, with the claims clients look at ({@code aud}, {@code roles}, {@code exp}, {@code tid}).
 *
 * <p>Client assertions are accepted when their {@code iss}/{@code sub} name the client and they are within their
 * validity; their signature is not checked, since the simulator has no certificate registry.
 */
public final class TokenService {

  /** The outcome of a token request: exactly one of token and error is set. */
  public record Issued(JsonObject token, AadError error) {
  }

  /** The outcome of checking an {@code Authorization} header. */
  public enum Check { VALID, MISSING, MALFORMED, BAD_SIGNATURE, EXPIRED, WRONG_AUDIENCE, REVOKED }

  private static final Map<String, String> AUDIENCE_BY_RESOURCE = Map.of(
      "https://graph.microsoft.com", "https://graph.microsoft.com",
      "https://api.security.microsoft.com", "https://api.security.microsoft.com",
      "https://api.securitycenter.microsoft.com", "https://api.securitycenter.microsoft.com",
      "https://securitycenter.onmicrosoft.com/windowsatpservice",
      "https://securitycenter.onmicrosoft.com/windowsatpservice");

  private final Clock clock;
  private final Duration lifetime;
  private final List<ClientRegistration> clients;
  private final byte[] key;

  public TokenService(Clock clock, Duration lifetime, List<ClientRegistration> clients) {
    this.clock = clock;
    this.lifetime = lifetime;
    this.clients = clients;
    this.key = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
  }

  /** {@code POST /{tenant}/oauth2/v2.0/token}: client credentials with {@code scope=<resource>/.default}. */
  public Issued issueV2(String tenant, Map<String, String> form) {
    String scope = form.get("scope");
    if (scope == null || scope.isBlank()) {
      return fail(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
    }
    // MSAL adds the OpenID Connect scopes to every request; Entra ID ignores them for client credentials.
    String resourceScope = java.util.Arrays.stream(scope.trim().split("\\s+"))
        .filter(s -> !s.equals("openid") && !s.equals("profile") && !s.equals("offline_access"))
        .collect(java.util.stream.Collectors.joining(" "));
    String resource = resourceScope.endsWith("/.default") && !resourceScope.contains(" ")
        ? resourceScope.substring(0, resourceScope.length() - 9) : null;
    if (resource == null || !AUDIENCE_BY_RESOURCE.containsKey(resource)) {
      return fail(400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid. "
          + "The scope " + scope + " is not valid.");
    }
    return issue(tenant, form, resource, false);
  }

  /** {@code POST /{tenant}/oauth2/token} (v1): client credentials with {@code resource=<resource>}. */
  public Issued issueV1(String tenant, Map<String, String> form) {
    String resource = form.get("resource");
    if (resource == null || resource.isBlank()) {
      return fail(400, "invalid_request", 900144, "The request body must contain the following parameter: 'resource'.");
    }
    String r = resource.trim();
    if (r.endsWith("/")) {
      r = r.substring(0, r.length() - 1);
    }
    if (!AUDIENCE_BY_RESOURCE.containsKey(r)) {
      return fail(400, "invalid_resource", 500011, "The resource principal named " + resource
          + " was not found in the tenant named " + tenant + ".");
    }
    return issue(tenant, form, r, true);
  }

  private Issued issue(String tenant, Map<String, String> form, String resource, boolean v1) {
    if (!"client_credentials".equals(form.get("grant_type"))) {
      return fail(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '"
          + form.get("grant_type") + "'.");
    }
    if (clients.stream().noneMatch(c -> c.tenantId().equals(tenant))) {
      return fail(400, "invalid_request", 90002, "Tenant '" + tenant + "' not found.");
    }
    String clientId = form.get("client_id");
    Optional<ClientRegistration> reg = clients.stream()
        .filter(c -> c.tenantId().equals(tenant) && c.clientId().equals(clientId)).findFirst();
    if (reg.isEmpty()) {
      return fail(400, "unauthorized_client", 700016, "Application with identifier '" + clientId
          + "' was not found in the directory '" + tenant + "'.");
    }
    String secret = form.get("client_secret");
    String assertion = form.get("client_assertion");
    if (secret != null) {
      if (!MessageDigest.isEqual(secret.getBytes(StandardCharsets.UTF_8),
          reg.get().clientSecret().getBytes(StandardCharsets.UTF_8))) {
        return fail(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent "
            + "in the request is the client secret value, not the client secret ID, for a secret added to app '"
            + clientId + "'.");
      }
    } else if (assertion != null) {
      AadError bad = checkAssertion(reg.get(), form.get("client_assertion_type"), assertion);
      if (bad != null) {
        return new Issued(null, bad);
      }
    } else {
      return fail(401, "invalid_client", 7000216, "'client_assertion', 'client_secret' or 'request' is required "
          + "for the 'client_credentials' grant type.");
    }
    String audience = AUDIENCE_BY_RESOURCE.get(resource);
    Instant now = clock.instant();
    Instant exp = now.plus(lifetime);
    JsonObject claims = new JsonObject()
        .put("aud", audience)
        .put("iss", "https://sts.windows.net/" + tenant + "/")
        .put("iat", now.getEpochSecond())
        .put("nbf", now.getEpochSecond())
        .put("exp", exp.getEpochSecond())
        .put("appid", clientId)
        .put("tid", tenant)
        .put("oid", UUID.nameUUIDFromBytes(clientId.getBytes(StandardCharsets.UTF_8)).toString())
        .put("roles", new JsonArray().add(roleFor(audience)))
        .put("ver", "1.0")
        .put("jti", UUID.randomUUID().toString());
    String token = sign(claims);
    long seconds = lifetime.toSeconds();
    JsonObject body = new JsonObject().put("token_type", "Bearer");
    if (v1) {
      // The v1 endpoint serialises numbers as strings.
      body.put("expires_in", Long.toString(seconds)).put("ext_expires_in", Long.toString(seconds))
          .put("expires_on", Long.toString(exp.getEpochSecond())).put("not_before", Long.toString(now.getEpochSecond()))
          .put("resource", resource);
    } else {
      body.put("expires_in", seconds).put("ext_expires_in", seconds);
    }
    body.put("access_token", token);
    return new Issued(body, null);
  }

  private AadError checkAssertion(ClientRegistration reg, String type, String assertion) {
    if (!reg.assertionAllowed()) {
      return new AadError(401, "invalid_client", 700027, "Client assertion failed signature validation.");
    }
    if (!"urn:ietf:params:oauth:client-assertion-type:jwt-bearer".equals(type)) {
      return new AadError(400, "invalid_request", 700023, "Client assertion type is not valid: '" + type + "'.");
    }
    JsonObject claims = payload(assertion);
    if (claims == null) {
      return new AadError(401, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor "
          + "'client_secret' should be presented.");
    }
    if (!reg.clientId().equals(claims.getString("iss")) || !reg.clientId().equals(claims.getString("sub"))) {
      return new AadError(401, "invalid_client", 700021, "Client assertion application identifier doesn't match "
          + "'client_id' parameter.");
    }
    Long exp = claims.getLong("exp");
    if (exp == null || exp <= clock.instant().getEpochSecond()) {
      return new AadError(401, "invalid_client", 700024, "Client assertion is not within its valid time range.");
    }
    return null;
  }

  /** Checks a bearer token for one endpoint at the current simulated time. */
  public Check check(String authorizationHeader, ApiFlavour flavour) {
    if (authorizationHeader == null || authorizationHeader.isBlank()) {
      return Check.MISSING;
    }
    String h = authorizationHeader.trim();
    if (!h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Check.MALFORMED;
    }
    String token = h.substring(7).trim();
    String[] parts = token.split("\\.");
    if (parts.length != 3) {
      return Check.MALFORMED;
    }
    byte[] expected = mac(parts[0] + "." + parts[1]);
    byte[] actual;
    try {
      actual = Base64.getUrlDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      return Check.MALFORMED;
    }
    if (!MessageDigest.isEqual(expected, actual)) {
      return Check.BAD_SIGNATURE;
    }
    JsonObject claims = payload(token);
    if (claims == null) {
      return Check.MALFORMED;
    }
    if (claims.getLong("exp", 0L) <= clock.instant().getEpochSecond()) {
      return Check.EXPIRED;
    }
    String aud = claims.getString("aud");
    boolean audienceOk = switch (flavour) {
      case GRAPH -> "https://graph.microsoft.com".equals(aud);
      case XDR -> "https://api.security.microsoft.com".equals(aud);
      case MDE -> "https://api.securitycenter.microsoft.com".equals(aud)
          || "https://securitycenter.onmicrosoft.com/windowsatpservice".equals(aud);
    };
    return audienceOk ? Check.VALID : Check.WRONG_AUDIENCE;
  }

  private static String roleFor(String audience) {
    if (audience.equals(ApiFlavour.GRAPH.audience())) {
      return ApiFlavour.GRAPH.role();
    }
    if (audience.equals(ApiFlavour.XDR.audience())) {
      return ApiFlavour.XDR.role();
    }
    return ApiFlavour.MDE.role();
  }

  private String sign(JsonObject claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"typ\":\"JWT\",\"alg\":\"HS256\",\"kid\":\"sim\"}"
        .getBytes(StandardCharsets.UTF_8));
    String body = b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    return header + "." + body + "." + b64.encodeToString(mac(header + "." + body));
  }

  private byte[] mac(String signingInput) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** The claims of a JWT-shaped string, or null when it is not one. */
  static JsonObject payload(String jwt) {
    String[] parts = jwt.split("\\.");
    if (parts.length < 2) {
      return null;
    }
    try {
      return new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
      return null;
    }
  }

  private static Issued fail(int status, String error, int code, String description) {
    return new Issued(null, new AadError(status, error, code, description));
  }
}
