package org.defenderadx.migration.common.outcome;

/** The kinds of API outcome; each maps to exactly one {@link Action}. */
public enum OutcomeKind {
  SUCCESS(Action.PROCEED),
  /** 429 for the number of calls (45/min, 1,500/h, or Graph's generic throttling). */
  CALL_QUOTA_429(Action.WAIT),
  /** 429 for the tenant's CPU allocation, which refills on a 15-minute cycle. */
  CPU_QUOTA_429(Action.PAUSE_TENANT),
  /** 400: the result exceeded the byte cap. */
  SIZE_CAP_400(Action.SPLIT_WINDOW),
  /** 400: the query exceeded the allowed limits and was preempted (CPU/memory), or ran past the timeout. */
  PREEMPTED_400(Action.SPLIT_WINDOW),
  /** 400 for anything else: a KQL syntax or semantic error, an unknown table or column. */
  OTHER_400(Action.FAIL_TABLE),
  UNAUTHORIZED_401(Action.REFRESH_TOKEN),
  /** 403: the app registration lacks the flavour's permission. */
  FORBIDDEN_403(Action.FAIL_TABLE),
  /** Any other status the API is not documented to return (404, 3xx, 413, ...): a configuration problem. */
  UNEXPECTED_STATUS(Action.FAIL_TABLE),
  /** 5xx, including 504 gateway timeouts and 500 UnknownError with an empty message. */
  SERVER_5XX(Action.BACK_OFF),
  /** No answer in time: the client's timeout, or 408. */
  TIMEOUT(Action.BACK_OFF),
  /** The connection failed before an answer (refused, reset, DNS). */
  CONNECTION_FAILED(Action.BACK_OFF);

  private final Action action;

  OutcomeKind(Action action) {
    this.action = action;
  }

  public Action action() {
    return action;
  }
}
