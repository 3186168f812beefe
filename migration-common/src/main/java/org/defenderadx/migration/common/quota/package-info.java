/**
 * Per-tenant call budgets as immutable values: a token bucket for the minute, a sliding window of minute slots for
 * the hour.
 */
package org.defenderadx.migration.common.quota;
