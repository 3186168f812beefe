package org.defenderadx.simulator.defender;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.defenderadx.simulator.defender.DefenderSimConfig.ByteCap;
import org.defenderadx.simulator.defender.DefenderSimConfig.Limits;
import org.defenderadx.simulator.defender.DefenderSimConfig.RetryAfterStyle;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The simulator end to end over HTTP, with the real KQL engine. */
@Timeout(60)
class DefenderSimulatorTest {
  static final Instant ANCHOR = Instant.parse("2026-11-15T00:00:00Z");
  static final Pattern SERVED_DATETIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{7}Z");
  /** The hour that holds DeviceProcessEvents' burst of 1,500 rows sharing one ingestion instant. */
  static final Instant BURST_HOUR = ANCHOR.minus(Duration.ofDays(10));

  static Vertx vertx;
  final List<DefenderSimulator> started = new ArrayList<>();

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() {
    vertx.close().await();
  }

  @AfterEach
  void stopSimulators() {
    started.forEach(s -> s.stop().await());
  }

  DefenderSimulator start(UnaryOperator<DefenderSimConfig.Builder> tweak) {
    DefenderSimulator sim = DefenderSimulator.start(vertx, tweak.apply(DefenderSimConfig.builder().anchor(ANCHOR))
        .build()).await();
    started.add(sim);
    return sim;
  }

  DefenderSimulator start() {
    return start(b -> b);
  }

  static JsonObject json(HttpResponse<String> r) {
    return new JsonObject(r.body());
  }

  @Test
  void graphServesLowercaseSchemaAndResultsWithDotNetTypesSevenDigitDatetimesAndDynamicJson() {
    SimClient c = new SimClient(start().baseUrl());
    HttpResponse<String> r = c.query(ApiFlavour.GRAPH, c.token(ApiFlavour.GRAPH),
        Queries.window("DeviceEvents", ANCHOR.minus(Duration.ofDays(10)), ANCHOR), null);

    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = json(r);
    assertThat(body.fieldNames()).containsExactly("@odata.context", "schema", "results");
    Map<String, String> types = new java.util.HashMap<>();
    body.getJsonArray("schema").forEach(o -> types.put(((JsonObject) o).getString("name"),
        ((JsonObject) o).getString("type")));
    assertThat(types).containsEntry("Timestamp", "DateTime").containsEntry("FileSize", "Int64")
        .containsEntry("RemotePort", "Int32").containsEntry("AdditionalFields", "Object")
        .containsEntry("DeviceName", "String").containsEntry("__WindowTotal", "Int64");
    List<JsonObject> rows = SimClient.rows(r);
    assertThat(rows).isNotEmpty().allSatisfy(row -> {
      assertThat(row.getString("Timestamp")).matches(SERVED_DATETIME);
      assertThat(row.getString("__SourceIngestionTime")).matches(SERVED_DATETIME);
    });
    assertThat(rows).anyMatch(row -> row.getValue("AdditionalFields") instanceof JsonObject o
        && o.getValue("Details") instanceof JsonObject);
    assertThat(rows.get(0).fieldNames()).contains("Timestamp", "DeviceId", "AdditionalFields");
  }

  @Test
  void legacyEndpointsServeCapitalisedShapesXdrWithStats() {
    SimClient c = new SimClient(start().baseUrl());
    String q = Queries.window("DeviceLogonEvents", ANCHOR.minus(Duration.ofDays(3)), ANCHOR);

    JsonObject xdr = json(c.query(ApiFlavour.XDR, c.token(ApiFlavour.XDR), q, null));
    JsonObject mde = json(c.query(ApiFlavour.MDE, c.token(ApiFlavour.MDE), q, null));

    assertThat(xdr.fieldNames()).containsExactly("Stats", "Schema", "Results");
    assertThat(xdr.getJsonObject("Stats").getJsonArray("dataset_statistics").getJsonObject(0)
        .getLong("table_row_count")).isEqualTo(xdr.getJsonArray("Results").size());
    assertThat(xdr.getJsonObject("Stats").getJsonObject("resource_usage").getJsonObject("cpu")
        .getString("total cpu")).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{7}");
    assertThat(xdr.getJsonArray("Schema").getJsonObject(0).fieldNames()).containsExactly("Name", "Type");
    assertThat(mde.fieldNames()).containsExactly("Schema", "Results");
    assertThat(mde.getJsonArray("Results")).isEqualTo(xdr.getJsonArray("Results"));

    HttpResponse<String> viaGet = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(c.base()
            + "/api/advancedqueries?key=" + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8)))
        .header("Authorization", "Bearer " + c.token(ApiFlavour.MDE)).GET().build());
    assertThat(json(viaGet).getJsonArray("Results")).isEqualTo(mde.getJsonArray("Results"));
  }

  @Test
  void graphTimespanLimitsRowsByTimestampWhileLegacyIgnoresIt() {
    SimClient c = new SimClient(start().baseUrl());
    String q = Queries.window("DeviceNetworkEvents", ANCHOR.minus(Duration.ofDays(20)), ANCHOR);
    Instant from = ANCHOR.minus(Duration.ofDays(5));
    Instant to = ANCHOR.minus(Duration.ofDays(4));

    List<JsonObject> graph = SimClient.rows(c.query(ApiFlavour.GRAPH, c.token(ApiFlavour.GRAPH), q,
        from + "/" + to));
    List<JsonObject> graphDuration = SimClient.rows(c.query(ApiFlavour.GRAPH, c.token(ApiFlavour.GRAPH), q,
        "P1D/" + to));
    List<JsonObject> legacy = SimClient.rows(c.query(ApiFlavour.XDR, c.token(ApiFlavour.XDR), q, null));

    assertThat(graph).isNotEmpty().allSatisfy(row -> assertThat(Instant.parse(row.getString("Timestamp")))
        .isBetween(from, to));
    assertThat(RowDigest.sorted(graphDuration)).isEqualTo(RowDigest.sorted(graph));
    assertThat(legacy.size()).isGreaterThan(graph.size() * 5);
    // The count rides along and sees the same filtered table.
    assertThat(graph.get(0).getLong("__WindowTotal")).isEqualTo(graph.size());
  }

  @Test
  void halfOpenWindowsPartitionATableExactlyAsTheGroundTruthHoldsIt() {
    DefenderSimulator sim = start();
    SimClient c = new SimClient(sim.baseUrl());
    String token = c.token(ApiFlavour.GRAPH);
    Instant lo = ANCHOR.minus(Duration.ofDays(12));
    List<String> served = new ArrayList<>();
    for (Instant w = lo; w.isBefore(ANCHOR); w = w.plus(Duration.ofDays(2))) {
      Instant hi = w.plus(Duration.ofDays(2));
      List<JsonObject> rows = SimClient.rows(c.query(ApiFlavour.GRAPH, token,
          Queries.window("DeviceProcessEvents", w, hi), "P60D"));
      for (JsonObject row : rows) {
        Instant ingested = Instant.parse(row.getString("__SourceIngestionTime"));
        assertThat(ingested).isAfterOrEqualTo(w).isBefore(hi);
        assertThat(row.getLong("__WindowTotal")).isEqualTo(rows.size());
        served.add(RowDigest.of(row));
      }
    }
    served.sort(null);

    List<String> truth = sim.groundTruth("DeviceProcessEvents", new IngestionTimeRange(lo, ANCHOR),
        sim.clock().instant());
    assertThat(truth).hasSizeGreaterThan(1_500);
    assertThat(served).isEqualTo(truth);
  }

  @Test
  void hashBucketsPartitionAnInstantThatHoldsMoreRowsThanTheCap() {
    DefenderSimulator sim = start(b -> b.limits(Limits.documented().withRowCap(1_000)));
    SimClient c = new SimClient(sim.baseUrl());
    String token = c.token(ApiFlavour.XDR);
    Instant hi = BURST_HOUR.plus(Duration.ofHours(1));
    List<String> union = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int b = 0; b < 4; b++) {
      List<JsonObject> rows = SimClient.rows(c.query(ApiFlavour.XDR, token,
          Queries.window("DeviceProcessEvents", BURST_HOUR, hi, Queries.bucket(4, b)), null));
      assertThat(rows).hasSizeLessThan(1_000);
      assertThat(rows).allSatisfy(r -> assertThat(r.getLong("__WindowTotal")).isEqualTo(rows.size()));
      rows.forEach(r -> {
        String d = RowDigest.of(r);
        assertThat(seen.add(d)).as("row in two buckets").isTrue();
        union.add(d);
      });
    }
    union.sort(null);
    assertThat(union).hasSizeGreaterThan(1_500)
        .isEqualTo(sim.groundTruth("DeviceProcessEvents", new IngestionTimeRange(BURST_HOUR, hi), sim.clock().instant()));
  }

  @Test
  void rowCapTruncatesSilentlyAndTheRideAlongCountShowsIt() {
    DefenderSimulator sim = start(b -> b.limits(Limits.documented().withRowCap(1_000)));
    SimClient c = new SimClient(sim.baseUrl());

    HttpResponse<String> r = c.query(ApiFlavour.GRAPH, c.token(ApiFlavour.GRAPH),
        Queries.window("DeviceProcessEvents", BURST_HOUR, BURST_HOUR.plus(Duration.ofHours(1))), "P60D");

    assertThat(r.statusCode()).isEqualTo(200);
    List<JsonObject> rows = SimClient.rows(r);
    assertThat(rows).hasSize(1_000);
    assertThat(rows.get(0).getLong("__WindowTotal")).isGreaterThan(1_500);
    assertThat(json(r).fieldNames()).containsExactly("@odata.context", "schema", "results");
    assertThat(sim.stats().truncatedResults()).isEqualTo(1);
  }

  @Test
  void byteCapTruncatesSilentlyOnGraphByDefaultAndAnswers400WhenConfiguredOrOnMde() {
    long cap = 1024 * 1024;
    DefenderSimulator silent = start(b -> b.limits(Limits.documented().withByteCaps(
        new ByteCap(cap, false), new ByteCap(cap, false), new ByteCap(cap, true))));
    DefenderSimulator strict = start(b -> b.limits(Limits.documented().withByteCaps(
        new ByteCap(cap, true), new ByteCap(cap, false), new ByteCap(cap, true))));
    String q = Queries.window("DeviceProcessEvents", BURST_HOUR, BURST_HOUR.plus(Duration.ofHours(1)));

    SimClient s = new SimClient(silent.baseUrl());
    HttpResponse<String> truncated = s.query(ApiFlavour.GRAPH, s.token(ApiFlavour.GRAPH), q, "P60D");
    HttpResponse<String> mde = s.query(ApiFlavour.MDE, s.token(ApiFlavour.MDE), q, null);
    SimClient t = new SimClient(strict.baseUrl());
    HttpResponse<String> refused = t.query(ApiFlavour.GRAPH, t.token(ApiFlavour.GRAPH), q, "P60D");

    assertThat(truncated.statusCode()).isEqualTo(200);
    List<JsonObject> rows = SimClient.rows(truncated);
    assertThat(rows).isNotEmpty();
    assertThat((long) rows.size()).isLessThan(rows.get(0).getLong("__WindowTotal"));
    assertThat(json(truncated).getJsonArray("results").encode().getBytes(java.nio.charset.StandardCharsets.UTF_8)
        .length).isLessThanOrEqualTo((int) cap + 2);

    assertThat(mde.statusCode()).isEqualTo(400);
    JsonObject mdeError = json(mde).getJsonObject("error");
    assertThat(mdeError.fieldNames()).containsExactly("code", "message", "target");
    assertThat(mdeError.getString("message")).isEqualTo("Query execution has exceeded the allowed result size. "
        + "Optimize your query by limiting the number of results and try again");

    assertThat(refused.statusCode()).isEqualTo(400);
    JsonObject graphError = json(refused).getJsonObject("error");
    assertThat(graphError.getString("code")).isEqualTo("BadRequest");
    assertThat(graphError.getJsonObject("innerError").fieldNames())
        .contains("date", "request-id", "client-request-id");
  }

  @Test
  void callQuotaAnswers429WithRetryAfterAsIntegerDecimalOrAbsent() {
    UnaryOperator<Limits> twoPerMinute = l -> l.withCallRates(2, 1_500);
    DefenderSimulator integer = start(b -> b.limits(twoPerMinute.apply(Limits.documented())
        .withRetryAfter(RetryAfterStyle.DECIMAL, RetryAfterStyle.INTEGER)));
    String q = "DeviceInfo | count";

    SimClient c = new SimClient(integer.baseUrl());
    String legacyToken = c.token(ApiFlavour.MDE);
    assertThat(c.query(ApiFlavour.MDE, legacyToken, q, null).statusCode()).isEqualTo(200);
    integer.clock().advance(Duration.ofSeconds(20));
    assertThat(c.query(ApiFlavour.MDE, legacyToken, q, null).statusCode()).isEqualTo(200);
    HttpResponse<String> legacy429 = c.query(ApiFlavour.MDE, legacyToken, q, null);
    HttpResponse<String> graph429 = c.query(ApiFlavour.GRAPH, c.token(ApiFlavour.GRAPH), q, null);

    assertThat(legacy429.statusCode()).isEqualTo(429);
    assertThat(json(legacy429).getJsonObject("error").getString("code")).isEqualTo("429");
    assertThat(json(legacy429).getJsonObject("error").getString("message"))
        .isEqualTo("API calls quota exceeded! maximum allowed 2 per 00:01:00");
    // The oldest call leaves the minute 40 s from now.
    assertThat(legacy429.headers().firstValue("Retry-After")).hasValueSatisfying(v ->
        assertThat(Integer.parseInt(v)).isBetween(39, 41));
    assertThat(graph429.statusCode()).isEqualTo(429);
    assertThat(json(graph429).getJsonObject("error").getString("code")).isEqualTo("TooManyRequests");
    assertThat(graph429.headers().firstValue("Retry-After")).hasValueSatisfying(v ->
        assertThat(v).matches("\\d+\\.\\d{3}"));

    integer.clock().advance(Duration.ofSeconds(41));
    assertThat(c.query(ApiFlavour.MDE, legacyToken, q, null).statusCode()).isEqualTo(200);

    DefenderSimulator absent = start(b -> b.limits(twoPerMinute.apply(Limits.documented())));
    SimClient a = new SimClient(absent.baseUrl());
    String graphToken = a.token(ApiFlavour.GRAPH);
    a.query(ApiFlavour.GRAPH, graphToken, q, null);
    a.query(ApiFlavour.GRAPH, graphToken, q, null);
    HttpResponse<String> noHeader = a.query(ApiFlavour.GRAPH, graphToken, q, null);
    assertThat(noHeader.statusCode()).isEqualTo(429);
    assertThat(noHeader.headers().firstValue("Retry-After")).isEmpty();
  }

  @Test
  void cpuQuotaAnswers429UntilTheNextFifteenMinuteCycle() {
    DefenderSimulator sim = start(b -> b.limits(Limits.documented().withCpu(Duration.ofMillis(1),
        new DefenderSimConfig.CostModel(1_000, 1_000, Duration.ofMillis(5)), Duration.ofMinutes(3))));
    SimClient c = new SimClient(sim.baseUrl());
    String token = c.token(ApiFlavour.XDR);
    String q = Queries.window("DeviceProcessEvents", ANCHOR.minus(Duration.ofDays(29)), ANCHOR);

    assertThat(c.query(ApiFlavour.XDR, token, q, null).statusCode()).isEqualTo(200);
    HttpResponse<String> blocked = c.query(ApiFlavour.XDR, token, q, null);

    assertThat(blocked.statusCode()).isEqualTo(429);
    assertThat(json(blocked).getJsonObject("error").getString("message"))
        .matches("You have exceeded processing resources allocated to this tenant\\. "
            + "You can run queries again in \\d\\d:\\d\\d:\\d\\d\\.");
    assertThat(sim.stats().cpuSpent()).isGreaterThan(Duration.ofMillis(1));
    sim.clock().advance(Duration.ofMinutes(15));
    assertThat(c.query(ApiFlavour.XDR, token, q, null).statusCode()).isEqualTo(200);
  }

  @Test
  void sortingForRowNumberPagingCostsMoreCpuThanTheWindowScan() {
    DefenderSimulator sim = start();
    SimClient c = new SimClient(sim.baseUrl());
    String token = c.token(ApiFlavour.XDR);
    String table = "DeviceProcessEvents | where ingestion_time() >= datetime(2026-10-20T00:00:00.0000000Z)";

    JsonObject scan = json(c.query(ApiFlavour.XDR, token, table + " | take 100", null));
    JsonObject paged = json(c.query(ApiFlavour.XDR, token, table
        + " | order by Timestamp desc | serialize rn = row_number() | where rn between (1 .. 100)", null));

    assertThat(paged.getJsonArray("Results")).hasSize(100);
    assertThat(paged.getJsonObject("Stats").getDouble("ExecutionTime"))
        .isGreaterThan(2 * scan.getJsonObject("Stats").getDouble("ExecutionTime"));
  }

  @Test
  void expiredOrForgedTokensGet401WithEachFlavoursBody() {
    DefenderSimulator sim = start(b -> b.tokenLifetime(Duration.ofMinutes(5)));
    SimClient c = new SimClient(sim.baseUrl());
    String graph = c.token(ApiFlavour.GRAPH);
    String xdr = c.token(ApiFlavour.XDR);
    String q = "DeviceInfo | count";
    assertThat(c.query(ApiFlavour.GRAPH, graph, q, null).statusCode()).isEqualTo(200);

    String[] parts = graph.split("\\.");
    String forged = parts[0] + "." + parts[1] + "." + parts[2].substring(0, parts[2].length() - 2) + "AA";
    HttpResponse<String> forgedReply = c.query(ApiFlavour.GRAPH, forged, q, null);
    HttpResponse<String> wrongAudience = c.query(ApiFlavour.XDR, graph, q, null);
    sim.clock().advance(Duration.ofMinutes(5));
    HttpResponse<String> expiredGraph = c.query(ApiFlavour.GRAPH, graph, q, null);
    HttpResponse<String> expiredXdr = c.query(ApiFlavour.XDR, xdr, q, null);

    assertThat(forgedReply.statusCode()).isEqualTo(401);
    assertThat(json(forgedReply).getJsonObject("error").getString("code")).isEqualTo("InvalidAuthenticationToken");
    assertThat(wrongAudience.statusCode()).isEqualTo(401);
    assertThat(json(wrongAudience).getJsonObject("error").getString("message"))
        .isEqualTo("Unauthorized request - reason of failure: Account mode is inactive");
    assertThat(expiredGraph.statusCode()).isEqualTo(401);
    assertThat(json(expiredGraph).getJsonObject("error").getString("message"))
        .isEqualTo("Access token has expired or is not yet valid.");
    assertThat(expiredXdr.statusCode()).isEqualTo(401);
    JsonObject legacy = json(expiredXdr).getJsonObject("error");
    assertThat(legacy.fieldNames()).containsExactly("code", "message", "target");
    assertThat(legacy.getString("code")).isEqualTo("Unauthorized");
  }

  @Test
  void tokenEndpointsIssueV1AndV2TokensAndRefuseWrongCredentialsAadStyle() {
    SimClient c = new SimClient(start().baseUrl());
    String tenant = DefenderSimConfig.DEFAULT_TENANT;
    String client = DefenderSimConfig.DEFAULT_CLIENT_ID;

    JsonObject v2 = json(c.tokenV2(tenant, client, DefenderSimConfig.DEFAULT_CLIENT_SECRET,
        "https://graph.microsoft.com/.default"));
    HttpResponse<String> v1 = c.post("/" + tenant + "/oauth2/token", "application/x-www-form-urlencoded",
        SimClient.form(Map.of("grant_type", "client_credentials", "client_id", client,
            "client_secret", DefenderSimConfig.DEFAULT_CLIENT_SECRET, "resource", "https://api.security.microsoft.com")),
        Map.of());
    HttpResponse<String> wrong = c.tokenV2(tenant, client, "not-the-secret", "https://graph.microsoft.com/.default");
    String assertion = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"RS256\"}".getBytes())
        + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new JsonObject().put("iss", client)
        .put("sub", client).put("aud", "login").put("exp", ANCHOR.plus(Duration.ofMinutes(10)).getEpochSecond())
        .encode().getBytes()) + ".c2ln";
    HttpResponse<String> withAssertion = c.post("/" + tenant + "/oauth2/v2.0/token",
        "application/x-www-form-urlencoded", SimClient.form(Map.of("grant_type", "client_credentials",
            "client_id", client, "scope", "https://api.securitycenter.microsoft.com/.default",
            "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion", assertion)), Map.of());

    assertThat(v2.getString("token_type")).isEqualTo("Bearer");
    assertThat(v2.getInteger("expires_in")).isEqualTo(3599);
    assertThat(v2.getString("access_token").split("\\.")).hasSize(3);
    assertThat(v1.statusCode()).isEqualTo(200);
    assertThat(json(v1).getString("expires_in")).isEqualTo("3599");
    assertThat(wrong.statusCode()).isEqualTo(401);
    JsonObject err = json(wrong);
    assertThat(err.getString("error")).isEqualTo("invalid_client");
    assertThat(err.getString("error_description")).startsWith("AADSTS7000215: Invalid client secret provided.");
    assertThat(err.getJsonArray("error_codes")).isEqualTo(new JsonArray().add(7000215));
    assertThat(withAssertion.statusCode()).isEqualTo(200);
    assertThat(c.query(ApiFlavour.MDE, json(withAssertion).getString("access_token"), "DeviceInfo | count", null)
        .statusCode()).isEqualTo(200);
  }

  @Test
  void injectedFaultsAnswerWithTheDocumentedBodies() {
    DefenderSimulator sim = start();
    SimClient c = new SimClient(sim.baseUrl());
    String graph = c.token(ApiFlavour.GRAPH);
    String xdr = c.token(ApiFlavour.XDR);
    String q = "DeviceInfo | count";
    sim.injectFaults(SimFault.PREEMPTED, SimFault.SERVER_ERROR, SimFault.GATEWAY_TIMEOUT);

    HttpResponse<String> preempted = c.query(ApiFlavour.GRAPH, graph, q, null);
    HttpResponse<String> serverError = c.query(ApiFlavour.XDR, xdr, q, null);
    HttpResponse<String> gateway = c.query(ApiFlavour.GRAPH, graph, q, null);
    HttpResponse<String> fine = c.query(ApiFlavour.GRAPH, graph, q, null);

    assertThat(preempted.statusCode()).isEqualTo(400);
    assertThat(json(preempted).getJsonObject("error").getString("message")).isEqualTo(
        "Query execution has exceeded the allowed limits. The query execution was preempted. This could possibly be "
            + "due to high CPU and/or memory resource consumption. Optimize your query by following best practices "
            + "and try again.");
    assertThat(serverError.statusCode()).isEqualTo(500);
    assertThat(json(serverError).getJsonObject("error").fieldNames()).containsExactly("code", "message", "target");
    assertThat(gateway.statusCode()).isEqualTo(504);
    assertThat(json(gateway).getJsonObject("error").getString("code")).isEqualTo("UnknownError");
    assertThat(json(gateway).getJsonObject("error").getString("message")).isEmpty();
    assertThat(fine.statusCode()).isEqualTo(200);
  }

  @Test
  void aRevokedTokenIsRefusedWith401BeforeItsExpiry() {
    DefenderSimulator sim = start();
    SimClient c = new SimClient(sim.baseUrl());
    String graph = c.token(ApiFlavour.GRAPH);
    sim.injectFaults(SimFault.TOKEN_REVOKED);

    HttpResponse<String> revoked = c.query(ApiFlavour.GRAPH, graph, "DeviceInfo | count", null);

    assertThat(revoked.statusCode()).isEqualTo(401);
    assertThat(json(revoked).getJsonObject("error").getString("code")).isEqualTo("InvalidAuthenticationToken");
    assertThat(json(revoked).getJsonObject("error").getString("message")).contains("TokensRevoked");
    assertThat(revoked.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
        .startsWith("Bearer"));
    assertThat(c.query(ApiFlavour.GRAPH, c.token(ApiFlavour.GRAPH), "DeviceInfo | count", null).statusCode())
        .isEqualTo(200);
  }

  @Test
  void unknownTablesGet400WithTheKustoMessageAndMissingQueriesTheLegacyText() {
    SimClient c = new SimClient(start().baseUrl());

    HttpResponse<String> unknown = c.query(ApiFlavour.GRAPH, c.token(ApiFlavour.GRAPH), "NoSuchTable | count", null);
    HttpResponse<String> missing = c.post("/api/advancedhunting/run", "application/json", "{\"query\":\"x\"}",
        Map.of("Authorization", "Bearer " + c.token(ApiFlavour.XDR)));

    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(json(unknown).getJsonObject("error").getString("message")).contains("NoSuchTable");
    HttpResponse<String> alertsOnMde = c.query(ApiFlavour.MDE, c.token(ApiFlavour.MDE), "AlertInfo | count", null);
    assertThat(alertsOnMde.statusCode()).isEqualTo(400);
    assertThat(json(alertsOnMde).getJsonObject("error").getString("message")).contains("AlertInfo");
    assertThat(c.query(ApiFlavour.XDR, c.token(ApiFlavour.XDR), "AlertInfo | count", null).statusCode()).isEqualTo(200);
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(json(missing).getJsonObject("error").getString("code")).isEqualTo("InvalidRequestBody");
    assertThat(json(missing).getJsonObject("error").getString("message")).isEqualTo("Missing query.");
  }

  @Test
  void dateHeaderFollowsTheSkewedSimulatedClock() {
    DefenderSimulator sim = start(b -> b.dateSkew(Duration.ofMinutes(-7)));
    HttpResponse<String> r = new SimClient(sim.baseUrl()).get("/_sim/stats");

    Instant date = ZonedDateTime.parse(r.headers().firstValue("Date").orElseThrow(),
        DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    assertThat(Duration.between(ANCHOR.minus(Duration.ofMinutes(7)), date).abs()).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void groundTruthEndpointListsTheDigestsOfTheRowsTheApiServes() {
    DefenderSimulator sim = start();
    SimClient c = new SimClient(sim.baseUrl());
    Instant lo = ANCHOR.minus(Duration.ofDays(2));
    List<JsonObject> rows = SimClient.rows(c.query(ApiFlavour.GRAPH, c.token(ApiFlavour.GRAPH),
        Queries.window("DeviceInfo", lo, ANCHOR), null));

    JsonObject truth = json(c.get("/_sim/truth?table=DeviceInfo&from=" + lo + "&to=" + ANCHOR));

    assertThat(truth.getInteger("count")).isEqualTo(rows.size()).isEqualTo(4 * 48);
    assertThat(truth.getJsonArray("digests").getList()).isEqualTo(RowDigest.sorted(rows));
  }

  @Test
  void sameSeedServesTheSameRowsAndAnotherSeedOthers() {
    String q = Queries.window("DeviceFileEvents", ANCHOR.minus(Duration.ofDays(6)), ANCHOR);
    SimClient a = new SimClient(start().baseUrl());
    SimClient b = new SimClient(start().baseUrl());
    SimClient other = new SimClient(start(x -> x.seed(7)).baseUrl());

    List<String> first = RowDigest.sorted(SimClient.rows(a.query(ApiFlavour.GRAPH, a.token(ApiFlavour.GRAPH), q, null)));
    List<String> second = RowDigest.sorted(SimClient.rows(b.query(ApiFlavour.GRAPH, b.token(ApiFlavour.GRAPH), q, null)));
    List<String> third = RowDigest.sorted(SimClient.rows(other.query(ApiFlavour.GRAPH, other.token(ApiFlavour.GRAPH), q, null)));

    assertThat(first).isNotEmpty().isEqualTo(second);
    assertThat(third).doesNotContainAnyElementsOf(first);
  }

  @Test
  void snapshotBucketsPartitionATableAndTheFingerprintSeesARefresh() {
    DefenderSimulator sim = start();
    SimClient c = new SimClient(sim.baseUrl());
    String token = c.token(ApiFlavour.GRAPH);
    List<String> union = new ArrayList<>();
    for (int b = 0; b < 3; b++) {
      HttpResponse<String> r = c.query(ApiFlavour.GRAPH, token,
          Queries.snapshotBucket("DeviceTvmSoftwareVulnerabilities", 3, b), null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      union.addAll(RowDigest.sorted(SimClient.rows(r)));
    }
    union.sort(null);
    String fingerprint = "print Count = toscalar(DeviceTvmSoftwareVulnerabilities | count), MaxIngestion = "
        + "toscalar(DeviceTvmSoftwareVulnerabilities | summarize max(ingestion_time()))";
    HttpResponse<String> fp = c.query(ApiFlavour.GRAPH, token, fingerprint, null);
    assertThat(fp.statusCode()).as(fp.body()).isEqualTo(200);
    JsonObject before = SimClient.rows(fp).get(0);
    sim.clock().advance(Duration.ofHours(6));
    // Six hours later the first token has expired: take a new one.
    JsonObject after = SimClient.rows(c.query(ApiFlavour.GRAPH, c.token(ApiFlavour.GRAPH), fingerprint, null)).get(0);

    assertThat(union).isEqualTo(sim.groundTruth("DeviceTvmSoftwareVulnerabilities", IngestionTimeRange.ALL,
        ANCHOR.plusSeconds(1)));
    assertThat(before.getString("MaxIngestion")).isEqualTo(ServedValues.datetime(ANCHOR));
    assertThat(after.getString("MaxIngestion")).isEqualTo(ServedValues.datetime(ANCHOR.plus(Duration.ofHours(6))));
  }

  @Test
  void rowsKeepArrivingWhileARunIsInProgressAndHourlyRecountsAddUp() {
    DefenderSimulator sim = start();
    SimClient c = new SimClient(sim.baseUrl());
    String token = c.token(ApiFlavour.GRAPH);
    Instant hi = ANCHOR.plus(Duration.ofHours(6));
    String live = Queries.window("DeviceNetworkEvents", ANCHOR, hi);
    String recount = "DeviceNetworkEvents | where ingestion_time() >= datetime(" + ServedValues.datetime(ANCHOR)
        + ") and ingestion_time() < datetime(" + ServedValues.datetime(hi)
        + ") | summarize Count = count() by Bin = bin(ingestion_time(), 1h)";

    List<JsonObject> before = SimClient.rows(c.query(ApiFlavour.GRAPH, token, live, null));
    sim.clock().advance(Duration.ofHours(3));
    token = c.token(ApiFlavour.GRAPH); // the first one has expired
    List<JsonObject> later = SimClient.rows(c.query(ApiFlavour.GRAPH, token, live, null));
    List<JsonObject> bins = SimClient.rows(c.query(ApiFlavour.GRAPH, token, recount, null));

    assertThat(before).isEmpty();
    assertThat(later).isNotEmpty().allSatisfy(r ->
        assertThat(Instant.parse(r.getString("__SourceIngestionTime"))).isBefore(ANCHOR.plus(Duration.ofMinutes(181))));
    assertThat(bins.stream().mapToLong(b -> b.getLong("Count")).sum()).isEqualTo(later.size());
  }

  @Test
  void concurrentCallsAnswerTheSameAsSequentialOnes() throws Exception {
    DefenderSimulator sim = start();
    SimClient c = new SimClient(sim.baseUrl());
    String token = c.token(ApiFlavour.GRAPH);
    List<String> queries = new ArrayList<>();
    for (int d = 0; d < 6; d++) {
      queries.add(Queries.window("DeviceProcessEvents", ANCHOR.minus(Duration.ofDays(d + 1)),
          ANCHOR.minus(Duration.ofDays(d))));
    }
    List<List<String>> sequential = new ArrayList<>();
    for (String q : queries) {
      sequential.add(RowDigest.sorted(SimClient.rows(c.query(ApiFlavour.GRAPH, token, q, "P60D"))));
    }

    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
    try {
      List<java.util.concurrent.Future<List<String>>> parallel = new ArrayList<>();
      for (String q : queries) {
        parallel.add(pool.submit(() -> RowDigest.sorted(SimClient.rows(c.query(ApiFlavour.GRAPH, token, q, "P60D")))));
      }
      for (int i = 0; i < queries.size(); i++) {
        assertThat(parallel.get(i).get()).isEqualTo(sequential.get(i));
      }
    } finally {
      pool.shutdown();
    }
    assertThat(sim.stats().calls("graph", 200)).isEqualTo(12);
  }
}
