package org.defenderadx.migration.worker.auth;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Bearer tokens for one tenant and scope, cached and refreshed before they expire on this source's clock (the
 * identity library dates a token on the system clock; a simulated clock runs faster, and the simulator expires
 * tokens on it); {@link #refresh()} after a 401.
 * Concurrent callers share one acquisition. Token calls block (MSAL), so they run on a worker thread. A credential
 * that fails is not asked again at once: until a backoff (1 s, doubling, at most {@link #MAX_BACKOFF}) has passed,
 * callers get the last failure, which {@link #lastError()} also gives the status page.
 */
public final class AccessTokenSource {

  /**
   * Refresh this long before expiry, so a token never expires in flight (a call can take 3 minutes); half its
   * lifetime for a token that lives less than twice this, so a short-lived token is not renewed on every call.
   */
  static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final Vertx vertx;
  private final Supplier<Optional<TokenCredential>> credentials;
  private Optional<TokenCredential> credential;
  private final TokenRequestContext request;
  private final Clock clock;

  private AccessToken current;
  /** When {@link #current} is renewed, on {@link #clock}. */
  private Instant renewAt = Instant.EPOCH;
  private Future<String> inFlight;
  /** The last acquisition's failure, until one succeeds; with when the provider may be asked again. */
  private TokenUnavailableException lastFailure;
  private int consecutiveFailures;
  private Instant retryAt = Instant.EPOCH;

  /**
   * @param credentials makes the credential; called again by {@link #refresh()}, because the identity library keeps
   *                    its own token cache and would hand back the token the service just refused
   */
  public AccessTokenSource(Vertx vertx, Supplier<Optional<TokenCredential>> credentials, String scope, Clock clock) {
    this.vertx = vertx;
    this.credentials = credentials;
    this.credential = credentials.get();
    this.request = new TokenRequestContext().addScopes(scope);
    this.clock = clock;
  }

  /** The Authorization header value, or empty when no credential is configured (local simulators). */
  public synchronized Future<Optional<String>> authorization() {
    if (credential.isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    if (current != null && Instant.now(clock).isBefore(renewAt)) {
      return Future.succeededFuture(Optional.of("Bearer " + current.getToken()));
    }
    if (current != null) {
      // Due on our clock, perhaps not on the library's: renewed as after a 401, through a new credential whose cache
      // cannot hand the old token back.
      return refresh();
    }
    return acquire().map(t -> Optional.of("Bearer " + t));
  }

  /** Drops the cached token and gets a new one (the service said 401). */
  public synchronized Future<Optional<String>> refresh() {
    current = null;
    if (inFlight == null) {
      credential = credentials.get();
    }
    return authorization();
  }

  /** The identity provider's last error while the credential keeps failing; empty once a token was had. */
  public synchronized Optional<String> lastError() {
    return Optional.ofNullable(lastFailure).map(Throwable::getMessage);
  }

  /** Token acquisitions that failed in a row (0 after a success). */
  public synchronized int consecutiveFailures() {
    return consecutiveFailures;
  }

  private synchronized Future<String> acquire() {
    if (inFlight != null) {
      return inFlight;
    }
    if (lastFailure != null && Instant.now(clock).isBefore(retryAt)) {
      return Future.failedFuture(lastFailure);
    }
    Promise<String> promise = Promise.promise();
    inFlight = promise.future();
    TokenCredential c = credential.orElseThrow();
    vertx.<AccessToken>executeBlocking(() -> c.getTokenSync(request), false)
        .onComplete(ar -> {
          TokenUnavailableException failure = ar.succeeded() ? null
              : new TokenUnavailableException(request.getScopes().toString(), ar.cause());
          synchronized (this) {
            inFlight = null;
            if (ar.succeeded()) {
              current = ar.result();
              renewAt = renewalOnOurClock(current);
              lastFailure = null;
              consecutiveFailures = 0;
            } else {
              lastFailure = failure;
              consecutiveFailures = Math.min(consecutiveFailures + 1, 30);
              long backoff = Math.min(MAX_BACKOFF.toMillis(),
                  FIRST_BACKOFF.toMillis() << Math.min(consecutiveFailures - 1, 20));
              retryAt = Instant.now(clock).plusMillis(backoff);
            }
          }
          if (ar.succeeded()) {
            promise.complete(ar.result().getToken());
          } else {
            promise.fail(failure);
          }
        });
    return promise.future();
  }

  /**
   * The token's lifetime as the library states it (its expiry less the system's now) counted from now on our clock,
   * less the margin. A lifetime that is not positive (clocks apart) leaves the token in use until the service says
   * 401.
   */
  private Instant renewalOnOurClock(AccessToken token) {
    Duration lifetime = Duration.between(Instant.now(), token.getExpiresAt().toInstant());
    if (lifetime.isNegative() || lifetime.isZero()) {
      return Instant.MAX;
    }
    Duration half = lifetime.dividedBy(2);
    return Instant.now(clock).plus(lifetime).minus(half.compareTo(REFRESH_MARGIN) < 0 ? half : REFRESH_MARGIN);
  }

  /** No token could be had; the message says for which scope and why. */
  public static final class TokenUnavailableException extends RuntimeException {
    TokenUnavailableException(String scopes, Throwable cause) {
      super("could not get an access token for " + scopes + ": " + cause.getMessage(), cause);
    }
  }
}
