package org.defenderadx.migration.api.bus;

/**
 * Every event-bus address, in one place. Versioned: a change to a message schema gets a new address version, so
 * nodes of two releases in one cluster never misread each other's messages.
 */
public final class Addresses {
  private Addresses() {
  }

  /**
   * Request-reply: the coordinator sends one {@link TableWork} to whichever table worker takes it (the event bus
   * round-robins across nodes); the reply is a {@link TableOutcome} when the table has caught up, paused or failed.
   * Work is never pushed to a paused consumer: it is a request with a timeout, answered or failed.
   */
  public static final String TABLE_WORK = "defender-adx-migration.v1.table-work";
}
