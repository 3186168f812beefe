package org.defenderadx.simulator.adx.store;

/** A table, function, mapping or database that a command or ingestion names does not exist. */
public class NoSuchEntityException extends IllegalArgumentException {
  public NoSuchEntityException(String message) {
    super(message);
  }
}
