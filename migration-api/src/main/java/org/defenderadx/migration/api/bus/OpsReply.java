package org.defenderadx.migration.api.bus;

import io.vertx.core.json.JsonObject;

/**
 * A node's answer to an ops command: {@code {"status": "OK"|"FAILED"|"REFUSED"|"BAD_REQUEST", "message": str,
 * "node": str, "data": {...}}}. A command that ran but found a problem (verify with differences, a repair that is
 * not exact) is {@code FAILED} with its data; {@code REFUSED} is an authentication failure only.
 */
public record OpsReply(Status status, String message, String node, JsonObject data) {

  public enum Status { OK, FAILED, REFUSED, BAD_REQUEST }

  public static OpsReply ok(String node, String message, JsonObject data) {
    return new OpsReply(Status.OK, message, node, data);
  }

  public static OpsReply failed(String node, String message, JsonObject data) {
    return new OpsReply(Status.FAILED, message, node, data);
  }

  public static OpsReply badRequest(String node, String message) {
    return new OpsReply(Status.BAD_REQUEST, message, node, new JsonObject());
  }

  public static OpsReply refused(String node, String message) {
    return new OpsReply(Status.REFUSED, message, node, new JsonObject());
  }

  public JsonObject toJson() {
    return new JsonObject().put("status", status.name()).put("message", message).put("node", node)
        .put("data", data == null ? new JsonObject() : data);
  }

  public static OpsReply fromJson(JsonObject j) {
    return new OpsReply(Status.valueOf(j.getString("status")), j.getString("message", ""), j.getString("node", ""),
        j.getJsonObject("data", new JsonObject()));
  }
}
