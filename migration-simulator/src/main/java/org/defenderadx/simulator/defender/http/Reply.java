package org.defenderadx.simulator.defender.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An HTTP answer before it is written: status, headers, body, and an optional simulated delay.
 */
public record Reply(int status, Map<String, String> headers, Buffer body, Duration delay) {

  public static Reply json(int status, JsonObject body) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", "application/json; charset=utf-8");
    return new Reply(status, h, body.toBuffer(), Duration.ZERO);
  }

  public Reply withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Reply(status, h, body, delay);
  }

  public Reply delayedBy(Duration d) {
    return new Reply(status, headers, body, d);
  }
}
