package org.defenderadx.simulator.defender;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class DefenderSimulatorMainTest {

  @Test
  void mainPrintsTheBoundPortAndServesTokensAndQueriesThere() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        DefenderSimulatorMain.class.getName(), "--port", "0", "--profile", "small", "--seed", "42",
        "--time-scale", "60", "--scenario", "scaled", "--anchor", "2026-11-15T00:00:00Z")
        .redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      String port = null;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("port=")) {
          port = line.substring(5);
          break;
        }
      }
      assertThat(port).as("the main printed its port").isNotNull().matches("\\d+");
      SimClient c = new SimClient("http://127.0.0.1:" + port);
      var r = c.query(ApiFlavour.GRAPH, c.token(ApiFlavour.GRAPH), "DeviceInfo | count", null);
      assertThat(r.statusCode()).isEqualTo(200);
      JsonObject info = new JsonObject(c.get("/_sim/info").body());
      assertThat(info.getLong("seed")).isEqualTo(42);
      assertThat(info.getString("profile")).isEqualTo("small");
    } finally {
      p.destroy();
      p.waitFor();
    }
  }
}
