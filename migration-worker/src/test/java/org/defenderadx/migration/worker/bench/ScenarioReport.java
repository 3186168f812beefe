package org.defenderadx.migration.worker.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * What one scenario reports: its figures, tables beside them, notes about how they were taken, or why it was not
 * run.
 */
final class ScenarioReport {
  final String title;
  final String measures;
  final List<Figure> figures = new ArrayList<>();
  final List<MarkdownTable> tables = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  String setup = "";
  String notRun = "";
  int runs;
  double seconds;

  ScenarioReport(String title, String measures) {
    this.title = title;
    this.measures = measures;
  }

  ScenarioReport add(Figure f) {
    figures.add(f);
    return this;
  }

  ScenarioReport add(MarkdownTable t) {
    tables.add(t);
    return this;
  }

  ScenarioReport note(String n) {
    notes.add(n);
    return this;
  }

  static ScenarioReport notRun(String title, String measures, String why) {
    ScenarioReport r = new ScenarioReport(title, measures);
    r.notRun = why;
    return r;
  }
}
