package org.defenderadx.migration.worker.bench;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.defender.SimStats;

/** Direct calls to the Defender simulator for the harness itself: sample responses, and counters by flavour. */
final class SimProbe {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private SimProbe() {
  }

  /** One Graph hunting query's raw response body, as the node would receive it. */
  static byte[] graphQuery(String simBase, String kql) throws Exception {
    String form = "grant_type=client_credentials&client_id=" + DefenderSimConfig.DEFAULT_CLIENT_ID
        + "&client_secret=" + DefenderSimConfig.DEFAULT_CLIENT_SECRET + "&scope="
        + URLEncoder.encode("https://graph.microsoft.com/.default", StandardCharsets.UTF_8);
    String token = new JsonObject(HTTP.send(HttpRequest.newBuilder(
                URI.create(simBase + "/" + DefenderSimConfig.DEFAULT_TENANT + "/oauth2/v2.0/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString()).body())
        .getString("access_token");
    HttpResponse<byte[]> resp = HTTP.send(HttpRequest.newBuilder(URI.create(simBase + "/v1.0/security/runHuntingQuery"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("Query", kql).encode())).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (resp.statusCode() != 200) {
      throw new IllegalStateException("simulator answered " + resp.statusCode() + ": "
          + new String(resp.body(), StandardCharsets.UTF_8));
    }
    return resp.body();
  }

  /** Average served bytes per row of a table, from a sample of its rows. */
  static double bytesPerRow(String simBase, String table, int sample) throws Exception {
    byte[] body = graphQuery(simBase, table + " | take " + sample);
    int rows = new JsonObject(new String(body, StandardCharsets.UTF_8)).getJsonArray("results").size();
    return (double) body.length / Math.max(1, rows);
  }

  /** The simulator's counters at one moment, for differences over a run. */
  record Counters(long calls, long calls200, long calls429, long rows, long bytes, double cpuSeconds) {
    static Counters of(SimStats stats, String flavour) {
      JsonObject byStatus = stats.toJson().getJsonObject("calls").getJsonObject(flavour, new JsonObject());
      long all = 0;
      for (String status : byStatus.fieldNames()) {
        all += byStatus.getLong(status);
      }
      return new Counters(all, stats.calls(flavour, 200), stats.calls(flavour, 429), stats.rowsServed(),
          stats.bytesServed(), stats.cpuSpent().toNanos() / 1e9);
    }

    Counters minus(Counters o) {
      return new Counters(calls - o.calls, calls200 - o.calls200, calls429 - o.calls429, rows - o.rows,
          bytes - o.bytes, cpuSeconds - o.cpuSeconds);
    }
  }
}
