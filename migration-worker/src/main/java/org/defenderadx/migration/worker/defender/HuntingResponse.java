package org.defenderadx.migration.worker.defender;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** What one Advanced Hunting call came back with. Classification into actions is the caller's. */
public sealed interface HuntingResponse {

  /** The service's clock, from its {@code Date} header, when it sent one. */
  Optional<Instant> serviceDate();

  Duration elapsed();

  /**
   * 200: the rows went into {@code blob} as they arrived; {@code bytes} is the body's size as received, the measure the
   * service's byte cap is taken to apply to.
   */
  record Rows(WindowBlobWriter blob, long bytes, Optional<Instant> serviceDate, Duration elapsed)
      implements HuntingResponse {
  }

  /** Any other status, with the start of its body (error bodies are small) and its {@code Retry-After}, if any. */
  record HttpError(int status, String body, Optional<String> retryAfter, Optional<Instant> serviceDate,
                   Duration elapsed) implements HuntingResponse {
  }

  /**
   * 200, but the body passed {@code limit} bytes and was cut off there: the result is too large for one call, as a
   * truncated one is, so its window is split.
   */
  record Cut(long bytesRead, long limit, Optional<Instant> serviceDate, Duration elapsed) implements HuntingResponse {
  }

  /**
   * 200, but not a usable hunting response: not JSON, not shaped like one, or a row past the row limit. The reason
   * names the status, the content type and the start of the body (or the table and window of the row).
   */
  record Unusable(int status, String reason, Optional<Instant> serviceDate, Duration elapsed)
      implements HuntingResponse {
  }

  /** No complete response: connection failure, timeout, or a body that broke off. */
  record TransportError(Throwable cause, boolean timedOut, Duration elapsed) implements HuntingResponse {
    @Override
    public Optional<Instant> serviceDate() {
      return Optional.empty();
    }
  }
}
