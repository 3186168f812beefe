package org.defenderadx.simulator.defender;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A plain JDK HTTP client for the simulator, as a test would use a real API: tokens, then queries. */
final class SimClient {
  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;

  SimClient(String base) {
    this.base = base;
  }

  HttpResponse<String> post(String path, String contentType, String body, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    headers.forEach(b::header);
    return send(b.build());
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET().build());
  }

  String base() {
    return base;
  }

  HttpResponse<String> send(HttpRequest r) {
    try {
      return http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new RuntimeException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeException(e);
    }
  }

  static String form(Map<String, String> fields) {
    return fields.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
            + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  HttpResponse<String> tokenV2(String tenant, String clientId, String secret, String scope) {
    return post("/" + tenant + "/oauth2/v2.0/token", "application/x-www-form-urlencoded",
        form(Map.of("grant_type", "client_credentials", "client_id", clientId, "client_secret", secret,
            "scope", scope)), Map.of());
  }

  String token(ApiFlavour flavour) {
    HttpResponse<String> r = tokenV2(DefenderSimConfig.DEFAULT_TENANT, DefenderSimConfig.DEFAULT_CLIENT_ID,
        DefenderSimConfig.DEFAULT_CLIENT_SECRET, flavour.audience() + "/.default");
    if (r.statusCode() != 200) {
      throw new IllegalStateException("token: " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body()).getString("access_token");
  }

  static String path(ApiFlavour f) {
    return switch (f) {
      case GRAPH -> "/v1.0/security/runHuntingQuery";
      case XDR -> "/api/advancedhunting/run";
      case MDE -> "/api/advancedqueries/run";
    };
  }

  HttpResponse<String> query(ApiFlavour f, String token, String kql, String timespan) {
    JsonObject body = new JsonObject().put("Query", kql);
    if (timespan != null) {
      body.put("Timespan", timespan);
    }
    return post(path(f), "application/json; charset=utf-8", body.encode(), Map.of("Authorization", "Bearer " + token));
  }

  /** The result rows of a 200 response, in either casing. */
  static List<JsonObject> rows(HttpResponse<String> r) {
    JsonObject body = new JsonObject(r.body());
    JsonArray results = body.containsKey("results") ? body.getJsonArray("results") : body.getJsonArray("Results");
    List<JsonObject> out = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      out.add(results.getJsonObject(i));
    }
    return out;
  }
}
