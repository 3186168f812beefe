package org.defenderadx.migration.common.config;

import static org.defenderadx.migration.common.config.ConfigKeys.*;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.model.ApiFlavour;

/**
 * Validates a configuration tree (maps, lists and scalars, as YAML or JSON give them) into
 * {@link MigrationSettings}. Every problem is collected with its key path, and all of them are reported at once.
 * Unknown keys are errors too: a misspelt key would otherwise silently fall back to a default.
 */
public final class SettingsParser {

  private static final Pattern TENANT_KEY_PATTERN = Pattern.compile("[A-Za-z0-9_-]{0,64}");
  private static final Pattern DATABASE_PATTERN = Pattern.compile("[A-Za-z0-9_.-]{1,260}");
  private static final String DEFAULT_AUTHORITY = "https://login.microsoftonline.com";

  private final SecretResolver secrets;
  private final List<String> problems = new ArrayList<>();

  private SettingsParser(SecretResolver secrets) {
    this.secrets = secrets;
  }

  /** @throws ConfigException naming every bad key and why */
  public static MigrationSettings parse(Map<String, ?> root, SecretResolver secrets) {
    SettingsParser p = new SettingsParser(secrets);
    MigrationSettings settings = p.settings(p.new Node("", root));
    if (!p.problems.isEmpty()) {
      throw new ConfigException(p.problems);
    }
    return settings;
  }

  private MigrationSettings settings(Node root) {
    root.allowOnly(TENANTS, ADX, MIGRATION, CLUSTER, HTTP, OPS);
    List<TenantConfig> tenants = tenants(root);
    AdxConfig adx = adx(root.child(ADX, true));
    MigrationTuning tuning = tuning(root.child(MIGRATION, false));
    ClusterConfig cluster = cluster(root.child(CLUSTER, false));
    HttpConfig http = http(root.child(HTTP, false));
    OpsConfig ops = ops(root.child(OPS, false));
    return new MigrationSettings(tenants, adx, tuning, cluster, http, ops);
  }

  private List<TenantConfig> tenants(Node root) {
    List<Node> list = root.list(TENANTS);
    if (list.isEmpty()) {
      problem(root.path(TENANTS), "at least one tenant is required");
    }
    List<TenantConfig> tenants = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    for (Node t : list) {
      t.allowOnly(TENANT_KEY, TENANT_ID, AUTHORITY_HOST, CREDENTIAL, API);
      String key = t.string(TENANT_KEY, "");
      if (!TENANT_KEY_PATTERN.matcher(key).matches()) {
        problem(t.path(TENANT_KEY), "'" + key + "' must be 0 to 64 letters, digits, '-' or '_' ('' is the default tenant)");
      } else if (!keys.add(key)) {
        problem(t.path(TENANT_KEY), "'" + key + "' is used by two tenants");
      }
      CredentialConfig credential = credential(t.child(CREDENTIAL, true));
      String tenantId = t.string(TENANT_ID, null);
      if (tenantId == null && credential.kind() != CredentialKind.NONE) {
        problem(t.path(TENANT_ID), "is required (the Entra ID directory id)");
      }
      URI authority = t.uri(AUTHORITY_HOST, DEFAULT_AUTHORITY);
      tenants.add(new TenantConfig(key, tenantId == null ? "" : tenantId, authority, credential, api(t.child(API, false))));
    }
    return tenants;
  }

  private ApiConfig api(Node a) {
    a.allowOnly(API_FLAVOUR, API_BASE_URL, API_SCOPE, API_CALLS_PER_MINUTE, API_CALLS_PER_HOUR,
        API_MAX_CONCURRENT_CALLS);
    ApiFlavour flavour = a.parsed(API_FLAVOUR, "graph", ApiFlavour::fromConfigName, ApiFlavour.GRAPH);
    URI base = a.uri(API_BASE_URL, flavour.defaultBaseUrl());
    String scope = a.string(API_SCOPE, flavour.defaultScope());
    int perMinute = a.integer(API_CALLS_PER_MINUTE, 45, 1, 100_000);
    int perHour = a.integer(API_CALLS_PER_HOUR, 1_500, 1, 10_000_000);
    if (perHour < perMinute) {
      problem(a.path(API_CALLS_PER_HOUR), perHour + " is below callsPerMinute (" + perMinute + ")");
    }
    int concurrent = a.integer(API_MAX_CONCURRENT_CALLS, 4, 1, 64);
    return new ApiConfig(flavour, base, scope, perMinute, perHour, concurrent);
  }

  private CredentialConfig credential(Node c) {
    c.allowOnly(CREDENTIAL_KIND, CLIENT_ID, CLIENT_SECRET_ENV, CLIENT_SECRET_FILE, CERTIFICATE_PATH,
        CERTIFICATE_PASSWORD_ENV, CERTIFICATE_PASSWORD_FILE, FEDERATED_TOKEN_FILE);
    CredentialKind kind = c.parsed(CREDENTIAL_KIND, null, CredentialKind::fromConfigName, CredentialKind.NONE);
    String clientId = c.string(CLIENT_ID, "");
    Optional<Secret> secret = secret(c, CLIENT_SECRET_ENV, CLIENT_SECRET_FILE);
    Optional<String> certificate = Optional.ofNullable(c.string(CERTIFICATE_PATH, null));
    Optional<Secret> certificatePassword = secret(c, CERTIFICATE_PASSWORD_ENV, CERTIFICATE_PASSWORD_FILE);
    Optional<String> tokenFile = Optional.ofNullable(c.string(FEDERATED_TOKEN_FILE, null));
    switch (kind) {
      case CLIENT_SECRET -> {
        requireClientId(c, clientId, kind);
        if (secret.isEmpty()) {
          problem(c.path(CLIENT_SECRET_ENV), "client-secret needs " + CLIENT_SECRET_ENV + " (an environment variable "
              + "name) or " + CLIENT_SECRET_FILE + " (a file path) that holds the secret; secrets are never written "
              + "in the configuration file");
        }
      }
      case CLIENT_CERTIFICATE -> {
        requireClientId(c, clientId, kind);
        if (certificate.isEmpty()) {
          problem(c.path(CERTIFICATE_PATH), "client-certificate needs the path of a PEM or PFX file");
        }
      }
      default -> {
      }
    }
    return new CredentialConfig(kind, clientId, secret, certificate, certificatePassword, tokenFile);
  }

  private void requireClientId(Node c, String clientId, CredentialKind kind) {
    if (clientId.isBlank()) {
      problem(c.path(CLIENT_ID), kind.configName() + " needs the app registration's client id");
    }
  }

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  private Optional<Secret> secret(Node c, String envKey, String fileKey) {
    String envName = c.string(envKey, null);
    String file = c.string(fileKey, null);
    if (envName != null && file != null) {
      problem(c.path(envKey), "set either " + envKey + " or " + fileKey + ", not both");
      return Optional.empty();
    }
    if (envName != null && !ENV_NAME.matcher(envName).matches()) {
      // Not echoed: a value that is no variable name is most likely the secret itself, pasted in the wrong key.
      problem(c.path(envKey), envKey + " must name an environment variable (letters, digits and _, at most 128); "
          + "the value given is not shown, as it may be the secret itself");
      return Optional.empty();
    }
    if (envName != null) {
      Optional<String> v = secrets.env(envName);
      if (v.isEmpty()) {
        problem(c.path(envKey), "environment variable " + envName + " is not set");
      }
      return v.map(s -> Secret.of(s, "env " + envName));
    }
    if (file != null) {
      Optional<String> v = secrets.file(file);
      if (v.isEmpty()) {
        problem(c.path(fileKey), "cannot read secret file " + file);
      }
      return v.map(s -> Secret.of(s, "file " + file));
    }
    return Optional.empty();
  }

  private AdxConfig adx(Node a) {
    a.allowOnly(ADX_CLUSTER_URL, ADX_INGEST_URL, ADX_DATABASE, ADX_INGESTION_MODE, ADX_BLOB_TARGET_SIZE,
        ADX_MAX_IN_FLIGHT_SIZE, AUTHORITY_HOST, TENANT_ID, CREDENTIAL, ADX_TYPED_TABLES, ADX_RETENTION);
    URI cluster = a.uri(ADX_CLUSTER_URL, null);
    URI ingest = a.uri(ADX_INGEST_URL, cluster == null ? null : defaultIngestUrl(cluster).toString());
    String database = a.string(ADX_DATABASE, null);
    if (database == null) {
      problem(a.path(ADX_DATABASE), "is required");
    } else if (!DATABASE_PATTERN.matcher(database).matches()) {
      problem(a.path(ADX_DATABASE), "'" + database + "' is not a valid database name");
    }
    IngestionMode mode = a.parsed(ADX_INGESTION_MODE, "queued", IngestionMode::fromConfigName, IngestionMode.QUEUED);
    long blobTarget = a.size(ADX_BLOB_TARGET_SIZE, "100MB", 1L << 20, 4L << 30);
    long maxInFlight = a.size(ADX_MAX_IN_FLIGHT_SIZE, "512MB", 1L << 20, 1L << 40);
    if (maxInFlight < blobTarget) {
      // A window reserves a whole blob's worth before its fetch: with less, no window could ever start.
      problem(a.path(ADX_MAX_IN_FLIGHT_SIZE), "must be at least " + ADX_BLOB_TARGET_SIZE + " (" + blobTarget
          + " bytes), since every window reserves that much before it is fetched");
    }
    String authority = a.uri(AUTHORITY_HOST, DEFAULT_AUTHORITY).toString();
    CredentialConfig credential = credential(a.child(CREDENTIAL, true));
    String tenantId = a.string(TENANT_ID, "");
    if (tenantId.isEmpty() && credential.kind() != CredentialKind.NONE
        && credential.kind() != CredentialKind.MANAGED_IDENTITY) {
      problem(a.path(TENANT_ID), "is required for " + credential.kind().configName());
    }
    TablePolicies policies = new TablePolicies(a.bool(ADX_TYPED_TABLES, true),
        tablePolicies(a.child(ADX_RETENTION, false), true), perTablePolicies(a.child(ADX_RETENTION, false)));
    return new AdxConfig(cluster, ingest, database, mode, blobTarget, authority, tenantId, credential, maxInFlight,
        policies);
  }

  private Map<String, TablePolicies.Policies> perTablePolicies(Node retention) {
    Node tables = retention.child(RETENTION_TABLES, false);
    Map<String, TablePolicies.Policies> out = new LinkedHashMap<>();
    for (String name : tables.map.keySet()) {
      if (!KqlIdentifiers.isValid(name)) {
        problem(tables.path(name), "is not a table name (ASCII letters, digits and '_')");
        continue;
      }
      out.put(name, tablePolicies(tables.child(name, true), false));
    }
    return out;
  }

  private TablePolicies.Policies tablePolicies(Node n, boolean isDefault) {
    if (isDefault) {
      n.allowOnly(RETENTION_RAW, RETENTION_TYPED, RETENTION_RAW_HOT_CACHE, RETENTION_TYPED_HOT_CACHE,
          RETENTION_TABLES);
    } else {
      n.allowOnly(RETENTION_RAW, RETENTION_TYPED, RETENTION_RAW_HOT_CACHE, RETENTION_TYPED_HOT_CACHE);
    }
    Duration max = Duration.ofDays(36_500);
    Optional<Duration> raw = optionalDuration(n, RETENTION_RAW, TablePolicies.MIN_RAW_RETENTION, max,
        "verify and repair compare the raw table with the source's last 30 days");
    return new TablePolicies.Policies(raw,
        optionalDuration(n, RETENTION_RAW_HOT_CACHE, Duration.ZERO, max, null),
        optionalDuration(n, RETENTION_TYPED, Duration.ofDays(1), max, null),
        optionalDuration(n, RETENTION_TYPED_HOT_CACHE, Duration.ZERO, max, null));
  }

  private Optional<Duration> optionalDuration(Node n, String key, Duration min, Duration max, String whyMin) {
    String text = n.string(key, null);
    if (text == null) {
      return Optional.empty();
    }
    try {
      Duration d = ConfigValues.parseDuration(text);
      if (d.compareTo(min) < 0) {
        problem(n.path(key), text + " is shorter than " + min.toDays() + "d"
            + (whyMin == null ? "" : ": " + whyMin));
        return Optional.empty();
      }
      if (d.compareTo(max) > 0) {
        problem(n.path(key), text + " is longer than " + max.toDays() + "d");
        return Optional.empty();
      }
      return Optional.of(d);
    } catch (IllegalArgumentException e) {
      problem(n.path(key), e.getMessage());
      return Optional.empty();
    }
  }

  /** ADX's ingestion endpoint is the cluster host with an {@code ingest-} prefix; a local stand-in serves both. */
  static URI defaultIngestUrl(URI cluster) {
    String host = cluster.getHost();
    if (host == null || host.equals("localhost") || host.startsWith("ingest-") || Character.isDigit(host.charAt(0))) {
      return cluster;
    }
    return URI.create(cluster.getScheme() + "://ingest-" + cluster.getRawAuthority() + (cluster.getRawPath() == null ? "" : cluster.getRawPath()));
  }

  private MigrationTuning tuning(Node m) {
    m.allowOnly(SETTLE_LAG, INITIAL_LOOKBACK, ROW_CAP, BYTE_CAP, WINDOW_GRID, CYCLE_INTERVAL, SNAPSHOT_CADENCE,
        HORIZON_MARGIN, FETCH_INSTANCES, MAX_COMMIT_BATCH, MAX_ROW_SIZE, MAX_SERVICE_WAIT, PARK_PROBE_INTERVAL,
        CLOSE_WAIT);
    Duration settle = m.duration(SETTLE_LAG, "5m", Duration.ZERO, Duration.ofHours(6));
    Duration lookback = m.duration(INITIAL_LOOKBACK, "30d", Duration.ofMinutes(1), MigrationTuning.HORIZON);
    int rowCap = m.integer(ROW_CAP, 100_000, 10, 100_000);
    long byteCap = m.size(BYTE_CAP, "50MB", 10_000, 124L * 1024 * 1024);
    Duration grid = m.duration(WINDOW_GRID, "1h", Duration.ofSeconds(1), Duration.ofDays(1));
    if (grid.toSeconds() > 0 && Duration.ofDays(1).toSeconds() % grid.toSeconds() != 0 || grid.toNanosPart() != 0) {
      problem(m.path(WINDOW_GRID), grid + " must divide a day into whole seconds (e.g. 15m, 1h, 6h)");
    }
    Duration cycle = m.duration(CYCLE_INTERVAL, "1m", Duration.ofSeconds(1), Duration.ofHours(1));
    Duration cadence = m.duration(SNAPSHOT_CADENCE, "1d", Duration.ofMinutes(1), Duration.ofDays(30));
    Duration margin = m.duration(HORIZON_MARGIN, "2d", Duration.ZERO, Duration.ofDays(29));
    // Unset, it is 16 MB or the whole byte cap if that is smaller; set, it must fit in the byte cap.
    String maxRowText = m.string(MAX_ROW_SIZE, null);
    long maxRow = maxRowText == null ? Math.min(16_000_000L, byteCap)
        : m.size(MAX_ROW_SIZE, "16MB", 4 * 1024, 124L * 1024 * 1024);
    if (maxRow > byteCap) {
      problem(m.path(MAX_ROW_SIZE), maxRow + " bytes is more than migration.byteCap (" + byteCap
          + " bytes): no valid response carries a row larger than the whole result");
    }
    Duration maxWait = m.duration(MAX_SERVICE_WAIT, "15m", Duration.ofSeconds(1), Duration.ofDays(1));
    int fetchInstances = m.integer(FETCH_INSTANCES, Runtime.getRuntime().availableProcessors(), 1, 64);
    int maxCommitBatch = m.integer(MAX_COMMIT_BATCH, 32, 1, 256);
    Duration parkProbe = m.duration(PARK_PROBE_INTERVAL, "6h", Duration.ofSeconds(1), Duration.ofDays(7));
    Duration closeWait = m.duration(CLOSE_WAIT, "10m", Duration.ZERO, Duration.ofHours(1));
    return new MigrationTuning(settle, lookback, rowCap, byteCap, grid, cycle, cadence, margin, maxRow, maxWait,
        fetchInstances, maxCommitBatch, parkProbe, closeWait);
  }

  private ClusterConfig cluster(Node c) {
    c.allowOnly(CLUSTER_ENABLED, CLUSTER_NAME, CLUSTER_HOST, CLUSTER_PORT, CLUSTER_MEMBERS, CLUSTER_HAZELCAST_CONFIG,
        CLUSTER_HEARTBEAT, CLUSTER_MEMBER_TIMEOUT, CLUSTER_LEASE_TTL, CLUSTER_TABLE_LEASE_TTL, CLUSTER_EVENT_BUS_PORT,
        CLUSTER_TLS, CLUSTER_ROLES);
    boolean enabled = c.bool(CLUSTER_ENABLED, false);
    String name = c.string(CLUSTER_NAME, "defender-adx-migration");
    if (!name.matches("[A-Za-z0-9_.-]{1,128}")) {
      problem(c.path(CLUSTER_NAME), "'" + name + "' must be 1 to 128 letters, digits, '.', '-' or '_'");
    }
    String host = c.string(CLUSTER_HOST, "127.0.0.1");
    int port = c.integer(CLUSTER_PORT, 5701, 0, 65_535);
    List<String> members = new ArrayList<>();
    for (Node n : c.list(CLUSTER_MEMBERS)) {
      String member = n.scalarText();
      if (member == null || !member.matches("[A-Za-z0-9_.\\-\\[\\]:]+(:\\d{1,5})?")) {
        problem(n.path, "'" + member + "' is not host or host:port");
      } else {
        members.add(member);
      }
    }
    Optional<String> hazelcastConfig = Optional.ofNullable(c.string(CLUSTER_HAZELCAST_CONFIG, null));
    // Hazelcast counts heartbeats in whole seconds; so do we, to say what is configured.
    Duration heartbeat = c.seconds(CLUSTER_HEARTBEAT, "2s", Duration.ofSeconds(1), Duration.ofSeconds(60));
    Duration memberTimeout = c.seconds(CLUSTER_MEMBER_TIMEOUT, "15s", Duration.ofSeconds(2), Duration.ofMinutes(10));
    Duration leaseTtl = c.seconds(CLUSTER_LEASE_TTL, "15s", Duration.ofSeconds(2), Duration.ofMinutes(10));
    Duration tableLeaseTtl = c.seconds(CLUSTER_TABLE_LEASE_TTL, "2m", Duration.ofSeconds(3), Duration.ofHours(1));
    if (memberTimeout.compareTo(heartbeat.multipliedBy(2)) < 0) {
      problem(c.path(CLUSTER_MEMBER_TIMEOUT), memberTimeout.toSeconds() + "s must be at least two heartbeats ("
          + heartbeat.multipliedBy(2).toSeconds() + "s), or members are removed for one late heartbeat");
    }
    if (leaseTtl.compareTo(heartbeat.multipliedBy(2)) < 0) {
      problem(c.path(CLUSTER_LEASE_TTL), leaseTtl.toSeconds() + "s must be at least two heartbeats ("
          + heartbeat.multipliedBy(2).toSeconds() + "s): the coordinator renews its lease once a heartbeat");
    }
    int eventBusPort = c.integer(CLUSTER_EVENT_BUS_PORT, 0, 0, 65_535);
    ClusterConfig.EventBusTls tls = eventBusTls(c.child(CLUSTER_TLS, false));
    java.util.Set<ClusterConfig.NodeRole> roles = java.util.EnumSet.noneOf(ClusterConfig.NodeRole.class);
    List<Node> roleNodes = c.list(CLUSTER_ROLES);
    for (Node n : roleNodes) {
      String role = n.scalarText();
      Optional<ClusterConfig.NodeRole> known = ClusterConfig.NodeRole.fromConfig(role);
      if (known.isEmpty()) {
        problem(n.path, "'" + role + "' is not a role; roles are coordinator and exporter");
      } else {
        roles.add(known.get());
      }
    }
    if (roleNodes.isEmpty()) {
      roles.addAll(ClusterConfig.ALL_ROLES);
    }
    return new ClusterConfig(enabled, name, host, port, members, hazelcastConfig, heartbeat, memberTimeout, leaseTtl,
        tableLeaseTtl, eventBusPort, tls, roles);
  }

  private ClusterConfig.EventBusTls eventBusTls(Node t) {
    t.allowOnly(TLS_ENABLED, TLS_KEY_FILE, TLS_CERT_FILE, TLS_CA_FILE);
    boolean enabled = t.bool(TLS_ENABLED, false);
    String key = t.string(TLS_KEY_FILE, "");
    String cert = t.string(TLS_CERT_FILE, "");
    String ca = t.string(TLS_CA_FILE, "");
    if (enabled) {
      for (String[] file : new String[][] {{TLS_KEY_FILE, key, "this node's PEM private key"},
          {TLS_CERT_FILE, cert, "this node's PEM certificate"},
          {TLS_CA_FILE, ca, "the PEM certificate of the authority that signed every node's certificate"}}) {
        if (file[1].isBlank()) {
          problem(t.path(file[0]), "event-bus TLS needs " + file[2]);
        }
      }
    }
    return new ClusterConfig.EventBusTls(enabled, key, cert, ca);
  }

  private HttpConfig http(Node h) {
    h.allowOnly(HTTP_HOST, HTTP_PORT, HTTP_TOKEN_ENV, HTTP_TOKEN_FILE);
    return new HttpConfig(h.string(HTTP_HOST, "127.0.0.1"), h.integer(HTTP_PORT, 8080, 0, 65_535),
        secret(h, HTTP_TOKEN_ENV, HTTP_TOKEN_FILE));
  }

  private OpsConfig ops(Node o) {
    o.allowOnly(OPS_TOKEN_ENV, OPS_TOKEN_FILE);
    if (o.string(OPS_TOKEN_ENV, null) == null && o.string(OPS_TOKEN_FILE, null) == null) {
      // The conventional variable, if set; without it the node refuses every ops command.
      return new OpsConfig(secrets.env(OPS_TOKEN_DEFAULT_ENV).map(v -> Secret.of(v, "env " + OPS_TOKEN_DEFAULT_ENV)));
    }
    return new OpsConfig(secret(o, OPS_TOKEN_ENV, OPS_TOKEN_FILE));
  }

  private void problem(String path, String reason) {
    problems.add(path + ": " + reason);
  }

  /** A position in the tree, with typed reads that record problems instead of throwing. */
  private final class Node {
    final String path;
    final Map<String, ?> map;
    final Object scalar;

    Node(String path, Map<String, ?> map) {
      this.path = path;
      this.map = map == null ? Map.of() : map;
      this.scalar = null;
    }

    Node(String path, Object scalar, boolean isScalar) {
      this.path = path;
      this.map = Map.of();
      this.scalar = scalar;
    }

    String path(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    void allowOnly(String... keys) {
      Set<String> allowed = Set.of(keys);
      for (String k : map.keySet()) {
        if (!allowed.contains(k)) {
          problem(path(k), "unknown key (expected one of " + String.join(", ", keys) + ")");
        }
      }
    }

    Node child(String key, boolean required) {
      Object v = map.get(key);
      if (v == null) {
        if (required) {
          problem(path(key), "is required");
        }
        return new Node(path(key), Map.of());
      }
      if (!(v instanceof Map<?, ?> m)) {
        problem(path(key), "must be a section (key: value pairs)");
        return new Node(path(key), Map.of());
      }
      @SuppressWarnings("unchecked")
      Map<String, ?> typed = (Map<String, ?>) m;
      return new Node(path(key), typed);
    }

    List<Node> list(String key) {
      Object v = map.get(key);
      List<Node> nodes = new ArrayList<>();
      if (v == null) {
        return nodes;
      }
      if (!(v instanceof List<?> l)) {
        problem(path(key), "must be a list");
        return nodes;
      }
      for (int i = 0; i < l.size(); i++) {
        Object e = l.get(i);
        String p = path(key) + "[" + i + "]";
        if (e instanceof Map<?, ?> m) {
          @SuppressWarnings("unchecked")
          Map<String, ?> typed = (Map<String, ?>) m;
          nodes.add(new Node(p, typed));
        } else {
          nodes.add(new Node(p, e, true));
        }
      }
      return nodes;
    }

    String scalarText() {
      return scalar == null ? null : String.valueOf(scalar).trim();
    }

    String string(String key, String fallback) {
      Object v = map.get(key);
      if (v == null) {
        return fallback;
      }
      if (v instanceof Map || v instanceof List) {
        problem(path(key), "must be a single value");
        return fallback;
      }
      String s = String.valueOf(v).trim();
      return s.isEmpty() && fallback != null ? fallback : s;
    }

    <T> T parsed(String key, String fallback, Function<String, T> parser, T onError) {
      String s = string(key, fallback);
      if (s == null) {
        problem(path(key), "is required");
        return onError;
      }
      try {
        return parser.apply(s);
      } catch (IllegalArgumentException e) {
        problem(path(key), "'" + s + "': " + e.getMessage());
        return onError;
      }
    }

    URI uri(String key, String fallback) {
      String s = string(key, fallback);
      if (s == null) {
        problem(path(key), "is required");
        return null;
      }
      try {
        URI u = new URI(s);
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || u.getHost() == null) {
          problem(path(key), "'" + s + "' must be an http(s) URL with a host");
          return null;
        }
        if (scheme.equals("http") && !isLoopback(u.getHost())) {
          problem(path(key), "'" + s + "' uses plain http; only local simulators (localhost, 127.0.0.1) may");
          return null;
        }
        return u;
      } catch (URISyntaxException e) {
        problem(path(key), "'" + s + "' is not a URL");
        return null;
      }
    }

    int integer(String key, int fallback, int min, int max) {
      String s = string(key, null);
      if (s == null) {
        return fallback;
      }
      try {
        int v = Integer.parseInt(s.replace("_", ""));
        if (v < min || v > max) {
          problem(path(key), v + " is outside " + min + ".." + max);
          return fallback;
        }
        return v;
      } catch (NumberFormatException e) {
        problem(path(key), "'" + s + "' is not a whole number");
        return fallback;
      }
    }

    boolean bool(String key, boolean fallback) {
      String s = string(key, null);
      if (s == null) {
        return fallback;
      }
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "true", "yes", "on" -> true;
        case "false", "no", "off" -> false;
        default -> {
          problem(path(key), "'" + s + "' is not true or false");
          yield fallback;
        }
      };
    }

    Duration duration(String key, String fallback, Duration min, Duration max) {
      String s = string(key, fallback);
      try {
        Duration d = ConfigValues.parseDuration(s);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
          problem(path(key), s + " is outside " + min + ".." + max);
          return ConfigValues.parseDuration(fallback);
        }
        return d;
      } catch (IllegalArgumentException e) {
        problem(path(key), e.getMessage());
        return ConfigValues.parseDuration(fallback);
      }
    }

    /** A duration in whole seconds, within bounds. */
    Duration seconds(String key, String fallback, Duration min, Duration max) {
      Duration d = duration(key, fallback, min, max);
      if (d.toMillis() % 1000 != 0) {
        problem(path(key), string(key, fallback) + " must be whole seconds (e.g. 2s, 15s, 2m)");
        return ConfigValues.parseDuration(fallback);
      }
      return d;
    }

    long size(String key, String fallback, long min, long max) {
      String s = string(key, fallback);
      try {
        long v = ConfigValues.parseSize(s);
        if (v < min || v > max) {
          problem(path(key), s + " is outside " + min + ".." + max + " bytes");
          return ConfigValues.parseSize(fallback);
        }
        return v;
      } catch (IllegalArgumentException | ArithmeticException e) {
        problem(path(key), e.getMessage());
        return ConfigValues.parseSize(fallback);
      }
    }
  }

  /** An IPv4 literal in 127.0.0.0/8: four decimal octets, nothing else ({@code 127.attacker.example} is a name). */
  private static final Pattern LOOPBACK_V4 = Pattern.compile(
      "127\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)");

  private static boolean isLoopback(String host) {
    return host.equalsIgnoreCase("localhost") || LOOPBACK_V4.matcher(host).matches() || host.equals("[::1]")
        || host.equals("::1");
  }
}
