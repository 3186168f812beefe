package org.defenderadx.simulator.kql.engine;

import java.util.Iterator;
import java.util.List;
import org.defenderadx.simulator.kql.Column;

/**
 * A tabular expression ready to run. The schema is known before running; {@link #open} may be called more
 * than once (a let-bound table referenced twice), and each call reads its sources again.
 */
public interface Plan {

  List<Column> columns();

  Iterator<Row> open(Exec exec);
}
