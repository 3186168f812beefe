package org.defenderadx.migration.worker.bench;

import java.util.ArrayList;
import java.util.List;

/** The values of one figure over the repeated runs: median and spread (min–max). */
record Samples(List<Double> values) {
  Samples {
    values = List.copyOf(values);
  }

  static Samples of(double... v) {
    List<Double> l = new ArrayList<>();
    for (double d : v) {
      l.add(d);
    }
    return new Samples(l);
  }

  boolean isEmpty() {
    return values.isEmpty();
  }

  double median() {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  double min() {
    return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  double max() {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  /** Nearest-rank percentile of the values themselves (for lags, where the values are one run's rows). */
  double percentile(double p) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
