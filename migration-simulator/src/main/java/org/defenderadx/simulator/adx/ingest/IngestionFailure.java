package org.defenderadx.simulator.adx.ingest;

/**
 * Data that cannot be ingested, with the error code Kusto reports (for example
 * {@code BadRequest_MappingReferenceWasNotFound}) and whether retrying could help.
 */
public class IngestionFailure extends RuntimeException {
  private final String errorCode;
  private final boolean permanent;

  public IngestionFailure(String errorCode, String message, boolean permanent) {
    super(message);
    this.errorCode = errorCode;
    this.permanent = permanent;
  }

  public String errorCode() {
    return errorCode;
  }

  public boolean permanent() {
    return permanent;
  }
}
