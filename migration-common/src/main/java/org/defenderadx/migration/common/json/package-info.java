/** Minimal JSON quoting and reading, so this module needs no library. */
package org.defenderadx.migration.common.json;
