package org.defenderadx.simulator.adx.rest;

/**
 * An error the stand-in answers with a OneApi error body: HTTP status, Kusto error code, exception type, the
 * {@code @message} the SDK shows, and {@code @permanent}, which drives the SDK's retry decisions.
 */
public class AdxError extends RuntimeException {
  private final int status;
  private final String code;
  private final String type;
  private final boolean permanent;

  public AdxError(int status, String code, String type, String message, boolean permanent) {
    super(message);
    this.status = status;
    this.code = code;
    this.type = type;
    this.permanent = permanent;
  }

  public static AdxError badRequest(String type, String message) {
    return new AdxError(400, "General_BadRequest", type, message, true);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String type() {
    return type;
  }

  public boolean permanent() {
    return permanent;
  }
}
