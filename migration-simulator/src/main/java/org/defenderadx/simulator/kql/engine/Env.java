package org.defenderadx.simulator.kql.engine;

import java.util.HashMap;
import java.util.Map;

/** let bindings in scope: a name maps to a {@link Scalar} or a {@link Plan}. */
final class Env {
  private final Env parent;
  private final Map<String, Object> bindings = new HashMap<>();

  Env(Env parent) {
    this.parent = parent;
  }

  void bind(String name, Object value) {
    bindings.put(name, value);
  }

  Object lookup(String name) {
    for (Env e = this; e != null; e = e.parent) {
      Object v = e.bindings.get(name);
      if (v != null) {
        return v;
      }
    }
    return null;
  }
}
