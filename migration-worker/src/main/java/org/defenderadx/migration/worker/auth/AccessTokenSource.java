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
 * Bearer tokens for one tenant and scope, cached and refreshed before they expire; {@link #refresh()} after a 401.
 * Concurrent callers share one acquisition. Token calls block (MSAL), so they run on a worker thread.
 */
public final class AccessTokenSource {

  /** Refresh this long before expiry, so a token never expires in flight (a call can take 3 minutes). */
  static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);

  private final Vertx vertx;
  private final Supplier<Optional<TokenCredential>> credentials;
  private Optional<TokenCredential> credential;
  private final TokenRequestContext request;
  private final Clock clock;

  private AccessToken current;
  private Future<String> inFlight;

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
    if (current != null && Instant.now(clock).plus(REFRESH_MARGIN).isBefore(current.getExpiresAt().toInstant())) {
      return Future.succeededFuture(Optional.of("Bearer " + current.getToken()));
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

  private synchronized Future<String> acquire() {
    if (inFlight != null) {
      return inFlight;
    }
    Promise<String> promise = Promise.promise();
    inFlight = promise.future();
    TokenCredential c = credential.orElseThrow();
    vertx.<AccessToken>executeBlocking(() -> c.getTokenSync(request), false)
        .onComplete(ar -> {
          synchronized (this) {
            inFlight = null;
            if (ar.succeeded()) {
              current = ar.result();
            }
          }
          if (ar.succeeded()) {
            promise.complete(ar.result().getToken());
          } else {
            promise.fail(new TokenUnavailableException(request.getScopes().toString(), ar.cause()));
          }
        });
    return promise.future();
  }

  /** No token could be had; the message says for which scope and why. */
  public static final class TokenUnavailableException extends RuntimeException {
    TokenUnavailableException(String scopes, Throwable cause) {
      super("could not get an access token for " + scopes + ": " + cause.getMessage(), cause);
    }
  }
}
