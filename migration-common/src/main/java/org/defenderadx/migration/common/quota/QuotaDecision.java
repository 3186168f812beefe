package org.defenderadx.migration.common.quota;

import java.time.Instant;

/**
 * The result of {@link QuotaState#tryTake}: the state to store, whether a permit was granted, and when to ask
 * again if not (the moment the scarcer budget, or a pause, allows one).
 */
public record QuotaDecision(QuotaState state, boolean granted, Instant waitUntil) {
}
