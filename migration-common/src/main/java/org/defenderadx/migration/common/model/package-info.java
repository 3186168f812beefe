/** The migration configuration rows, their effective copy strategy, and the API flavours. */
package org.defenderadx.migration.common.model;
