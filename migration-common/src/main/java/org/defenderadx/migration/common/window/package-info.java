/**
 * Window planning on a fixed grid. Every window is a node of a cell's halving tree (or a hash bucket of a one-tick
 * instant), so bounds and {@link org.defenderadx.migration.common.window.WindowId identities} depend only on the
 * grid and the committed {@link org.defenderadx.migration.common.window.WindowProgress}, never on the clock.
 */
package org.defenderadx.migration.common.window;
