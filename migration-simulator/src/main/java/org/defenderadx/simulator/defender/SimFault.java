package org.defenderadx.simulator.defender;

/** Faults the simulator can inject into the next query calls (see {@code DefenderSimulator#injectFaults}). */
public enum SimFault {
  /** 400 "Query execution has exceeded the allowed limits ... preempted". */
  PREEMPTED,
  /** 500 with an empty UnknownError (Graph) or InternalServerError (legacy). */
  SERVER_ERROR,
  /** 504 UnknownError with an empty message. */
  GATEWAY_TIMEOUT,
  /** 429 call-rate quota, as if the minute quota were spent. */
  THROTTLED,
  /** 429 CPU quota, as if this cycle's budget were spent. */
  CPU_QUOTA,
  /** The query timeout error. */
  QUERY_TIMEOUT,
  /**
   * 401 as if the caller's token had been revoked before its expiry (a password reset or disabled app under
   * continuous access evaluation): the caller must get a new token, whatever its own clock says of the old one.
   */
  TOKEN_REVOKED,
  /** Answers normally after the configured slow delay. */
  SLOW
}
