/**
 * Typed tables: the archive's copy of each source table with Defender's own name, columns and types, filled from
 * the raw table by a transactional update policy, so hunting queries run on ADX unchanged. Pure planning (names,
 * column lists, schema comparison and the KQL text of every command); the worker runs the commands.
 */
package org.defenderadx.migration.common.typed;
