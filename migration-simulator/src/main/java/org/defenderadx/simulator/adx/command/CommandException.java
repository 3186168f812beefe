package org.defenderadx.simulator.adx.command;

/** A management command the stand-in rejects: malformed, unsupported, or invalid for the current state. */
public class CommandException extends RuntimeException {
  public CommandException(String message) {
    super(message);
  }
}
