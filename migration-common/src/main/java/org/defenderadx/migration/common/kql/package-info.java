/**
 * Safe KQL text: identifier validation (ASCII only), string literals that read back exactly, and datetime and
 * timespan literals at Kusto's 100-ns tick resolution.
 */
package org.defenderadx.migration.common.kql;
