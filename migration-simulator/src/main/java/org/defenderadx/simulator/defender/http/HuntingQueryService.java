package org.defenderadx.simulator.defender.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.defenderadx.simulator.defender.ApiFlavour;
import org.defenderadx.simulator.defender.DefenderSimConfig;
import org.defenderadx.simulator.defender.DefenderSimConfig.RetryAfterStyle;
import org.defenderadx.simulator.defender.ScaledClock;
import org.defenderadx.simulator.defender.ServedValues;
import org.defenderadx.simulator.defender.SimFault;
import org.defenderadx.simulator.defender.SimStats;
import org.defenderadx.simulator.defender.auth.TokenService;
import org.defenderadx.simulator.defender.data.SimulatedTenant;
import org.defenderadx.simulator.defender.data.SimulatedTenant.TimestampFilter;
import org.defenderadx.simulator.defender.limits.CallRateLimiter;
import org.defenderadx.simulator.defender.limits.CpuBudget;
import org.defenderadx.simulator.defender.limits.FaultPlan;
import org.defenderadx.simulator.kql.Catalog;
import org.defenderadx.simulator.kql.KqlEngine;
import org.defenderadx.simulator.kql.KqlException;
import org.defenderadx.simulator.kql.QueryContext;
import org.defenderadx.simulator.kql.QueryResult;
import org.defenderadx.simulator.kql.StoredFunction;
import org.defenderadx.simulator.kql.TableSource;

/**
 * One Advanced Hunting call from request body to reply, in the order a real service plausibly applies its
 * checks: authentication, request shape, injected or random faults, call quota, CPU quota, then the query
 * (on a worker thread, since evaluation is CPU-bound) with its caps and its CPU charge.
 *
 * <p>Choices where real behaviour is unknown (defender-api.md §8), all harsher than the alternative:
 * the row cap truncates silently on every flavour; Graph and XDR byte caps truncate silently unless configured to
 * fail; the per-hour call quota applies to Graph too; a query whose simulated CPU exceeds the timeout is charged
 * in full and fails (Graph: 504 UnknownError with an empty message, as observed; legacy: 400); a truncated query
 * is charged only for the rows the engine actually produced up to the cap.
 */
public final class HuntingQueryService {
  private final Vertx vertx;
  private final DefenderSimConfig config;
  private final ScaledClock clock;
  private final TokenService tokens;
  private final SimulatedTenant tenant;
  private final KqlEngine engine;
  private final CallRateLimiter rateLimiter;
  private final CpuBudget cpuBudget;
  private final FaultPlan faults;
  private final SimStats stats;

  public HuntingQueryService(Vertx vertx, DefenderSimConfig config, ScaledClock clock, TokenService tokens,
                             SimulatedTenant tenant, KqlEngine engine, CallRateLimiter rateLimiter,
                             CpuBudget cpuBudget, FaultPlan faults, SimStats stats) {
    this.vertx = vertx;
    this.config = config;
    this.clock = clock;
    this.tokens = tokens;
    this.tenant = tenant;
    this.engine = engine;
    this.rateLimiter = rateLimiter;
    this.cpuBudget = cpuBudget;
    this.faults = faults;
    this.stats = stats;
  }

  private record Call(ApiFlavour flavour, String requestId, String clientRequestId, Instant now) {
    Reply error(int status, String code, String message) {
      return Reply.json(status, ErrorBodies.error(flavour, code, message, requestId, clientRequestId, now));
    }
  }

  public Future<Reply> run(ApiFlavour flavour, String authorization, Buffer body, String clientRequestId) {
    Instant now = clock.instant();
    Call call = new Call(flavour, UUID.randomUUID().toString(), clientRequestId, now);
    TokenService.Check check = tokens.check(authorization, flavour);
    if (check != TokenService.Check.VALID) {
      return Future.succeededFuture(finish(call, unauthorized(call, check)));
    }
    JsonObject request = parse(body);
    String query = queryOf(request, flavour);
    if (query == null || query.isBlank()) {
      Reply missing = flavour.legacy()
          ? call.error(400, "InvalidRequestBody", "Missing query.")
          : call.error(400, "BadRequest", "Missing query.");
      return Future.succeededFuture(finish(call, missing));
    }
    stats.query(query);
    TimestampFilter filter;
    try {
      filter = flavour == ApiFlavour.GRAPH ? timespan(request, now) : TimestampFilter.NONE;
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(finish(call, call.error(400, "BadRequest", e.getMessage())));
    }
    SimFault fault = faults.next();
    Reply faulted = fault == null ? null : faultReply(call, fault);
    if (faulted != null) {
      return Future.succeededFuture(finish(call, faulted));
    }
    CallRateLimiter.Decision quota = rateLimiter.tryAcquire(now);
    if (!quota.allowed()) {
      return Future.succeededFuture(finish(call, throttled(call, quota.message(), quota.retryAfter())));
    }
    Optional<Duration> cpuWait = cpuBudget.blockedFor(now);
    if (cpuWait.isPresent()) {
      return Future.succeededFuture(finish(call, cpuQuota(call, cpuWait.get())));
    }
    Duration delay = fault == SimFault.SLOW ? config.faults().slowDelay() : Duration.ZERO;
    return vertx.executeBlocking(() -> execute(call, query, filter), false)
        .map(r -> finish(call, r.delayedBy(delay)));
  }

  private static JsonObject parse(Buffer body) {
    try {
      return body == null || body.length() == 0 ? new JsonObject() : body.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      return new JsonObject();
    }
  }

  /** Legacy body parameters are case-sensitive ("Query"); Graph also takes "query". */
  private static String queryOf(JsonObject request, ApiFlavour flavour) {
    Object q = request.getValue("Query");
    if (q == null && flavour == ApiFlavour.GRAPH) {
      q = request.getValue("query");
    }
    return q instanceof String s ? s : null;
  }

  private Reply unauthorized(Call call, TokenService.Check check) {
    Reply r;
    if (call.flavour().legacy()) {
      String reason = switch (check) {
        case MISSING -> "Authorization header is missing";
        case EXPIRED -> "Token is expired";
        case REVOKED -> "Token is revoked";
        case WRONG_AUDIENCE -> "Account mode is inactive";
        default -> "Token is invalid";
      };
      r = call.error(401, "Unauthorized", "Unauthorized request - reason of failure: " + reason);
    } else {
      String message = switch (check) {
        case MISSING -> "Access token is empty.";
        case EXPIRED -> "Access token has expired or is not yet valid.";
        case REVOKED -> "Continuous access evaluation resulted in challenge with result: InteractionRequired and "
            + "code: TokensRevoked";
        case WRONG_AUDIENCE -> "Access token validation failure. Invalid audience.";
        case MALFORMED -> "IDX14100: JWT is not well formed.";
        default -> "Access token validation failure.";
      };
      r = call.error(401, "InvalidAuthenticationToken", message);
    }
    return r.withHeader("WWW-Authenticate", "Bearer realm=\"\", error=\"invalid_token\"");
  }

  private Reply faultReply(Call call, SimFault fault) {
    ApiFlavour f = call.flavour();
    return switch (fault) {
      case PREEMPTED -> call.error(400, "BadRequest", ErrorBodies.PREEMPTED);
      case SERVER_ERROR -> f.legacy() ? call.error(500, "InternalServerError", "")
          : call.error(500, "UnknownError", "");
      case GATEWAY_TIMEOUT -> call.error(504, f.legacy() ? "InternalServerError" : "UnknownError", "");
      case THROTTLED -> throttled(call, "API calls quota exceeded! maximum allowed "
          + config.limits().callsPerMinute() + " per 00:01:00", Duration.ofMillis(2_128));
      case CPU_QUOTA -> cpuQuota(call, Duration.ofMinutes(15).minusMillis(call.now().toEpochMilli() % 900_000));
      case QUERY_TIMEOUT -> timeout(call);
      case TOKEN_REVOKED -> unauthorized(call, TokenService.Check.REVOKED);
      case SLOW -> null;
    };
  }

  private Reply timeout(Call call) {
    return call.flavour().legacy()
        ? call.error(400, "BadRequest", ErrorBodies.TIMEOUT)
        : call.error(504, "UnknownError", "");
  }

  private Reply throttled(Call call, String legacyMessage, Duration wait) {
    Reply r = call.flavour().legacy()
        ? call.error(429, "429", legacyMessage)
        : Reply.json(429, ErrorBodies.graphThrottled("Please retry again later.", call.requestId(),
            call.clientRequestId(), call.now()));
    return retryAfter(call, r, wait);
  }

  private Reply cpuQuota(Call call, Duration wait) {
    String message = String.format(ErrorBodies.CPU_QUOTA, ServedValues.timespan(wait).replaceAll("\\.\\d+$", ""));
    Reply r = call.flavour().legacy()
        ? call.error(429, "429", message)
        : Reply.json(429, ErrorBodies.error(call.flavour(), "TooManyRequests", message, call.requestId(),
            call.clientRequestId(), call.now()));
    return retryAfter(call, r, wait);
  }

  /** Adds {@code Retry-After} in simulated seconds, in the flavour's configured form. */
  private Reply retryAfter(Call call, Reply r, Duration wait) {
    RetryAfterStyle style = config.limits().retryAfter(call.flavour());
    double seconds = Math.max(0.001, wait.toNanos() / 1e9);
    return switch (style) {
      case ABSENT -> r;
      case INTEGER -> r.withHeader("Retry-After", Long.toString((long) Math.ceil(seconds)));
      case DECIMAL -> r.withHeader("Retry-After", String.format(Locale.ROOT, "%.3f", seconds));
    };
  }

  private Reply execute(Call call, String query, TimestampFilter filter) {
    QueryResult result;
    try {
      Catalog catalog = tenant.at(call.now(), filter);
      if (call.flavour() == ApiFlavour.MDE) {
        catalog = deviceTablesOnly(catalog);
      }
      result = engine.execute(query, new QueryContext(catalog, call.now()));
    } catch (KqlException e) {
      return call.error(400, "BadRequest", e.getMessage());
    }
    DefenderSimConfig.Limits limits = config.limits();
    ResultWriter.Outcome out;
    try {
      out = ResultWriter.write(call.flavour(), result, limits.rowCap(), limits.byteCap(call.flavour()),
          (rows, bytes) -> ResultWriter.xdrStats(cost(result), rows, bytes, 64L * 1024 * 1024 + bytes * 3));
    } catch (KqlException e) {
      return call.error(400, "BadRequest", e.getMessage());
    }
    Duration cpu = cost(result);
    cpuBudget.charge(call.now(), cpu);
    stats.spent(cpu, result.stats().rowsScanned());
    if (cpu.compareTo(limits.queryTimeout()) > 0) {
      return timeout(call);
    }
    if (out.tooLarge()) {
      return call.error(400, "BadRequest", ErrorBodies.RESULT_TOO_LARGE);
    }
    stats.served(out.rows(), out.body().length(), out.truncated());
    Reply r = new Reply(200, new java.util.LinkedHashMap<>(), out.body(), Duration.ZERO);
    String type = call.flavour() == ApiFlavour.GRAPH
        ? "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
        : "application/json; charset=utf-8";
    return r.withHeader("Content-Type", type);
  }

  /** The legacy MDE API reaches only the Device* tables; AlertInfo and the like are XDR-only. */
  private static Catalog deviceTablesOnly(Catalog all) {
    return new Catalog() {
      @Override
      public Optional<TableSource> table(String name) {
        return name.startsWith("Device") ? all.table(name) : Optional.empty();
      }

      @Override
      public Optional<StoredFunction> function(String name) {
        return all.function(name);
      }
    };
  }

  private Duration cost(QueryResult result) {
    return config.limits().cost().cpu(result.stats().rowsScanned(), result.stats().rowsSorted());
  }

  private Reply finish(Call call, Reply r) {
    stats.call(call.flavour().name().toLowerCase(Locale.ROOT), r.status());
    Reply out = r.withHeader("request-id", call.requestId());
    if (call.clientRequestId() != null) {
      out = out.withHeader("client-request-id", call.clientRequestId());
    }
    return out;
  }

  /**
   * Graph's {@code Timespan}: {@code start/end}, {@code duration/end}, {@code start/duration}, {@code duration}
   * (back from now) or {@code start} (to now). Absent: the configured default (30 days back).
   */
  TimestampFilter timespan(JsonObject request, Instant now) {
    Object raw = request.getValue("Timespan");
    if (raw == null) {
      raw = request.getValue("timespan");
    }
    if (raw == null) {
      Duration d = config.graphDefaultTimespan();
      return d == null ? TimestampFilter.NONE : new TimestampFilter(now.minus(d), now);
    }
    String s = raw.toString().trim();
    try {
      int slash = s.indexOf('/');
      if (slash < 0) {
        if (s.startsWith("P") || s.startsWith("p")) {
          return new TimestampFilter(now.minus(Duration.parse(s)), now);
        }
        return new TimestampFilter(Instant.parse(s), now);
      }
      String a = s.substring(0, slash).trim();
      String b = s.substring(slash + 1).trim();
      if (a.startsWith("P")) {
        Instant end = Instant.parse(b);
        return new TimestampFilter(end.minus(Duration.parse(a)), end);
      }
      Instant start = Instant.parse(a);
      if (b.startsWith("P")) {
        return new TimestampFilter(start, start.plus(Duration.parse(b)));
      }
      return new TimestampFilter(start, Instant.parse(b));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("Invalid Timespan '" + s + "': expected ISO 8601 start/end, "
          + "duration/end, start/duration, duration or start.", e);
    }
  }
}
