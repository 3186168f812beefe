package org.defenderadx.migration.common.config;

/**
 * Every configuration key, in one place. Paths are dot-separated from the root of {@code conf/application.yaml};
 * any of them can be overridden by an environment variable named {@code MIGRATION_} plus the path in upper snake
 * case, list indexes included: {@code adx.database} → {@code MIGRATION_ADX_DATABASE},
 * {@code tenants[0].api.baseUrl} → {@code MIGRATION_TENANTS_0_API_BASE_URL}.
 */
public final class ConfigKeys {
  private ConfigKeys() {
  }

  public static final String ENV_PREFIX = "MIGRATION_";

  public static final String TENANTS = "tenants";
  public static final String TENANT_KEY = "key";
  public static final String TENANT_ID = "tenantId";
  public static final String AUTHORITY_HOST = "authorityHost";

  public static final String CREDENTIAL = "credential";
  public static final String CREDENTIAL_KIND = "kind";
  public static final String CLIENT_ID = "clientId";
  public static final String CLIENT_SECRET_ENV = "clientSecretEnv";
  public static final String CLIENT_SECRET_FILE = "clientSecretFile";
  public static final String CERTIFICATE_PATH = "certificatePath";
  public static final String CERTIFICATE_PASSWORD_ENV = "certificatePasswordEnv";
  public static final String CERTIFICATE_PASSWORD_FILE = "certificatePasswordFile";
  public static final String FEDERATED_TOKEN_FILE = "federatedTokenFile";

  public static final String API = "api";
  public static final String API_FLAVOUR = "flavour";
  public static final String API_BASE_URL = "baseUrl";
  public static final String API_SCOPE = "scope";
  public static final String API_CALLS_PER_MINUTE = "callsPerMinute";
  public static final String API_CALLS_PER_HOUR = "callsPerHour";
  public static final String API_MAX_CONCURRENT_CALLS = "maxConcurrentCalls";

  public static final String ADX = "adx";
  public static final String ADX_CLUSTER_URL = "clusterUrl";
  public static final String ADX_INGEST_URL = "ingestUrl";
  public static final String ADX_DATABASE = "database";
  public static final String ADX_INGESTION_MODE = "ingestionMode";
  public static final String ADX_BLOB_TARGET_SIZE = "blobTargetSize";
  /** Bytes of window blobs a node holds at once, not yet confirmed by ADX, across all its tables. */
  public static final String ADX_MAX_IN_FLIGHT_SIZE = "maxInFlightSize";
  /** Typed tables with Defender's names and schemas, filled from the raw tables by update policies (true/false). */
  public static final String ADX_TYPED_TABLES = "typedTables";
  /** Retention and hot-cache policies of the raw and typed tables (a section; per-table under {@code tables}). */
  public static final String ADX_RETENTION = "retention";
  public static final String RETENTION_RAW = "raw";
  public static final String RETENTION_TYPED = "typed";
  public static final String RETENTION_RAW_HOT_CACHE = "rawHotCache";
  public static final String RETENTION_TYPED_HOT_CACHE = "typedHotCache";
  public static final String RETENTION_TABLES = "tables";

  public static final String MIGRATION = "migration";
  public static final String SETTLE_LAG = "settleLag";
  public static final String INITIAL_LOOKBACK = "initialLookback";
  public static final String ROW_CAP = "rowCap";
  public static final String BYTE_CAP = "byteCap";
  public static final String WINDOW_GRID = "windowGrid";
  public static final String CYCLE_INTERVAL = "cycleInterval";
  public static final String SNAPSHOT_CADENCE = "snapshotCadence";
  public static final String HORIZON_MARGIN = "horizonMargin";
  /** Fetch verticle instances per node (the design card's fetch workers); default: the node's cores. */
  public static final String FETCH_INSTANCES = "fetchInstances";
  /**
   * The most confirmed windows of one table committed together (one watermark row and one audit append for all of
   * them); 1 commits each window alone.
   */
  public static final String MAX_COMMIT_BATCH = "maxCommitBatch";
  /** The largest single result row a response may carry; a larger one fails its table (it cannot be split). */
  public static final String MAX_ROW_SIZE = "maxRowSize";
  /** The longest wait any answer of the service can impose (Retry-After, "again in ...", the CPU quota). */
  public static final String MAX_SERVICE_WAIT = "maxServiceWait";
  /**
   * How long a table the tenant does not have (unknown table, missing permission) stays parked before it is tried
   * again; {@code migrationctl resume} ends the parking at once.
   */
  public static final String PARK_PROBE_INTERVAL = "parkProbeInterval";
  /**
   * The longest a table with closed cells to export waits for the next cell to close before its run, so that cell
   * joins the run's units instead of costing a call of its own afterwards (0: never wait).
   */
  public static final String CLOSE_WAIT = "closeWait";

  public static final String CLUSTER = "cluster";
  public static final String CLUSTER_ENABLED = "enabled";
  public static final String CLUSTER_NAME = "name";
  public static final String CLUSTER_HOST = "host";
  public static final String CLUSTER_PORT = "port";
  public static final String CLUSTER_MEMBERS = "members";
  public static final String CLUSTER_HAZELCAST_CONFIG = "hazelcastConfig";
  public static final String CLUSTER_HEARTBEAT = "heartbeat";
  public static final String CLUSTER_MEMBER_TIMEOUT = "memberTimeout";
  public static final String CLUSTER_LEASE_TTL = "leaseTtl";
  public static final String CLUSTER_TABLE_LEASE_TTL = "tableLeaseTtl";
  public static final String CLUSTER_EVENT_BUS_PORT = "eventBusPort";
  public static final String CLUSTER_TLS = "tls";
  public static final String CLUSTER_ROLES = "roles";
  public static final String TLS_ENABLED = "enabled";
  public static final String TLS_KEY_FILE = "keyFile";
  public static final String TLS_CERT_FILE = "certFile";
  public static final String TLS_CA_FILE = "caFile";

  public static final String HTTP = "http";
  public static final String HTTP_HOST = "host";
  public static final String HTTP_PORT = "port";
  /** The ops HTTP token (optional): {@code /api/status} and {@code /metrics} then need it as a bearer token. */
  public static final String HTTP_TOKEN_ENV = "tokenEnv";
  public static final String HTTP_TOKEN_FILE = "tokenFile";

  public static final String OPS = "ops";
  public static final String OPS_TOKEN_ENV = "tokenEnv";
  public static final String OPS_TOKEN_FILE = "tokenFile";
  /**
   * The environment variable the ops token is read from when {@code ops.tokenEnv} is not set, on nodes and by
   * migrationctl alike. It is a secret, never a configuration override, although it starts with {@link #ENV_PREFIX}.
   */
  public static final String OPS_TOKEN_DEFAULT_ENV = "MIGRATION_OPS_TOKEN";

  /** Every key name above, for matching environment variables to keys a file may not spell out. */
  public static final java.util.Set<String> ALL = java.util.Set.of(
      "adx",
      "api",
      "authorityHost",
      "baseUrl",
      "blobTargetSize",
      "byteCap",
      "caFile",
      "callsPerHour",
      "callsPerMinute",
      "certFile",
      "certificatePasswordEnv",
      "certificatePasswordFile",
      "certificatePath",
      "clientId",
      "clientSecretEnv",
      "clientSecretFile",
      "closeWait",
      "cluster",
      "clusterUrl",
      "credential",
      "cycleInterval",
      "database",
      "enabled",
      "eventBusPort",
      "federatedTokenFile",
      "flavour",
      "hazelcastConfig",
      "heartbeat",
      "horizonMargin",
      "host",
      "http",
      "ingestionMode",
      "ingestUrl",
      "initialLookback",
      "key",
      "keyFile",
      "kind",
      "leaseTtl",
      "maxCommitBatch",
      "maxConcurrentCalls",
      "maxInFlightSize",
      "fetchInstances",
      "maxRowSize",
      "maxServiceWait",
      "members",
      "memberTimeout",
      "migration",
      "name",
      "ops",
      "parkProbeInterval",
      "port",
      "roles",
      "rowCap",
      "scope",
      "settleLag",
      "snapshotCadence",
      "tableLeaseTtl",
      "tenantId",
      "tenants",
      "tls",
      "tokenEnv",
      "tokenFile",
      "windowGrid");

  /** Keys whose value is a list of strings; an environment variable sets them comma-separated. */
  public static final java.util.Set<String> STRING_LISTS = java.util.Set.of(CLUSTER_MEMBERS, CLUSTER_ROLES);
}
