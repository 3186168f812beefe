package org.defenderadx.migration.worker.export;

/**
 * How far an exporter's shutdown has gone, read by every run of it: draining (take no new windows, let those under
 * way settle and commit) and then, possibly, abandoned (end now, commit nothing more).
 */
final class ExporterStop {

  private volatile boolean draining;
  private volatile boolean abandoned;

  void drain() {
    draining = true;
  }

  void abandon() {
    draining = true;
    abandoned = true;
  }

  boolean draining() {
    return draining;
  }

  boolean abandoned() {
    return abandoned;
  }
}
