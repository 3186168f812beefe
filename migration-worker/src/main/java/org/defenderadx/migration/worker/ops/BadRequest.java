package org.defenderadx.migration.worker.ops;

import org.defenderadx.migration.api.bus.OpsReply;

/** A command's arguments do not fit it: the reply is {@link OpsReply.Status#BAD_REQUEST}. */
final class BadRequest extends RuntimeException {
  BadRequest(String message) {
    super(message, null, false, false);
  }
}
