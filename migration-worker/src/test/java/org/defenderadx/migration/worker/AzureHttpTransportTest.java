package org.defenderadx.migration.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import io.netty.util.Version;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Azure SDK (azure-identity, the Kusto SDK, the storage clients it uses) is routed through the JDK's HTTP client,
 * so that Vert.x owns the only Netty on the class path (see README, "Dependencies"). These tests are the proof.
 */
class AzureHttpTransportTest {

  private final Vertx vertx = Vertx.vertx();
  private HttpServer server;

  @BeforeEach
  void startServer() throws Exception {
    server = vertx.createHttpServer()
        .requestHandler(req -> req.body().onSuccess(body -> req.response()
            .putHeader("content-type", "application/json")
            .end("{\"method\":\"" + req.method() + "\",\"bytes\":" + body.length() + ",\"utf8\":\"d\u00e9j\u00e0 \u2713\"}")))
        .listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void azureCoreUsesTheJdkHttpClient() {
    assertThat(HttpClient.createDefault().getClass().getName()).contains("JdkHttpClient");
  }

  @Test
  void realHttpThroughTheAzureStackReachesALoopbackServer() {
    HttpClient client = HttpClient.createDefault();
    HttpRequest request = new HttpRequest(HttpMethod.POST, "http://127.0.0.1:" + server.actualPort() + "/probe")
        .setBody("{\"Query\":\"DeviceInfo | take 1\"}");

    try (HttpResponse response = client.send(request).block(Duration.ofSeconds(10))) {
      assertThat(response.getStatusCode()).isEqualTo(200);
      assertThat(response.getBodyAsString().block(Duration.ofSeconds(10)))
          .contains("\"method\":\"POST\"", "\"bytes\":31", "d\u00e9j\u00e0 \u2713");
    }
  }

  @Test
  void onlyOneNettyVersionIsOnTheClassPath() {
    Map<String, Version> artifacts = Version.identify();
    Set<String> versions = new TreeSet<>();
    artifacts.values().forEach(v -> versions.add(v.artifactVersion()));

    assertThat(versions).as("Netty artifact versions %s", artifacts.keySet()).hasSize(1);
    assertThat(artifacts).doesNotContainKey("reactor-netty");
  }
}
