package org.defenderadx.migration.worker.bench;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.defenderadx.migration.common.query.HuntingQueries;
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
    HttpRequest request = HttpRequest.newBuilder(URI.create(simBase + "/v1.0/security/runHuntingQuery"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("Query", kql).encode())).build();
    HttpResponse<byte[]> resp = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    // The harness's probes share the tenant's call quota with the node that just ran: a 429 is waited out.
    for (int tries = 1; resp.statusCode() == 429 && tries < 10; tries++) {
      Thread.sleep(2_000);
      resp = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }
    if (resp.statusCode() != 200) {
      throw new IllegalStateException("simulator answered " + resp.statusCode() + ": "
          + new String(resp.body(), StandardCharsets.UTF_8));
    }
    return resp.body();
  }

  /**
   * Average bytes a row of {@code table} takes of a result's byte cap, from a sample of its rows. The simulator's
   * {@code ResultWriter} holds the cap against the rows part of the body ({@code {...},{...}}: each row's JSON and
   * the commas between rows, not the schema and envelope around them), so that part is measured, divided by the
   * rows with one comma each; and the sample carries the two columns the node's window query adds to every row
   * ({@link HuntingQueries#window}), so the rows are the size the node's calls receive.
   */
  static double capBytesPerRow(String simBase, String table, int sample) throws Exception {
    String kql = "let __w = " + table + " | take " + sample + ";\n"
        + "let __total = toscalar(__w | count);\n"
        + "__w\n"
        + "| extend " + HuntingQueries.SOURCE_INGESTION_TIME + " = ingestion_time(), " + HuntingQueries.WINDOW_TOTAL
        + " = __total";
    byte[] body = graphQuery(simBase, kql);
    String text = new String(body, StandardCharsets.UTF_8);
    int rows = new JsonObject(text).getJsonArray("results").size();
    if (rows == 0) {
      return Double.NaN;
    }
    // Graph's body is {"@odata.context":...,"schema":[...],"results":[ROWS]}; the context and schema hold no
    // such key, so the first one opens the rows.
    String open = ",\"results\":[";
    int from = text.indexOf(open);
    if (from < 0 || !text.endsWith("]}")) {
      throw new IllegalStateException("not a Graph hunting result: " + text.substring(0, Math.min(200, text.length())));
    }
    long rowsPart = body.length - (long) text.substring(0, from + open.length()).getBytes(StandardCharsets.UTF_8)
        .length - 2;
    return (rowsPart + 1.0) / rows;
  }

  /** The simulator's counters at one moment, for differences over a run. */
  record Counters(long calls, long calls200, long calls429, long calls401, long rows, long bytes, double cpuSeconds) {
    static Counters of(SimStats stats, String flavour) {
      JsonObject byStatus = stats.toJson().getJsonObject("calls").getJsonObject(flavour, new JsonObject());
      long all = 0;
      for (String status : byStatus.fieldNames()) {
        all += byStatus.getLong(status);
      }
      return new Counters(all, stats.calls(flavour, 200), stats.calls(flavour, 429), stats.calls(flavour, 401),
          stats.rowsServed(), stats.bytesServed(), stats.cpuSpent().toNanos() / 1e9);
    }

    Counters minus(Counters o) {
      return new Counters(calls - o.calls, calls200 - o.calls200, calls429 - o.calls429, calls401 - o.calls401,
          rows - o.rows, bytes - o.bytes, cpuSeconds - o.cpuSeconds);
    }
  }
}
