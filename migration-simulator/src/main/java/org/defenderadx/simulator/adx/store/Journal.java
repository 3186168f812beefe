package org.defenderadx.simulator.adx.store;

import java.util.Map;

/** Where a database records its mutations so a restarted stand-in can rebuild it. */
interface Journal {
  Journal NONE = event -> { };

  void record(Map<String, Object> event);
}
