package org.defenderadx.migration.worker.ingest;

/**
 * What became of a {@link Shipment}.
 *
 * @param outcome what ADX holds of the unit now
 * @param reason  why, for anything but {@link Outcome#CONFIRMED}
 * @param byEarlierSend true when an earlier process's send of the unit was confirmed instead of sending it again
 */
public record Delivered(Outcome outcome, String reason, boolean byEarlierSend) {

  public enum Outcome {
    /** ADX confirmed the unit's rows (ingested now, or skipped because an earlier send of the same tag landed). */
    CONFIRMED,
    /** ADX ingested only part of the unit: the watermark stays before it until a repair. */
    QUARANTINED,
    /** Not confirmed after every attempt: the watermark stays before it, the next run sends it again. */
    FAILED
  }

  public static Delivered confirmed(boolean byEarlierSend) {
    return new Delivered(Outcome.CONFIRMED, "", byEarlierSend);
  }

  public boolean confirmed() {
    return outcome == Outcome.CONFIRMED;
  }
}
