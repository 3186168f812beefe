/** Per-tenant call budgets (per minute and per hour) as immutable token-bucket state. */
package org.defenderadx.migration.common.quota;
