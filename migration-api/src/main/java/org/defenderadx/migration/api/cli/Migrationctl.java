package org.defenderadx.migration.api.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.defenderadx.migration.api.bus.Addresses;
import org.defenderadx.migration.api.bus.OpsReply;
import org.defenderadx.migration.api.bus.OpsRequest;
import org.defenderadx.migration.api.bus.OpsTime;
import org.defenderadx.migration.common.config.ConfigKeys;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code migrationctl}: operates a running cluster over its event bus, joining it as a Hazelcast lite member. Every
 * command carries the ops token (env {@value ConfigKeys#OPS_TOKEN_DEFAULT_ENV} or {@code --token-file}); nodes
 * refuse commands without the right one. Exit codes: see {@link #OK} and the constants after it.
 */
@Command(name = "migrationctl", mixinStandardHelpOptions = true, version = "migrationctl 0.1.0",
    description = "Operates a defender-adx-migration cluster over its event bus.",
    subcommands = {Migrationctl.Status.class, Migrationctl.Tables.class, Migrationctl.Pause.class,
        Migrationctl.Resume.class, Migrationctl.RunNow.class, Migrationctl.Backfill.class,
        Migrationctl.ResetWatermark.class, Migrationctl.Drain.class, Migrationctl.Audit.class,
        Migrationctl.Plan.class, Migrationctl.Verify.class, Migrationctl.Repair.class, Migrationctl.Schema.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:the command failed, or found a problem (verify: rows differ)",
        "2:usage error, or a request the node rejected as malformed", "3:no cluster reachable (or no node serves it)",
        "4:refused: the ops token is missing or wrong"})
public final class Migrationctl implements Callable<Integer> {

  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;
  public static final int UNREACHABLE = 3;
  public static final int REFUSED = 4;

  private final Map<String, String> env;

  @Spec
  CommandSpec spec;

  public Migrationctl() {
    this(System.getenv());
  }

  /** With an explicit environment (the token variable), for embedding and tests. */
  public Migrationctl(Map<String, String> env) {
    this.env = env;
  }

  public static void main(String[] args) {
    System.exit(commandLine(System.getenv()).execute(args));
  }

  public static CommandLine commandLine(Map<String, String> env) {
    CommandLine cl = new CommandLine(new Migrationctl(env));
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("migrationctl: " + e.getMessage());
      return e instanceof IllegalArgumentException ? USAGE : FAILED;
    });
    return cl;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return USAGE;
  }

  enum Output { table, json }

  /** Options every verb takes: where the cluster is, the token, and the output format. */
  static final class Common {
    @Option(names = "--config", paramLabel = "FILE",
        description = "A node's configuration file: its cluster section says how to join (default "
            + "conf/application.yaml when --cluster is not given)")
    Path config;

    @Option(names = "--cluster", paramLabel = "HOST:PORT[,...]",
        description = "Cluster members to join through, instead of --config")
    String cluster;

    @Option(names = "--cluster-name", paramLabel = "NAME", defaultValue = "defender-adx-migration",
        description = "With --cluster: the cluster's name (default: ${DEFAULT-VALUE})")
    String clusterName;

    @Option(names = "--bind", paramLabel = "HOST",
        description = "The interface this CLI binds to (default: the config's cluster.host, or 127.0.0.1)")
    String bind;

    @Option(names = "--tls-key", paramLabel = "FILE",
        description = "Event-bus TLS: this CLI's PEM key (PKCS#8), instead of the config's cluster.tls.keyFile")
    String tlsKey;

    @Option(names = "--tls-cert", paramLabel = "FILE",
        description = "Event-bus TLS: this CLI's PEM certificate, signed by the cluster's authority")
    String tlsCert;

    @Option(names = "--tls-ca", paramLabel = "FILE",
        description = "Event-bus TLS: the PEM certificate of the cluster's authority")
    String tlsCa;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "File holding the ops token (default: env " + ConfigKeys.OPS_TOKEN_DEFAULT_ENV + ")")
    Path tokenFile;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
        description = "table or json (default: ${DEFAULT-VALUE})")
    Output output;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "10",
        description = "Give up joining the cluster after this many seconds (default: ${DEFAULT-VALUE})")
    int connectTimeout;

    @Option(names = "--timeout", paramLabel = "SPAN",
        description = "How long to wait for the node's answer, e.g. 30s, 10m, 6h (default: 60s; 6h for verify, "
            + "repair and backfill)")
    String timeout;
  }

  /** One verb: connects, sends, prints, and maps the outcome to an exit code. */
  abstract static class Verb implements Callable<Integer> {
    @ParentCommand
    Migrationctl root;
    @Mixin
    Common common;
    @Spec
    CommandSpec spec;
    PrintWriter out;
    PrintWriter err;

    @Override
    public final Integer call() throws Exception {
      out = spec.commandLine().getOut();
      err = spec.commandLine().getErr();
      ClusterTarget target;
      try {
        target = target();
      } catch (ClusterTarget.Unusable e) {
        err.println("migrationctl: " + e.getMessage());
        return UNREACHABLE;
      }
      String token;
      try {
        token = token();
      } catch (IOException e) {
        err.println("migrationctl: cannot read the token file " + common.tokenFile + ": " + e.getMessage());
        return USAGE;
      }
      try (OpsClient client = OpsClient.connect(target, token, Duration.ofSeconds(common.connectTimeout))) {
        return run(client);
      } catch (OpsClient.Unreachable e) {
        err.println("migrationctl: " + e.getMessage());
        return UNREACHABLE;
      } finally {
        out.flush();
        err.flush();
      }
    }

    abstract int run(OpsClient client) throws Exception;

    Duration defaultTimeout() {
      return Duration.ofSeconds(60);
    }

    Duration timeout() {
      return common.timeout == null ? defaultTimeout() : spanOf(common.timeout);
    }

    ClusterTarget target() throws ClusterTarget.Unusable {
      ClusterTarget t = common.cluster != null
          ? ClusterTarget.of(common.clusterName, common.cluster, common.bind == null ? "127.0.0.1" : common.bind)
          : ClusterTarget.fromConfig(common.config == null ? Path.of("conf", "application.yaml") : common.config);
      if (common.cluster == null && common.bind != null) {
        t = t.withBindHost(common.bind);
      }
      if (common.tlsKey != null || common.tlsCert != null || common.tlsCa != null) {
        if (common.tlsKey == null || common.tlsCert == null || common.tlsCa == null) {
          throw new IllegalArgumentException("--tls-key, --tls-cert and --tls-ca go together");
        }
        t = t.withTls(ClusterTarget.tls(common.tlsKey, common.tlsCert, common.tlsCa));
      }
      return t;
    }

    String token() throws IOException {
      if (common.tokenFile != null) {
        return Files.readString(common.tokenFile, StandardCharsets.UTF_8).strip();
      }
      String t = root.env.get(ConfigKeys.OPS_TOKEN_DEFAULT_ENV);
      return t == null || t.isBlank() ? null : t.strip();
    }

    OpsRequest request() {
      return OpsRequest.empty(requestedBy());
    }

    /** Checks the syntax here; the node resolves it against the service clock. */
    String time(String text) {
      OpsTime.parse(text, Instant.now());
      return text.trim();
    }

    /** Sends a command and prints its reply with {@code render} (table output) or as JSON. */
    int send(OpsClient client, String address, OpsRequest request, Function<OpsReply, String> render)
        throws InterruptedException {
      OpsReply reply;
      try {
        reply = client.command(address, request, timeout()).toCompletionStage().toCompletableFuture()
            .get(timeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        return requestFailed(address, e instanceof ExecutionException ? e.getCause() : e);
      }
      return print(reply, render);
    }

    int requestFailed(String address, Throwable e) {
      if (OpsClient.noHandlers(e)) {
        err.println("migrationctl: no node serves " + address + " (is a node of this version running in the "
            + "cluster?)");
        return UNREACHABLE;
      }
      if (OpsClient.timedOut(e) || e instanceof java.util.concurrent.TimeoutException) {
        err.println("migrationctl: no answer within " + timeout().toSeconds() + " s; the command may still be "
            + "running on the node: see 'migrationctl audit', or wait longer with --timeout");
        return FAILED;
      }
      if (e instanceof ReplyException r && r.failureCode() == 401) {
        err.println("migrationctl: refused: " + r.getMessage() + " (set MIGRATION_OPS_TOKEN to the nodes' ops token)");
        return REFUSED;
      }
      err.println("migrationctl: " + e.getMessage());
      return FAILED;
    }

    int print(OpsReply reply, Function<OpsReply, String> render) {
      if (common.output == Output.json) {
        out.println(reply.toJson().encodePrettily());
      } else if (reply.status() == OpsReply.Status.OK || reply.status() == OpsReply.Status.FAILED) {
        String body = render == null ? "" : render.apply(reply);
        if (!body.isEmpty()) {
          out.print(body.endsWith("\n") ? body : body + "\n");
        }
        (reply.status() == OpsReply.Status.OK ? out : err).println(reply.message());
      } else {
        err.println("migrationctl: " + reply.message());
      }
      return switch (reply.status()) {
        case OK -> OK;
        case FAILED -> FAILED;
        case BAD_REQUEST -> USAGE;
        case REFUSED -> REFUSED;
      };
    }
  }

  static String requestedBy() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "unknown-host";
    }
    return System.getProperty("user.name", "unknown") + "@" + host;
  }

  static Duration spanOf(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (!t.matches("\\d+[smhd]")) {
      throw new IllegalArgumentException("'" + text + "' is not a span: use e.g. 30s, 10m, 6h, 2d");
    }
    long n = Long.parseLong(t.substring(0, t.length() - 1));
    return switch (t.charAt(t.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  // -------------------------------------------------------------------------------------------------- verbs

  @Command(name = "status", description = "Per table: state, watermark, lag, rows, last error; per tenant: quota "
      + "used, breaker. --watch refreshes it, with a progress bar and ETA per backfill.")
  static final class Status extends Verb {
    @Option(names = {"-w", "--watch"}, description = "Refresh until interrupted")
    boolean watch;
    @Option(names = "--interval", paramLabel = "SPAN", defaultValue = "2s",
        description = "Refresh interval with --watch (default: ${DEFAULT-VALUE})")
    String interval;
    @Option(names = "--count", paramLabel = "N", hidden = true, defaultValue = "0",
        description = "Stop --watch after N refreshes (0: never)")
    int count;

    @Override
    int run(OpsClient client) throws Exception {
      int code = OK;
      for (int i = 0; !watch || count == 0 || i < count; i++) {
        JsonObject status;
        try {
          status = client.request(Addresses.OPS_STATUS, new JsonObject(), timeout()).toCompletionStage()
              .toCompletableFuture().get(timeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
          code = requestFailed(Addresses.OPS_STATUS, e instanceof ExecutionException ? e.getCause() : e);
          if (!watch) {
            return code;
          }
          Thread.sleep(spanOf(interval).toMillis());
          continue;
        }
        if (common.output == Output.json) {
          // One document per line under --watch, so a script can read it as it comes.
          out.println(watch ? status.encode() : status.encodePrettily());
        } else {
          if (watch) {
            out.print("\u001b[H\u001b[2J"); // clear the terminal, cursor home
          }
          out.print(StatusView.render(status));
        }
        out.flush();
        if (!watch) {
          break;
        }
        Thread.sleep(spanOf(interval).toMillis());
      }
      return code;
    }
  }

  @Command(name = "tables", description = "The configuration in force: every table, its watermark and whether it "
      + "is active.")
  static final class Tables extends Verb {
    @Option(names = "--tenant", paramLabel = "KEY", description = "Only this tenant's tables")
    String tenant;

    @Override
    int run(OpsClient client) throws Exception {
      OpsRequest r = request();
      return send(client, Addresses.OPS_TABLES, new OpsRequest(Optional.ofNullable(tenant), r.table(), r.from(),
          r.to(), r.node(), false, 0, r.requestedBy(), ""), reply -> {
        TextTable t = new TextTable("TENANT", "TABLE", "DESTINATION", "KIND", "ACTIVE", "WATERMARK", "VERSION",
            "NOTES");
        for (Object o : reply.data().getJsonArray("tables", new JsonArray())) {
          JsonObject j = (JsonObject) o;
          t.row(StatusView.tenant(j.getString("tenantKey")), j.getString("sourceTable"),
              j.getString("destinationTable"), j.getString("kind"), j.getBoolean("active") ? "yes" : "no",
              j.getString("watermark"), j.getValue("version"), j.getString("notes"));
        }
        StringBuilder sb = new StringBuilder(t.render());
        for (Object o : reply.data().getJsonArray("unusable", new JsonArray())) {
          JsonObject j = (JsonObject) o;
          sb.append("unusable row for ").append(j.getString("sourceTable")).append(": ").append(j.getString("reason"))
              .append('\n');
        }
        return sb.toString();
      });
    }
  }

  /** Shared by pause and resume: a table (of a tenant) or a whole tenant. */
  abstract static class TableOrTenant extends Verb {
    @Option(names = "--table", paramLabel = "TABLE", description = "The source table")
    String table;
    @Option(names = "--tenant", paramLabel = "KEY",
        description = "The tenant; alone, the whole tenant (default tenant: \"\")")
    String tenant;
    @Option(names = "--note", paramLabel = "TEXT", defaultValue = "", description = "Why, for the audit trail")
    String note;

    OpsRequest tableRequest() {
      if (table == null && tenant == null) {
        throw new IllegalArgumentException(spec.name() + " needs --table or --tenant");
      }
      return new OpsRequest(Optional.ofNullable(tenant), Optional.ofNullable(table), Optional.empty(),
          Optional.empty(), Optional.empty(), false, 0, requestedBy(), note);
    }
  }

  @Command(name = "pause", description = "Pause a table (a new configuration version, IsActive=false: survives "
      + "restarts) or a whole tenant (held in the cluster's memory).")
  static final class Pause extends TableOrTenant {
    @Override
    int run(OpsClient client) throws Exception {
      return send(client, Addresses.OPS_PAUSE, tableRequest(), null);
    }
  }

  @Command(name = "resume", description = "Resume a paused table or tenant.")
  static final class Resume extends TableOrTenant {
    @Override
    int run(OpsClient client) throws Exception {
      return send(client, Addresses.OPS_RESUME, tableRequest(), null);
    }
  }

  @Command(name = "run-now", description = "Plan a cycle now, for one table or all.")
  static final class RunNow extends Verb {
    @Parameters(arity = "0..1", paramLabel = "TABLE", description = "The table (default: every active table)")
    String table;
    @Option(names = "--tenant", paramLabel = "KEY", description = "Only this tenant's tables")
    String tenant;

    @Override
    int run(OpsClient client) throws Exception {
      return send(client, Addresses.OPS_RUN_NOW, new OpsRequest(Optional.ofNullable(tenant),
          Optional.ofNullable(table), Optional.empty(), Optional.empty(), Optional.empty(), false, 0, requestedBy(),
          ""), null);
    }
  }

  /** A table and a range. */
  abstract static class RangeVerb extends Verb {
    @Option(names = "--tenant", paramLabel = "KEY", description = "The table's tenant (default tenant: \"\")")
    String tenant;
    @Option(names = "--from", paramLabel = "TIME", required = true,
        description = "Start: ISO instant, date, or a span back from now (7d)")
    String from;
    @Option(names = "--to", paramLabel = "TIME", description = "End (exclusive; default: the table's watermark)")
    String to;

    OpsRequest rangeRequest(String table) {
      return new OpsRequest(Optional.ofNullable(tenant), Optional.ofNullable(table), Optional.of(time(from)),
          Optional.ofNullable(to).map(this::time), Optional.empty(), false, 0, requestedBy(), "");
    }

    @Override
    Duration defaultTimeout() {
      return Duration.ofHours(6);
    }

    String ranges(OpsReply reply) {
      TextTable t = new TextTable("FROM", "TO", "WINDOWS", "ROWS", "EXTENTS DROPPED", "EXACT", "FAILURE");
      for (Object o : reply.data().getJsonArray("ranges", new JsonArray())) {
        JsonObject j = (JsonObject) o;
        t.row(j.getString("from"), j.getString("to"), j.getValue("windowsReplaced"), j.getValue("rowsIngested"),
            j.getValue("extentsDropped"), j.getBoolean("exact") ? "yes" : "no", j.getString("failure"));
      }
      return t.size() == 0 ? "" : t.render();
    }
  }

  @Command(name = "backfill", description = "Export a range, even one older than the table's first export (a repair "
      + "cell by cell: what ADX already holds is replaced, never doubled; the watermark does not move).")
  static final class Backfill extends RangeVerb {
    @Option(names = "--table", paramLabel = "TABLE", required = true, description = "The source table")
    String table;

    @Override
    int run(OpsClient client) throws Exception {
      return send(client, Addresses.OPS_BACKFILL, rangeRequest(table), this::ranges);
    }
  }

  @Command(name = "repair", description = "Re-export a range of a table and replace what ADX holds for it.")
  static final class Repair extends RangeVerb {
    @Option(names = "--table", paramLabel = "TABLE", required = true, description = "The source table")
    String table;

    @Override
    int run(OpsClient client) throws Exception {
      if (to == null) {
        throw new IllegalArgumentException("repair needs --to");
      }
      return send(client, Addresses.OPS_REPAIR, rangeRequest(table), this::ranges);
    }
  }

  @Command(name = "schema", description = "A table's schema at the source against its typed table in ADX, column by "
      + "column; --apply makes the typed table or adds the columns it lacks. Exit code 1 when columns are missing.")
  static final class Schema extends Verb {
    @Option(names = "--table", paramLabel = "TABLE", required = true, description = "The source table")
    String table;
    @Option(names = "--tenant", paramLabel = "KEY", description = "The table's tenant (default tenant: \"\")")
    String tenant;
    @Option(names = "--apply", description = "Make the typed table, or add the columns it lacks")
    boolean apply;

    @Override
    int run(OpsClient client) throws Exception {
      int[] missing = {0};
      int code = send(client, Addresses.OPS_SCHEMA, new OpsRequest(Optional.ofNullable(tenant), Optional.of(table),
          Optional.empty(), Optional.empty(), Optional.empty(), apply, 0, requestedBy(), ""), reply -> {
            missing[0] = reply.data().getInteger("missing", 0) + (reply.data().getBoolean("exists", true) ? 0 : 1);
            TextTable t = new TextTable("COLUMN", "SOURCE", "ADX", "NOTE");
            for (Object o : reply.data().getJsonArray("columns", new JsonArray())) {
              JsonObject c = (JsonObject) o;
              t.row(c.getString("column"), c.getString("source"), c.getString("adx"), c.getString("note"));
            }
            StringBuilder sb = new StringBuilder(t.render());
            reply.data().getJsonArray("problems", new JsonArray()).forEach(p -> sb.append('\n').append(p));
            return sb.toString();
          });
      return code == 0 && missing[0] > 0 ? FAILED : code;
    }
  }

  @Command(name = "verify", description = "Compare hourly row counts at the source and in ADX over a range; exit "
      + "code 1 when any hour differs.")
  static final class Verify extends RangeVerb {
    @Option(names = "--table", paramLabel = "TABLE", description = "The source table (default: every active "
        + "incremental table of the tenant)")
    String table;

    @Override
    int run(OpsClient client) throws Exception {
      return send(client, Addresses.OPS_VERIFY, rangeRequest(table), reply -> {
        StringBuilder sb = new StringBuilder();
        TextTable t = new TextTable("TABLE", "FROM", "TO", "RESULT");
        TextTable hours = new TextTable("TABLE", "HOUR", "SOURCE", "ADX", "DIFFERENCE");
        for (Object o : reply.data().getJsonArray("reports", new JsonArray())) {
          JsonObject j = (JsonObject) o;
          JsonArray mismatches = j.getJsonArray("mismatches", new JsonArray());
          t.row(j.getString("sourceTable"), j.getString("from"), j.getString("to"), j.getString("error") != null
              ? "error: " + j.getString("error") : j.getBoolean("exact") ? "exact" : mismatches.size()
              + " hour(s) differ");
          for (Object m : mismatches) {
            JsonObject h = (JsonObject) m;
            long diff = h.getLong("adx") - h.getLong("source");
            hours.row(j.getString("sourceTable"), h.getString("hour"), h.getLong("source"), h.getLong("adx"),
                diff > 0 ? "+" + diff + " duplicated" : diff + " missing");
          }
        }
        sb.append(t.render());
        if (hours.size() > 0) {
          sb.append('\n').append(hours.render());
        }
        return sb.toString();
      });
    }
  }

  @Command(name = "reset-watermark", description = "Move a table's watermark (rounded down to the window grid). Back"
      + " is safe: windows ADX holds are skipped by their ingest-by tags. Forward skips rows and needs --force.")
  static final class ResetWatermark extends Verb {
    @Option(names = "--table", paramLabel = "TABLE", required = true, description = "The source table")
    String table;
    @Option(names = "--tenant", paramLabel = "KEY", description = "The table's tenant (default tenant: \"\")")
    String tenant;
    @Option(names = "--to", paramLabel = "TIME", required = true, description = "The new watermark")
    String to;
    @Option(names = "--force", description = "Allow moving forward (the rows in between are never copied)")
    boolean force;
    @Option(names = "--note", paramLabel = "TEXT", defaultValue = "", description = "Why, for the audit trail")
    String note;

    @Override
    int run(OpsClient client) throws Exception {
      return send(client, Addresses.OPS_RESET_WATERMARK, new OpsRequest(Optional.ofNullable(tenant),
          Optional.of(table), Optional.empty(), Optional.of(time(to)), Optional.empty(), force, 0, requestedBy(),
          note), null);
    }
  }

  @Command(name = "drain", description = "A node (or every node) stops taking table work; the windows under way "
      + "settle. The node keeps running until it is stopped.")
  static final class Drain extends Verb {
    @Option(names = "--node", paramLabel = "NAME", description = "Only this node (default: every node)")
    String node;

    @Override
    Duration defaultTimeout() {
      return Duration.ofSeconds(90);
    }

    @Override
    int run(OpsClient client) throws Exception {
      int expected = node == null ? client.nodes() : 1;
      List<OpsReply> replies = client.publish(Addresses.OPS_DRAIN, new OpsRequest(Optional.empty(),
              Optional.empty(), Optional.empty(), Optional.empty(), Optional.ofNullable(node), false, 0,
              requestedBy(), ""), expected, timeout())
          .toCompletionStage().toCompletableFuture().get(timeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
      int code = OK;
      if (common.output == Output.json) {
        JsonArray all = new JsonArray();
        replies.forEach(r -> all.add(r.toJson()));
        out.println(new JsonObject().put("expected", expected).put("replies", all).encodePrettily());
      }
      for (OpsReply r : replies) {
        if (common.output != Output.json) {
          (r.status() == OpsReply.Status.OK ? out : err).println(r.node() + ": " + r.message());
        }
        if (r.status() == OpsReply.Status.REFUSED) {
          code = REFUSED;
        } else if (r.status() != OpsReply.Status.OK && code == OK) {
          code = FAILED;
        }
      }
      if (replies.isEmpty()) {
        err.println("migrationctl: no node answered" + (node == null ? "" : " by the name " + node));
        return node == null ? UNREACHABLE : FAILED;
      }
      if (replies.size() < expected) {
        err.println("migrationctl: " + replies.size() + " of " + expected + " node(s) answered within "
            + timeout().toSeconds() + " s");
        return code == OK ? FAILED : code;
      }
      return code;
    }
  }

  @Command(name = "audit", description = "Recent MigrationAuditLog rows, newest first.")
  static final class Audit extends Verb {
    @Option(names = "--since", paramLabel = "TIME",
        description = "From when: ISO instant, date, or a span back from now (default: 1h)")
    String since;
    @Option(names = "--table", paramLabel = "TABLE", description = "Only this source table")
    String table;
    @Option(names = "--tenant", paramLabel = "KEY", description = "Only this tenant")
    String tenant;
    @Option(names = "--limit", paramLabel = "N", defaultValue = "200", description = "At most N rows "
        + "(default: ${DEFAULT-VALUE})")
    int limit;

    @Override
    int run(OpsClient client) throws Exception {
      return send(client, Addresses.OPS_AUDIT, new OpsRequest(Optional.ofNullable(tenant), Optional.ofNullable(table),
          Optional.ofNullable(since).map(this::time), Optional.empty(), Optional.empty(), false, limit, requestedBy(), ""), reply -> {
        TextTable t = new TextTable("TIMESTAMP", "STATUS", "TENANT", "TABLE", "WINDOW START", "WINDOW END", "ROWS",
            "CALLS", "NODE", "REASON");
        for (Object o : reply.data().getJsonArray("rows", new JsonArray())) {
          JsonObject j = (JsonObject) o;
          String reason = j.getString("FailureReason");
          t.row(j.getValue("Timestamp"), j.getValue("Status"), StatusView.tenant(j.getString("TenantId")),
              j.getValue("SourceTable"), j.getValue("WindowStart"), j.getValue("WindowEnd"), j.getValue("RecordCount"),
              j.getValue("ApiCalls"), j.getValue("Node"), reason == null || reason.isEmpty() ? "-"
                  : reason.length() > 80 ? reason.substring(0, 77) + "..." : reason);
        }
        return t.render();
      });
    }
  }

  @Command(name = "plan", description = "Dry run: the grid cells the backlog spans, the calls it will take as the "
      + "exporter plans it (from a census of the source: one call per table with unplanned ground), and how long the "
      + "tenants' call quotas make that take.")
  static final class Plan extends Verb {
    @Option(names = "--tenant", paramLabel = "KEY", description = "Only this tenant")
    String tenant;
    @Option(names = "--table", paramLabel = "TABLE", description = "Only this table")
    String table;

    @Override
    int run(OpsClient client) throws Exception {
      return send(client, Addresses.OPS_PLAN, new OpsRequest(Optional.ofNullable(tenant), Optional.ofNullable(table),
          Optional.empty(), Optional.empty(), Optional.empty(), false, 0, requestedBy(), ""), reply -> {
        TextTable t = new TextTable("TENANT", "TABLE", "KIND", "WATERMARK", "CELLS", "CALLS (EST.)", "FIRST",
            "LAST END", "ETA (TENANT)", "ESTIMATED FROM");
        for (Object o : reply.data().getJsonArray("tables", new JsonArray())) {
          JsonObject j = (JsonObject) o;
          Long eta = j.getLong("etaSeconds");
          t.row(StatusView.tenant(j.getString("tenantKey")), j.getString("sourceTable"), j.getString("kind"),
              j.getString("watermark"), j.getValue("windows"), j.getValue("estimatedCalls"),
              j.getValue("firstWindow"), j.getValue("lastWindowEnd"), eta == null ? "-" : OpsTime.span(eta),
              j.getValue("basis"));
        }
        TextTable q = new TextTable("TENANT", "CALLS (EST.)", "CALLS/MIN QUOTA", "ETA");
        for (Object o : reply.data().getJsonArray("tenants", new JsonArray())) {
          JsonObject j = (JsonObject) o;
          q.row(StatusView.tenant(j.getString("key")), j.getValue("estimatedCalls"), j.getValue("callsPerMinute"),
              OpsTime.span(j.getLong("etaSeconds")));
        }
        return t.render() + "\n" + q.render();
      });
    }
  }
}
