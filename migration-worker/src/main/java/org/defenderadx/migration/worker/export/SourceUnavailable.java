package org.defenderadx.migration.worker.export;

import java.util.Locale;
import java.util.Optional;
import org.defenderadx.migration.common.outcome.Outcome;
import org.defenderadx.migration.common.outcome.OutcomeKind;

/**
 * A table the tenant does not have: the service does not know it (a 400 "Failed to resolve table or column
 * expression named '<table>'", as when the product behind it is not licensed) or the app may not read it (403).
 * Trying again every cycle would spend calls on the same answer, so such a table is parked (TableParking). Its failure
 * reason carries {@link #MARKER}, which is how the run's outcome is recognised further on.
 */
public final class SourceUnavailable {

  /** Starts the reason of every such failure. */
  public static final String MARKER = "source unavailable: ";

  private SourceUnavailable() {
  }

  /** The reason to fail the table with, when {@code outcome} says the tenant does not have {@code sourceTable}. */
  public static Optional<String> reason(String sourceTable, Outcome outcome, String described) {
    if (outcome.kind() == OutcomeKind.FORBIDDEN_403) {
      return Optional.of(MARKER + described);
    }
    String message = outcome.serviceMessage().toLowerCase(Locale.ROOT);
    String unresolved = "failed to resolve table or column expression named '" + sourceTable.toLowerCase(Locale.ROOT)
        + "'";
    if (outcome.kind() == OutcomeKind.OTHER_400 && message.contains(unresolved)) {
      return Optional.of(MARKER + "the tenant has no table " + sourceTable + " (is the product behind it licensed?): "
          + described);
    }
    return Optional.empty();
  }

  /** Whether a run's failure reason says the tenant does not have the table. */
  public static boolean in(String failure) {
    return failure != null && failure.contains(MARKER);
  }
}
