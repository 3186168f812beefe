package org.defenderadx.simulator.adx;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Faults the stand-in injects on demand, so a client's retry and confirmation logic can be proven: throttling,
 * transient and permanent errors on the REST endpoints, failed and partially successful queued ingestions, and a
 * slow data-management service. Thread-safe; rules are consumed in the order they were added.
 */
public final class AdxFaults {

  /** The REST endpoint a request rule applies to. */
  public enum Endpoint { MGMT, QUERY, STREAMING_INGEST }

  /** What a faulted request gets back. */
  public enum Kind {
    /** HTTP 429; the SDK raises ThrottleException. */
    THROTTLE,
    /** HTTP 503 with {@code @permanent:false}. */
    TRANSIENT,
    /** HTTP 400 with {@code @permanent:true}. */
    PERMANENT
  }

  /** What happens to a queued blob. */
  public enum IngestionOutcome { FAILED, PARTIALLY_SUCCEEDED }

  /** The fault a matching request gets. */
  public record RequestFault(Kind kind, String message) {
  }

  /** The fault a matching blob gets. */
  public record IngestionFault(IngestionOutcome outcome, String reason, boolean permanent) {
  }

  private record RequestRule(Endpoint endpoint, Pattern text, Kind kind, String message, AtomicInteger left,
                             AtomicInteger pass) {
  }

  private record IngestionRule(String table, IngestionOutcome outcome, String reason, boolean permanent,
                               AtomicInteger left) {
  }

  private final List<RequestRule> requestRules = new CopyOnWriteArrayList<>();
  private final List<IngestionRule> ingestionRules = new CopyOnWriteArrayList<>();
  private volatile Duration dataManagementDelay = Duration.ZERO;

  /** The next {@code times} requests to the endpoint get HTTP 429. */
  public AdxFaults throttle(Endpoint endpoint, int times) {
    return failRequests(endpoint, null, Kind.THROTTLE, times, "The request was throttled (injected fault)");
  }

  /** The next {@code times} requests to the endpoint get HTTP 503, not permanent. */
  public AdxFaults transientError(Endpoint endpoint, int times) {
    return failRequests(endpoint, null, Kind.TRANSIENT, times, "Service temporarily unavailable (injected fault)");
  }

  /** The next {@code times} requests to the endpoint get HTTP 400, permanent, with this message. */
  public AdxFaults permanentError(Endpoint endpoint, int times, String message) {
    return failRequests(endpoint, null, Kind.PERMANENT, times, message);
  }

  /**
   * The next {@code times} requests to the endpoint whose command or query text matches {@code textPattern}
   * (found anywhere in it; null matches all) get the fault.
   */
  public AdxFaults failRequests(Endpoint endpoint, Pattern textPattern, Kind kind, int times, String message) {
    return failRequestsAfter(endpoint, textPattern, 0, kind, times, message);
  }

  /** As {@link #failRequests}, letting the first {@code pass} matching requests through before the fault starts. */
  public AdxFaults failRequestsAfter(Endpoint endpoint, Pattern textPattern, int pass, Kind kind, int times,
                                     String message) {
    requestRules.add(new RequestRule(endpoint, textPattern, kind, message, new AtomicInteger(times),
        new AtomicInteger(pass)));
    return this;
  }

  /** The next {@code times} blobs queued for the table fail with this reason (status Failed, permanent). */
  public AdxFaults failIngestion(String table, String reason, int times) {
    return failIngestion(table, reason, times, true);
  }

  /** As {@link #failIngestion(String, String, int)}, with FailureStatus Transient when {@code permanent} is false. */
  public AdxFaults failIngestion(String table, String reason, int times, boolean permanent) {
    ingestionRules.add(new IngestionRule(table, IngestionOutcome.FAILED, reason, permanent, new AtomicInteger(times)));
    return this;
  }

  /** The next {@code times} blobs queued for the table lose their second half of records (PartiallySucceeded). */
  public AdxFaults partiallySucceed(String table, int times) {
    ingestionRules.add(new IngestionRule(table, IngestionOutcome.PARTIALLY_SUCCEEDED,
        "Some records were dropped (injected fault)", true, new AtomicInteger(times)));
    return this;
  }

  /** Every sealed batch waits this long more, on the stand-in's clock, before it is ingested. */
  public AdxFaults delayDataManagement(Duration extra) {
    this.dataManagementDelay = extra;
    return this;
  }

  public Duration dataManagementDelay() {
    return dataManagementDelay;
  }

  public void clear() {
    requestRules.clear();
    ingestionRules.clear();
    dataManagementDelay = Duration.ZERO;
  }

  /** Consumes and returns the fault for a request, if a rule matches. */
  public Optional<RequestFault> nextRequestFault(Endpoint endpoint, String text) {
    for (RequestRule r : requestRules) {
      if (r.endpoint() == endpoint && (r.text() == null || (text != null && r.text().matcher(text).find()))
          && r.pass().getAndUpdate(n -> Math.max(0, n - 1)) == 0
          && r.left().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        return Optional.of(new RequestFault(r.kind(), r.message()));
      }
    }
    return Optional.empty();
  }

  /** Consumes and returns the fault for a blob queued for the table, if a rule matches. */
  public Optional<IngestionFault> nextIngestionFault(String table) {
    for (IngestionRule r : ingestionRules) {
      if ((r.table() == null || r.table().equals(table)) && r.left().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        return Optional.of(new IngestionFault(r.outcome(), r.reason(), r.permanent()));
      }
    }
    return Optional.empty();
  }
}
