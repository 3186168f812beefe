package org.defenderadx.simulator.defender;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.defenderadx.simulator.defender.data.Profile;

/**
 * Everything the Defender simulator can be told, validated once. Defaults follow the documented limits
 * (defender-api.md §2.1); where real behaviour is unknown (§8) the default is the harsher choice, noted on the
 * field.
 *
 * @param host                     loopback address to bind
 * @param port                     TCP port; 0 picks a free one
 * @param profile                  data volume
 * @param seed                     data seed: the same seed and anchor give the same rows
 * @param anchor                   simulated "now" when the simulator starts; data is laid out around it
 * @param timeScale                simulated seconds per real second
 * @param dateSkew                 added to the simulated time in the {@code Date} response header only
 * @param tokenLifetime            {@code expires_in} of issued tokens (real AAD: 3599 s)
 * @param clients                  app registrations the token endpoints accept
 * @param limits                   quotas and caps
 * @param faults                   random faults
 * @param snapshotRefreshInterval  how often the TVM/baseline snapshot tables are replaced (unknown; TVM export
 *                                 documents six hours)
 * @param graphDefaultTimespan     Graph's implied {@code Timespan} when a request has none ("the default value
 *                                 is 30 days"); applied to {@code Timestamp}; null disables it
 */
public record DefenderSimConfig(
    String host, int port, Profile profile, long seed, Instant anchor, double timeScale, Duration dateSkew,
    Duration tokenLifetime, List<ClientRegistration> clients, Limits limits, Faults faults,
    Duration snapshotRefreshInterval, Duration graphDefaultTimespan) {

  public static final String DEFAULT_TENANT = "72f988bf-0000-4000-8000-00000000d3f3";
  public static final String DEFAULT_CLIENT_ID = "5f4c1b6e-0000-4000-8000-0000000c1e47";
  public static final String DEFAULT_CLIENT_SECRET = "sim-secret";

  public DefenderSimConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(anchor, "anchor");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(faults, "faults");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: must be 0..65535, got " + port);
    }
    if (!(timeScale > 0)) {
      throw new IllegalArgumentException("timeScale: must be positive, got " + timeScale);
    }
    if (tokenLifetime.isNegative() || tokenLifetime.isZero()) {
      throw new IllegalArgumentException("tokenLifetime: must be positive, got " + tokenLifetime);
    }
    if (snapshotRefreshInterval.compareTo(Duration.ofMinutes(1)) < 0) {
      throw new IllegalArgumentException("snapshotRefreshInterval: at least a minute, got " + snapshotRefreshInterval);
    }
    clients = List.copyOf(clients);
  }

  /** One app registration: a client id with a secret, and whether it may sign in with a client assertion. */
  public record ClientRegistration(String tenantId, String clientId, String clientSecret, boolean assertionAllowed) {
  }

  /** How a 429 carries {@code Retry-After}: whole seconds, decimal seconds ({@code 2.128}), or not at all. */
  public enum RetryAfterStyle { INTEGER, DECIMAL, ABSENT }

  /**
   * A result-size cap.
   *
   * @param bytes             the cap on the serialized rows
   * @param errorWhenExceeded true: HTTP 400 "exceeded the allowed result size"; false: silently drop the rows
   *                          that would cross the cap
   */
  public record ByteCap(long bytes, boolean errorWhenExceeded) {
  }

  /**
   * Converts the engine's counters ({@code QueryStats}) into simulated CPU time, so that sorting big sets (as
   * {@code row_number()} paging does) costs visibly more than a filtered scan.
   */
  public record CostModel(double nanosPerScannedRow, double nanosPerSortedRowLog2, Duration perCall) {
    public Duration cpu(long scanned, long sorted) {
      double sortFactor = sorted > 1 ? Math.log(sorted) / Math.log(2) : 1;
      double nanos = scanned * nanosPerScannedRow + sorted * sortFactor * nanosPerSortedRowLog2;
      return perCall.plusNanos((long) nanos);
    }
  }

  /**
   * Quotas and caps.
   *
   * @param horizon          how far back data is kept, by ingestion time
   * @param rowCap           rows per result; more are dropped silently (no documented error; harsher choice)
   * @param graphByteCap     Graph: 50 MB, silent truncation by default (undocumented; harsher choice)
   * @param xdrByteCap       legacy XDR: not documented; default as Graph (silent, 50 MB), the harsher choice
   * @param mdeByteCap       legacy MDE: 124 MB, documented HTTP 400
   * @param callsPerMinute   query calls per sliding minute (all flavours; Graph's exact limit is unknown)
   * @param callsPerHour     query calls per sliding hour (documented for MDE; applied to all, harsher)
   * @param cpuBudget        simulated CPU per cycle; a call that starts with the budget spent gets 429
   * @param cpuCycle         the budget cycle, aligned to multiples of it since the epoch (15 minutes)
   * @param cost             the CPU cost model
   * @param queryTimeout     a query whose simulated CPU exceeds this fails (3 minutes)
   * @param graphRetryAfter  Graph documents no {@code Retry-After} for hunting: absent by default
   * @param legacyRetryAfter legacy APIs document whole seconds
   * @param rejectedCallsCount whether a call answered 429 counts against the call quota too (undocumented; off by
   *                         default, on for the harsher service that punishes a client calling too fast)
   */
  public record Limits(Duration horizon, int rowCap, ByteCap graphByteCap, ByteCap xdrByteCap, ByteCap mdeByteCap,
                       int callsPerMinute, int callsPerHour, Duration cpuBudget, Duration cpuCycle, CostModel cost,
                       Duration queryTimeout, RetryAfterStyle graphRetryAfter, RetryAfterStyle legacyRetryAfter,
                       boolean rejectedCallsCount) {
    public static Limits documented() {
      return new Limits(Duration.ofDays(30), 100_000,
          new ByteCap(50L * 1024 * 1024, false), new ByteCap(50L * 1024 * 1024, false),
          new ByteCap(124L * 1024 * 1024, true),
          45, 1500, Duration.ofSeconds(150), Duration.ofMinutes(15),
          new CostModel(1_000, 1_000, Duration.ofMillis(5)), Duration.ofMinutes(3),
          RetryAfterStyle.ABSENT, RetryAfterStyle.INTEGER, false);
    }

    public Limits {
      if (rowCap < 1) {
        throw new IllegalArgumentException("limits.rowCap: must be at least 1, got " + rowCap);
      }
      if (callsPerMinute < 1 || callsPerHour < 1) {
        throw new IllegalArgumentException("limits.callsPerMinute/callsPerHour: must be at least 1");
      }
    }

    public ByteCap byteCap(ApiFlavour f) {
      return switch (f) {
        case GRAPH -> graphByteCap;
        case XDR -> xdrByteCap;
        case MDE -> mdeByteCap;
      };
    }

    public RetryAfterStyle retryAfter(ApiFlavour f) {
      return f == ApiFlavour.GRAPH ? graphRetryAfter : legacyRetryAfter;
    }

    public Limits withRowCap(int v) {
      return new Limits(horizon, v, graphByteCap, xdrByteCap, mdeByteCap, callsPerMinute, callsPerHour, cpuBudget,
          cpuCycle, cost, queryTimeout, graphRetryAfter, legacyRetryAfter, rejectedCallsCount);
    }

    public Limits withByteCaps(ByteCap graph, ByteCap xdr, ByteCap mde) {
      return new Limits(horizon, rowCap, graph, xdr, mde, callsPerMinute, callsPerHour, cpuBudget,
          cpuCycle, cost, queryTimeout, graphRetryAfter, legacyRetryAfter, rejectedCallsCount);
    }

    public Limits withCallRates(int perMinute, int perHour) {
      return new Limits(horizon, rowCap, graphByteCap, xdrByteCap, mdeByteCap, perMinute, perHour, cpuBudget,
          cpuCycle, cost, queryTimeout, graphRetryAfter, legacyRetryAfter, rejectedCallsCount);
    }

    public Limits withCpu(Duration budget, CostModel model, Duration timeout) {
      return new Limits(horizon, rowCap, graphByteCap, xdrByteCap, mdeByteCap, callsPerMinute, callsPerHour, budget,
          cpuCycle, model, timeout, graphRetryAfter, legacyRetryAfter, rejectedCallsCount);
    }

    public Limits withRetryAfter(RetryAfterStyle graph, RetryAfterStyle legacy) {
      return new Limits(horizon, rowCap, graphByteCap, xdrByteCap, mdeByteCap, callsPerMinute, callsPerHour,
          cpuBudget, cpuCycle, cost, queryTimeout, graph, legacy, rejectedCallsCount);
    }

    /** Calls answered 429 count against the quota too: a client that keeps calling too fast stays throttled. */
    public Limits withRejectedCallsCounted() {
      return new Limits(horizon, rowCap, graphByteCap, xdrByteCap, mdeByteCap, callsPerMinute, callsPerHour,
          cpuBudget, cpuCycle, cost, queryTimeout, graphRetryAfter, legacyRetryAfter, true);
    }

    public Limits withHorizon(Duration v) {
      return new Limits(v, rowCap, graphByteCap, xdrByteCap, mdeByteCap, callsPerMinute, callsPerHour,
          cpuBudget, cpuCycle, cost, queryTimeout, graphRetryAfter, legacyRetryAfter, rejectedCallsCount);
    }
  }

  /**
   * Random faults, drawn from their own seeded generator so a run is repeatable for a given call sequence.
   *
   * @param preemptProbability     400 "query execution was preempted"
   * @param serverErrorProbability 500 UnknownError / InternalServerError
   * @param gatewayTimeoutProbability 504 UnknownError with an empty message
   * @param slowProbability        responses delayed by {@code slowDelay} of simulated time
   */
  public record Faults(double preemptProbability, double serverErrorProbability, double gatewayTimeoutProbability,
                       double slowProbability, Duration slowDelay, long seed) {
    public static Faults none() {
      return new Faults(0, 0, 0, 0, Duration.ZERO, 1);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.host = host;
    b.port = port;
    b.profile = profile;
    b.seed = seed;
    b.anchor = anchor;
    b.timeScale = timeScale;
    b.dateSkew = dateSkew;
    b.tokenLifetime = tokenLifetime;
    b.clients = new ArrayList<>(clients);
    b.limits = limits;
    b.faults = faults;
    b.snapshotRefreshInterval = snapshotRefreshInterval;
    b.graphDefaultTimespan = graphDefaultTimespan;
    return b;
  }

  /** Fluent construction with documented defaults; {@link #build()} validates. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 0;
    private Profile profile = Profile.SMALL;
    private long seed = 42;
    private Instant anchor = Instant.parse("2026-11-15T00:00:00Z");
    private double timeScale = 1;
    private Duration dateSkew = Duration.ZERO;
    private Duration tokenLifetime = Duration.ofSeconds(3599);
    private List<ClientRegistration> clients = new ArrayList<>(List.of(
        new ClientRegistration(DEFAULT_TENANT, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, true)));
    private Limits limits = Limits.documented();
    private Faults faults = Faults.none();
    private Duration snapshotRefreshInterval = Duration.ofHours(6);
    private Duration graphDefaultTimespan = Duration.ofDays(30);

    public Builder host(String v) { host = v; return this; }
    public Builder port(int v) { port = v; return this; }
    public Builder profile(Profile v) { profile = v; return this; }
    public Builder seed(long v) { seed = v; return this; }
    public Builder anchor(Instant v) { anchor = v; return this; }
    public Builder timeScale(double v) { timeScale = v; return this; }
    public Builder dateSkew(Duration v) { dateSkew = v; return this; }
    public Builder tokenLifetime(Duration v) { tokenLifetime = v; return this; }
    public Builder clients(List<ClientRegistration> v) { clients = new ArrayList<>(v); return this; }
    public Builder limits(Limits v) { limits = v; return this; }
    public Builder faults(Faults v) { faults = v; return this; }
    public Builder snapshotRefreshInterval(Duration v) { snapshotRefreshInterval = v; return this; }
    public Builder graphDefaultTimespan(Duration v) { graphDefaultTimespan = v; return this; }

    public DefenderSimConfig build() {
      return new DefenderSimConfig(host, port, profile, seed, anchor, timeScale, dateSkew, tokenLifetime, clients,
          limits, faults, snapshotRefreshInterval, graphDefaultTimespan);
    }
  }
}
