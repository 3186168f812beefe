package org.defenderadx.migration.worker.bench;

import com.microsoft.azure.kusto.data.Client;
import com.microsoft.azure.kusto.data.ClientFactory;
import com.microsoft.azure.kusto.data.KustoOperationResult;
import com.microsoft.azure.kusto.data.KustoResultSetTable;
import com.microsoft.azure.kusto.ingest.IngestClientFactory;
import com.microsoft.azure.kusto.ingest.IngestionMapping;
import com.microsoft.azure.kusto.ingest.IngestionProperties;
import com.microsoft.azure.kusto.ingest.QueuedIngestClient;
import com.microsoft.azure.kusto.ingest.source.StreamSourceInfo;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.defenderadx.migration.common.config.AdxConfig;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.time.TimeSource;
import org.defenderadx.migration.worker.adx.AdxConnections;
import org.defenderadx.migration.worker.testing.AdxFixture;
import org.defenderadx.simulator.defender.DefenderSimConfig;

/**
 * BASELINE, NOT PRODUCT CODE: the paging strategy of the original Python script ({@code api/DAFMigration.py} of
 * hfleitas/frigatebird, as described in docs/research "seed-and-peers", section 1.4), rewritten in Java only so the
 * benchmark can measure it against the same simulators. It keeps the script's behaviour on purpose, defects
 * included:
 * <ul>
 *   <li>tables one after another, pages one after another;</li>
 *   <li>pages of 10,000 rows by {@code order by IngestionTime desc | serialize rownum = row_number() | where rownum
 *       between (a .. b)}, the watermark read once per table and reused for every page;</li>
 *   <li>a fixed 60-second window of 45 calls, no hourly or CPU budget;</li>
 *   <li>on 429: wait {@code Retry-After} (10 s when absent), halve the page size (not below 1,000), resend the same
 *       request, then advance by the new, smaller page size; on 5xx: wait 15 s and resend, without bound;</li>
 *   <li>its Defender token re-acquired after a page once 3,500 s have passed since the first one;</li>
 *   <li>each page queued for ingestion fire-and-forget (no status tracking), then the watermark set to the page's
 *       largest {@code IngestionTime} string (compared as strings) and appended to the configuration table with the
 *       response ignored; the loop ends on an empty page.</li>
 * </ul>
 * Its configuration lives in a table of its own ({@code BaselineConfiguration}, the script's six columns), so it
 * never touches the product's state. Arguments: simulator base URL, ADX stand-in URL, database, tables.
 */
public final class OriginalScriptBaseline {
  static final String CONFIG_TABLE = "BaselineConfiguration";
  static final String CONFIG_DDL = ".create-merge table " + CONFIG_TABLE + " (SourceTable:string, "
      + "DestinationTable:string, WatermarkColumn:string, LastRefreshedTime:datetime, LoadType:string, IsActive:bool)";

  private static final int API_LIMIT = 45;
  private static final Duration RESET_WINDOW = Duration.ofSeconds(60);
  private static final int MIN_PAGE_SIZE = 1000;
  private static final int MAX_PAGE_SIZE = 10000;

  private final HttpClient http = HttpClient.newHttpClient();
  private final String simBase;
  private final TimeSource time;
  private final Client kusto;
  private final QueuedIngestClient ingest;
  private final String database;
  private String token;
  /** Set once and never reset, as in the script: after 3,500 s it re-acquires the token after every page. */
  private Instant initialTokenGenerationTime;
  private int pageSize = MAX_PAGE_SIZE;
  private int callCount;
  private Instant lastReset;
  private final Map<String, Integer> callsByStatus = new TreeMap<>();
  private long pages;

  private OriginalScriptBaseline(String simBase, TimeSource time, Client kusto, QueuedIngestClient ingest,
                                 String database) {
    this.simBase = simBase;
    this.time = time;
    this.kusto = kusto;
    this.ingest = ingest;
    this.database = database;
    this.lastReset = time.now();
  }

  public static void main(String[] args) throws Exception {
    String simBase = args[0];
    AdxConfig adx = AdxFixture.config(args[1], args[2]);
    TimeSource time = NodeProcess.simulatorClock(simBase);
    Client kusto = ClientFactory.createClient(AdxConnections.engine(adx));
    QueuedIngestClient ingest = IngestClientFactory.createClient(AdxConnections.ingestion(adx));
    OriginalScriptBaseline script = new OriginalScriptBaseline(simBase, time, kusto, ingest, args[2]);
    long started = System.nanoTime();
    JsonArray tables = new JsonArray();
    for (String table : args[3].split(",")) {
      tables.add(script.exportTable(table));
    }
    ChildJvm.report(new JsonObject()
        .put("seconds", (System.nanoTime() - started) / 1e9)
        .put("process", ProcessFigures.ofThisJvm().toJson())
        .put("pages", script.pages)
        .put("callsByStatus", new JsonObject(new TreeMap<>(script.callsByStatus)))
        .put("tables", tables));
    ingest.close();
    System.exit(0);
  }

  private JsonObject exportTable(String source) {
    String destination = source + "Raw";
    long total = 0;
    String watermark = null;
    try {
      String formattedTs = readWatermark(source).orElse("1900-01-01T00:00:00.000000Z");
      pageSize = MAX_PAGE_SIZE;
      long currentStart = 1;
      while (true) {
        long currentEnd = currentStart + pageSize - 1;
        String query = source + "\n| extend IngestionTime = ingestion_time()\n| where ingestion_time() > datetime("
            + formattedTs + ")\n| order by IngestionTime desc\n| serialize rownum = row_number()\n"
            + "| where rownum between (" + currentStart + " .. " + currentEnd + ")\n| project-away rownum";
        apiLimiter();
        JsonArray records = post(new JsonObject().put("Query", query).encode()).getJsonArray("Results", new JsonArray());
        if (records.isEmpty()) {
          break;
        }
        pages++;
        StringBuilder lines = new StringBuilder();
        String maxTimestamp = null;
        for (Object r : records) {
          JsonObject row = (JsonObject) r;
          lines.append(row.encode()).append('\n');
          String t = row.getString("IngestionTime");
          if (maxTimestamp == null || t.compareTo(maxTimestamp) > 0) {
            maxTimestamp = t;
          }
        }
        ingestFireAndForget(destination, lines.toString());
        watermark = maxTimestamp;
        appendConfigIgnoringResponse(source, destination, maxTimestamp);
        currentStart += pageSize;
        total += records.size();
        if (Duration.between(initialTokenGenerationTime, time.now()).toSeconds() > 3500) {
          token = token();
        }
      }
      return new JsonObject().put("table", source).put("rows", total).put("watermark", watermark)
          .put("status", "Success");
    } catch (Exception e) {
      return new JsonObject().put("table", source).put("rows", total).put("watermark", watermark)
          .put("status", "Failed").put("reason", String.valueOf(e));
    }
  }

  private java.util.Optional<String> readWatermark(String source) throws Exception {
    KustoOperationResult r = kusto.executeQuery(database, CONFIG_TABLE + " | where SourceTable == '" + source
        + "' and IsActive | summarize arg_max(LastRefreshedTime, *) | project LastRefreshedTime");
    KustoResultSetTable t = r.getPrimaryResults();
    if (t.next() && t.getObject(0) != null && !String.valueOf(t.getObject(0)).isEmpty()) {
      return java.util.Optional.of(KustoTime.format(KustoTime.fromValue(t.getObject(0))));
    }
    return java.util.Optional.empty();
  }

  /** The script's fixed-window limiter: 45 calls, then sleep out the rest of the 60-second window. */
  private void apiLimiter() throws InterruptedException {
    Instant now = time.now();
    if (Duration.between(lastReset, now).compareTo(RESET_WINDOW) >= 0) {
      callCount = 0;
      lastReset = now;
    }
    if (callCount >= API_LIMIT) {
      Duration rest = RESET_WINDOW.minus(Duration.between(lastReset, now));
      Thread.sleep(Math.max(0, time.realDelayMillis(rest)));
      callCount = 0;
      lastReset = time.now();
    }
    callCount++;
  }

  /** The script's {@code defender_api_post}: recursive retry with the same payload. */
  private JsonObject post(String payload) throws Exception {
    if (token == null) {
      token = token();
      initialTokenGenerationTime = time.now();
    }
    HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(simBase + "/api/advancedhunting/run"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.ofString());
    callsByStatus.merge(String.valueOf(resp.statusCode()), 1, Integer::sum);
    if (resp.statusCode() == 429) {
      int retryAfter = Integer.parseInt(resp.headers().firstValue("Retry-After").orElse("10").split("\\.")[0]);
      if (pageSize > MIN_PAGE_SIZE) {
        pageSize = Math.max(pageSize / 2, MIN_PAGE_SIZE);
      }
      Thread.sleep(time.realDelayMillis(Duration.ofSeconds(retryAfter)));
      return post(payload);
    }
    if (resp.statusCode() >= 500) {
      Thread.sleep(time.realDelayMillis(Duration.ofSeconds(15)));
      return post(payload);
    }
    if (resp.statusCode() >= 400) {
      throw new IllegalStateException("HTTP " + resp.statusCode() + ": " + resp.body());
    }
    return new JsonObject(resp.body());
  }

  /** AAD v1 client credentials with {@code resource}, as the script asks for its Defender token. */
  private String token() throws Exception {
    String form = "grant_type=client_credentials&client_id=" + DefenderSimConfig.DEFAULT_CLIENT_ID
        + "&client_secret=" + DefenderSimConfig.DEFAULT_CLIENT_SECRET + "&resource="
        + URLEncoder.encode("https://api.security.microsoft.com", StandardCharsets.UTF_8);
    HttpResponse<String> resp = http.send(HttpRequest.newBuilder(
            URI.create(simBase + "/" + DefenderSimConfig.DEFAULT_TENANT + "/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    return new JsonObject(resp.body()).getString("access_token");
  }

  /** {@code ingest_from_stream} of newline-joined JSON: queued, no report level, nothing checked afterwards. */
  private void ingestFireAndForget(String table, String jsonLines) throws Exception {
    IngestionProperties props = new IngestionProperties(database, table);
    props.setDataFormat(IngestionProperties.DataFormat.JSON);
    props.setIngestionMapping("DynamicJsonMap", IngestionMapping.IngestionMappingKind.JSON);
    ingest.ingestFromStream(new StreamSourceInfo(new ByteArrayInputStream(jsonLines.getBytes(StandardCharsets.UTF_8))),
        props);
  }

  private void appendConfigIgnoringResponse(String source, String destination, String maxTimestamp) {
    try {
      kusto.executeMgmt(database, ".set-or-append " + CONFIG_TABLE + " <| datatable (SourceTable: string, "
          + "DestinationTable: string, WatermarkColumn: string, LastRefreshedTime: datetime, LoadType: string, "
          + "IsActive: bool) [ '" + source + "', '" + destination + "', 'None', datetime('" + maxTimestamp
          + "'), 'Full', true ]");
    } catch (Exception ignored) {
      // The script does not look at the response of its configuration write.
    }
  }

  static List<String> setupCommands() {
    return List.of(CONFIG_DDL);
  }
}
