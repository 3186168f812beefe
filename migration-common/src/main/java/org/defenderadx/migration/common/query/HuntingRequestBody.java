package org.defenderadx.migration.common.query;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import org.defenderadx.migration.common.json.Json;
import org.defenderadx.migration.common.model.ApiFlavour;
import org.defenderadx.migration.common.window.Window;

/**
 * The JSON request body per API flavour. Graph takes {@code {"Query":...,"Timespan":...}}; the legacy APIs take
 * {@code {"Query":...}} only. Graph applies the shorter of Timespan and the query's own time filter, and defaults
 * to 30 days, so the migrator always passes a Timespan wide enough for the rows of the window.
 */
public final class HuntingRequestBody {
  private HuntingRequestBody() {
  }

  /** The body as JSON text (pure ASCII). {@code timespan} is ignored by the legacy flavours. */
  public static String json(ApiFlavour flavour, String query, Optional<String> timespan) {
    Objects.requireNonNull(query, "query");
    StringBuilder sb = new StringBuilder("{\"Query\":").append(Json.quote(query));
    if (flavour == ApiFlavour.GRAPH && timespan.isPresent()) {
      sb.append(",\"Timespan\":").append(Json.quote(timespan.get()));
    }
    return sb.append('}').toString();
  }

  /** An ISO-8601 interval {@code start/end} widened to whole seconds. */
  public static String interval(Instant start, Instant end) {
    if (!start.isBefore(end)) {
      throw new IllegalArgumentException("empty Timespan [" + start + ", " + end + ")");
    }
    Instant from = start.truncatedTo(ChronoUnit.SECONDS);
    Instant to = end.truncatedTo(ChronoUnit.SECONDS);
    if (to.isBefore(end)) {
      to = to.plusSeconds(1);
    }
    return from + "/" + to;
  }

  /**
   * A Timespan for a window. Graph's Timespan filters the event {@code Timestamp}, not the ingestion time the
   * window is cut on: a row ingested in the window may carry a Timestamp days earlier (offline devices) or a
   * little later (clock skew), so the interval is widened by {@code earlier} before and {@code later} after.
   */
  public static String timespanFor(Window window, Duration earlier, Duration later) {
    return interval(window.lo().minus(earlier), window.hi().plus(later));
  }
}
