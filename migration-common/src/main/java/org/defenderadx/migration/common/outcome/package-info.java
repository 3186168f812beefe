/** The single classifier of Advanced Hunting API outcomes into what to do next. */
package org.defenderadx.migration.common.outcome;
