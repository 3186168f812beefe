/** The KQL the migrator sends, request bodies per API flavour, and checks on what comes back. */
package org.defenderadx.migration.common.query;
