package org.defenderadx.migration.worker.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.defenderadx.migration.api.config.ConfigLoader;
import org.defenderadx.migration.common.config.CredentialConfig;
import org.defenderadx.migration.common.config.CredentialKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real azure-identity client-secret flow against a loopback token endpoint over TLS (MSAL refuses a non-https
 * authority), as the Defender simulator serves it.
 */
class AccessTokenSourceTest {

  private static final String TENANT = "11111111-2222-3333-4444-555555555555";

  private final Vertx vertx = Vertx.vertx();
  private final AtomicInteger issued = new AtomicInteger();
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private HttpClient azureHttp;
  private volatile int expiresIn = 3600;

  @BeforeEach
  void start() throws Exception {
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(cert.keyCertOptions()))
        .requestHandler(req -> req.body().onSuccess(body -> {
          if (req.path().equals("/" + TENANT + "/oauth2/v2.0/token")) {
            bodies.add(body.toString());
            boolean good = body.toString().contains("client_secret=right-secret");
            req.response().setStatusCode(good ? 200 : 401).putHeader("content-type", "application/json")
                .end(good
                    ? new JsonObject().put("token_type", "Bearer").put("expires_in", expiresIn)
                        .put("access_token", "token-" + issued.incrementAndGet()).encode()
                    : new JsonObject().put("error", "invalid_client")
                        .put("error_description", "AADSTS7000215: Invalid client secret provided.").encode());
          } else {
            req.response().setStatusCode(404).end();
          }
        }))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    azureHttp = new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(trusting(cert))).build();
  }

  static SSLContext trusting(SelfSignedCertificate cert) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = new FileInputStream(cert.certificatePath())) {
      trust.setCertificateEntry("loopback", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private AccessTokenSource source(String secretEnvValue, Clock clock) {
    JsonObject tree = new JsonObject()
        .put("tenants", new io.vertx.core.json.JsonArray().add(new JsonObject().put("tenantId", TENANT)
            .put("authorityHost", "https://localhost:" + server.actualPort())
            .put("credential", new JsonObject().put("kind", "client-secret").put("clientId", "app-1")
                .put("clientSecretEnv", "SECRET"))))
        .put("adx", new JsonObject().put("clusterUrl", "http://localhost:1").put("database", "db")
            .put("credential", new JsonObject().put("kind", "none")));
    var tenant = ConfigLoader.parse(tree, java.util.Map.of("SECRET", secretEnvValue)).tenants().get(0);
    CredentialConfig credential = tenant.credential();
    assertThat(credential.kind()).isEqualTo(CredentialKind.CLIENT_SECRET);
    return new AccessTokenSource(vertx,
        () -> AzureCredentials.create(credential, tenant.authorityHost().toString(), TENANT, Optional.of(azureHttp)),
        "https://graph.microsoft.com/.default", clock);
  }

  private static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  @Test
  void getsATokenWithClientCredentialsAndCachesIt() throws Exception {
    AccessTokenSource tokens = source("right-secret", Clock.systemUTC());

    assertThat(await(tokens.authorization())).contains("Bearer token-1");
    assertThat(await(tokens.authorization())).contains("Bearer token-1");
    assertThat(issued.get()).isEqualTo(1);
    assertThat(bodies.get(0)).contains("grant_type=client_credentials", "client_id=app-1",
        "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default");
  }

  @Test
  void refreshesAfterTheServiceRejectedTheToken() throws Exception {
    AccessTokenSource tokens = source("right-secret", Clock.systemUTC());
    await(tokens.authorization());

    assertThat(await(tokens.refresh())).contains("Bearer token-2");
    assertThat(await(tokens.authorization())).contains("Bearer token-2");
  }

  @Test
  void refreshesBeforeExpiry() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    expiresIn = 3600;
    AccessTokenSource tokens = source("right-secret", clock);
    await(tokens.authorization());

    clock.advance(Duration.ofMinutes(56)); // within the 5-minute margin of the hour
    tokens.refresh(); // MSAL's own cache runs on real time; a fresh credential asks the endpoint again
    assertThat(await(tokens.authorization())).contains("Bearer token-2");
  }

  @Test
  void aWrongSecretFailsWithTheServicesReason() {
    AccessTokenSource tokens = source("wrong-secret", Clock.systemUTC());

    assertThatThrownBy(() -> await(tokens.authorization()))
        .isInstanceOf(AccessTokenSource.TokenUnavailableException.class)
        .hasMessageContaining("https://graph.microsoft.com/.default")
        .hasMessageContaining("AADSTS7000215");
  }

  @Test
  void noCredentialMeansNoAuthorizationHeader() throws Exception {
    AccessTokenSource tokens = new AccessTokenSource(vertx, Optional::empty, "scope", Clock.systemUTC());

    assertThat(await(tokens.authorization())).isEmpty();
  }

  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
