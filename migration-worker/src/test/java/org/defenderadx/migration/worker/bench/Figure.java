package org.defenderadx.migration.worker.bench;

import java.util.Optional;
import java.util.function.DoublePredicate;

/**
 * One reported figure: its values over the runs, and where the issue sets a target, the target and whether the
 * median meets it; a missed target carries the reason the harness found.
 */
record Figure(String name, Samples samples, String unit, String format, Optional<Target> target, String whyMissed) {

  /** A target as the issue states it, and the test of a median against it. */
  record Target(String text, DoublePredicate met) {
  }

  static Figure of(String name, Samples samples, String unit, String format) {
    return new Figure(name, samples, unit, format, Optional.empty(), "");
  }

  Figure target(String text, DoublePredicate met, String whyMissed) {
    return new Figure(name, samples, unit, format, Optional.of(new Target(text, met)), whyMissed);
  }

  Optional<Boolean> met() {
    // Nothing measured (no rows in range, say) is neither met nor missed.
    if (samples.isEmpty() || Double.isNaN(samples.median())) {
      return Optional.empty();
    }
    return target.map(t -> t.met().test(samples.median()));
  }

  String render(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(java.util.Locale.ROOT, format, v);
  }
}
