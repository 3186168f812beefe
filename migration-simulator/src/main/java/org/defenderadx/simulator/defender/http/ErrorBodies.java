package org.defenderadx.simulator.defender.http;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.defenderadx.simulator.defender.ApiFlavour;

/**
 * Error envelopes exactly as each API family returns them (defender-api.md §2.2): legacy
 * {@code {"error":{"code","message","target"}}}, Graph {@code {"error":{"code","message","innerError":{...}}}}.
 */
public final class ErrorBodies {
  public static final String PREEMPTED = "Query execution has exceeded the allowed limits. The query execution was "
      + "preempted. This could possibly be due to high CPU and/or memory resource consumption. Optimize your query "
      + "by following best practices and try again.";
  public static final String RESULT_TOO_LARGE = "Query execution has exceeded the allowed result size. Optimize your "
      + "query by limiting the number of results and try again";
  public static final String TIMEOUT = "Query exceeded the timeout period.";
  public static final String CPU_QUOTA = "You have exceeded processing resources allocated to this tenant. "
      + "You can run queries again in %s.";

  private ErrorBodies() {
  }

  /** One error, shaped for the flavour. */
  public static JsonObject error(ApiFlavour flavour, String code, String message, String requestId,
                                 String clientRequestId, Instant now) {
    JsonObject err = new JsonObject().put("code", code).put("message", message);
    if (flavour.legacy()) {
      err.put("target", requestId);
    } else {
      err.put("innerError", innerError(requestId, clientRequestId, now));
    }
    return new JsonObject().put("error", err);
  }

  /** Graph's generic throttling body (graph/throttling), with the inner code and status as strings. */
  public static JsonObject graphThrottled(String message, String requestId, String clientRequestId, Instant now) {
    JsonObject inner = innerError(requestId, clientRequestId, now)
        .put("code", "429").put("message", "Please retry after").put("status", "429");
    return new JsonObject().put("error", new JsonObject()
        .put("code", "TooManyRequests").put("innerError", inner).put("message", message));
  }

  private static JsonObject innerError(String requestId, String clientRequestId, Instant now) {
    // Graph's innerError.date has no fraction and no zone designator.
    String date = now.truncatedTo(ChronoUnit.SECONDS).toString();
    date = date.endsWith("Z") ? date.substring(0, date.length() - 1) : date;
    return new JsonObject().put("date", date).put("request-id", requestId)
        .put("client-request-id", clientRequestId == null ? requestId : clientRequestId);
  }
}
