package org.defenderadx.migration.common.outcome;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A classified API outcome.
 *
 * @param resumeAt when to call again (WAIT, PAUSE_TENANT, BACK_OFF); empty otherwise
 * @param serviceMessage the service's own message, extracted from the flavour's error body (may be empty)
 * @param errorCode the service's error code ({@code BadRequest}, {@code 429}, ...), empty if none
 * @param requestId the request/tracking id to quote to Microsoft support, empty if none
 * @param explanation one sentence for logs and the audit row: what happened and what to do
 * @param retriesExhausted the action's retry budget is spent (a second 401, too many 5xx/timeouts): fail the
 *     table with {@code explanation} instead of retrying
 */
public record Outcome(OutcomeKind kind, int httpStatus, Optional<Instant> resumeAt, String serviceMessage,
    String errorCode, String requestId, String explanation, boolean retriesExhausted) {
  public Outcome {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(resumeAt, "resumeAt");
    serviceMessage = serviceMessage == null ? "" : serviceMessage;
    errorCode = errorCode == null ? "" : errorCode;
    requestId = requestId == null ? "" : requestId;
    Objects.requireNonNull(explanation, "explanation");
  }

  public Action action() {
    return kind.action();
  }
}
