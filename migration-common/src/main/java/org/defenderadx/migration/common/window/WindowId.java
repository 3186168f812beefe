package org.defenderadx.migration.common.window;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.kql.KustoTime;

/**
 * The stable identity of one unit of copying, e.g.
 * {@code t=<tenant>;tbl=DeviceProcessEvents;lo=2026-11-01T00:00:00.0000000Z;hi=2026-11-01T01:00:00.0000000Z;b=3/16}
 * for a window, or {@code t=<tenant>;tbl=DeviceTvmSoftwareInventory;snap=<time>;b=3/8} for a snapshot bucket.
 * {@link #shortHash()} is a compact form for ADX {@code ingest-by:} tags and audit keys.
 */
public record WindowId(String text) {
  private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._-]*");
  private static final int SHORT_HASH_HEX_CHARS = 24;

  public WindowId {
    Objects.requireNonNull(text, "text");
  }

  /** {@code tenant} may be empty (the default tenant). */
  public static WindowId of(String tenant, String table, Window window) {
    StringBuilder sb = prefix(tenant, table)
        .append(";lo=").append(KustoTime.format(window.lo()))
        .append(";hi=").append(KustoTime.format(window.hi()));
    if (window.isBucketed()) {
      sb.append(";b=").append(window.bucket());
    }
    return new WindowId(sb.toString());
  }

  /** A bucket of a snapshot taken at {@code snapshotAt}. */
  public static WindowId ofSnapshot(String tenant, String table, Instant snapshotAt, Bucket bucket) {
    StringBuilder sb = prefix(tenant, table).append(";snap=").append(KustoTime.format(snapshotAt));
    if (!bucket.isAll()) {
      sb.append(";b=").append(bucket);
    }
    return new WindowId(sb.toString());
  }

  private static StringBuilder prefix(String tenant, String table) {
    Objects.requireNonNull(tenant, "tenant");
    if (!TENANT.matcher(tenant).matches()) {
      throw new IllegalArgumentException("tenant id '" + tenant + "' may hold only letters, digits, '.', '_', '-'");
    }
    KqlIdentifiers.requireTable(table);
    return new StringBuilder("t=").append(tenant).append(";tbl=").append(table);
  }

  /** 24 lowercase hex characters (96 bits) of the SHA-256 of {@link #text()}. */
  public String shortHash() {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, SHORT_HASH_HEX_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }

  @Override
  public String toString() {
    return text;
  }
}
