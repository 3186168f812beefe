package org.defenderadx.simulator.defender;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.defenderadx.simulator.defender.DefenderSimConfig.CostModel;
import org.defenderadx.simulator.defender.DefenderSimConfig.Faults;
import org.defenderadx.simulator.defender.DefenderSimConfig.Limits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class FaultsAndTimeoutsTest {
  static final Instant ANCHOR = Instant.parse("2026-11-15T00:00:00Z");
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
  void stop() {
    started.forEach(s -> s.stop().await());
  }

  DefenderSimulator start(UnaryOperator<DefenderSimConfig.Builder> tweak) {
    DefenderSimulator sim = DefenderSimulator.start(vertx, tweak.apply(DefenderSimConfig.builder().anchor(ANCHOR))
        .build()).await();
    started.add(sim);
    return sim;
  }

  static List<Integer> statuses(DefenderSimulator sim, int calls) {
    SimClient c = new SimClient(sim.baseUrl());
    String token = c.token(ApiFlavour.GRAPH);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      out.add(c.query(ApiFlavour.GRAPH, token, "DeviceInfo | count", null).statusCode());
    }
    return out;
  }

  @Test
  void randomFaultsFollowTheirSeedSoARunIsRepeatable() {
    Faults faults = new Faults(0.2, 0.2, 0.2, 0, Duration.ZERO, 99);
    UnaryOperator<DefenderSimConfig.Builder> flaky = b -> b.faults(faults)
        .limits(Limits.documented().withCallRates(1_000, 10_000));

    List<Integer> first = statuses(start(flaky), 30);
    List<Integer> second = statuses(start(flaky), 30);

    assertThat(first).isEqualTo(second).contains(200, 400, 500, 504);
  }

  @Test
  void slowFaultDelaysTheAnswerByTheSimulatedDelayOverTheTimeScale() {
    DefenderSimulator sim = start(b -> b.timeScale(10)
        .faults(new Faults(0, 0, 0, 0, Duration.ofSeconds(3), 1)));
    SimClient c = new SimClient(sim.baseUrl());
    String token = c.token(ApiFlavour.GRAPH);
    sim.injectFaults(SimFault.SLOW);

    long start = System.nanoTime();
    HttpResponse<String> r = c.query(ApiFlavour.GRAPH, token, "DeviceInfo | count", null);
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void queryWhoseSimulatedCpuExceedsTheTimeoutFailsPerFlavour() {
    DefenderSimulator sim = start(b -> b.limits(Limits.documented().withCpu(Duration.ofHours(1),
        new CostModel(100_000_000, 1_000, Duration.ofMillis(5)), Duration.ofMinutes(3))));
    SimClient c = new SimClient(sim.baseUrl());
    String q = Queries.window("DeviceProcessEvents", ANCHOR.minus(Duration.ofDays(29)), ANCHOR);

    HttpResponse<String> legacy = c.query(ApiFlavour.MDE, c.token(ApiFlavour.MDE), q, null);
    HttpResponse<String> graph = c.query(ApiFlavour.GRAPH, c.token(ApiFlavour.GRAPH), q, null);
    HttpResponse<String> cheap = c.query(ApiFlavour.GRAPH, c.token(ApiFlavour.GRAPH), "AlertInfo | take 1", null);

    assertThat(legacy.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(legacy.body()).getJsonObject("error").getString("message"))
        .isEqualTo("Query exceeded the timeout period.");
    assertThat(graph.statusCode()).isEqualTo(504);
    assertThat(cheap.statusCode()).isEqualTo(200);
    assertThat(sim.stats().cpuSpent()).isGreaterThan(Duration.ofMinutes(6));
  }

  @Test
  void introspectionEndpointsInjectFaultsAdvanceTheClockAndCountCalls() {
    DefenderSimulator sim = start(b -> b);
    SimClient c = new SimClient(sim.baseUrl());
    String token = c.token(ApiFlavour.XDR);

    HttpResponse<String> injected = c.post("/_sim/faults", "application/json",
        "{\"faults\":[\"cpu_quota\",\"throttled\"]}", Map.of());
    HttpResponse<String> cpu = c.query(ApiFlavour.XDR, token, "DeviceInfo | count", null);
    HttpResponse<String> throttled = c.query(ApiFlavour.XDR, token, "DeviceInfo | count", null);
    HttpResponse<String> advanced = c.post("/_sim/clock/advance?seconds=3600", "text/plain", "", Map.of());
    HttpResponse<String> expired = c.query(ApiFlavour.XDR, token, "DeviceInfo | count", null);
    JsonObject stats = new JsonObject(c.get("/_sim/stats").body());

    assertThat(injected.statusCode()).isEqualTo(200);
    assertThat(cpu.statusCode()).isEqualTo(429);
    assertThat(new JsonObject(cpu.body()).getJsonObject("error").getString("message"))
        .startsWith("You have exceeded processing resources allocated to this tenant.");
    assertThat(cpu.headers().firstValue("Retry-After")).isPresent();
    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(Instant.parse(new JsonObject(advanced.body()).getString("now")))
        .isAfter(ANCHOR.plus(Duration.ofMinutes(59)));
    assertThat(expired.statusCode()).isEqualTo(401);
    JsonObject xdrCalls = stats.getJsonObject("calls").getJsonObject("xdr");
    assertThat(xdrCalls.getLong("429")).isEqualTo(2);
    assertThat(xdrCalls.getLong("401")).isEqualTo(1);
    assertThat(stats.getJsonObject("calls").getJsonObject("token-v2").getLong("200")).isEqualTo(1);
  }

  @Test
  void scaledScenarioLetsTheSmallProfileReachTheRowAndByteCaps() {
    DefenderSimulator sim = start(Scenario.SCALED::apply);
    SimClient c = new SimClient(sim.baseUrl());
    String token = c.token(ApiFlavour.GRAPH);

    List<JsonObject> burst = SimClient.rows(c.query(ApiFlavour.GRAPH, token, Queries.window("DeviceProcessEvents",
        ANCHOR.minus(Duration.ofDays(10)), ANCHOR.minus(Duration.ofDays(10)).plus(Duration.ofHours(1))), "P60D"));
    HttpResponse<String> big = c.query(ApiFlavour.GRAPH, token, Queries.window("DeviceNetworkEvents",
        ANCHOR.minus(Duration.ofDays(29)), ANCHOR), "P60D");

    assertThat((long) burst.size()).isLessThan(burst.get(0).getLong("__WindowTotal"));
    assertThat(big.body().length()).isLessThan(1024 * 1024 + 64 * 1024);
    assertThat((long) SimClient.rows(big).size()).isLessThan(SimClient.rows(big).get(0).getLong("__WindowTotal"));
  }
}
