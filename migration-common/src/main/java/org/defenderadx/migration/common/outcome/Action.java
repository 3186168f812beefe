package org.defenderadx.migration.common.outcome;

/** What the migrator does next after an API call. */
public enum Action {
  /** Use the result. */
  PROCEED,
  /** Call-rate quota: wait until {@link Outcome#resumeAt()}, then repeat the same call. */
  WAIT,
  /** Tenant CPU quota: pause every call for this tenant until {@link Outcome#resumeAt()}. */
  PAUSE_TENANT,
  /** The window is too big or too costly for one call: split it; retrying it unchanged would fail again. */
  SPLIT_WINDOW,
  /** Get a new token and repeat the call once. */
  REFRESH_TOKEN,
  /** Transient failure: repeat the call at {@link Outcome#resumeAt()}, a bounded number of times. */
  BACK_OFF,
  /** Stop this table and report {@link Outcome#explanation()}; other tables go on. */
  FAIL_TABLE
}
