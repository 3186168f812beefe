package org.defenderadx.migration.common.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.window.Bucket;

/**
 * How far the snapshot of a table being copied has come: its stamp, the bucket count it was planned with, the
 * source fingerprint it was started on, and the last bucket done. Persisted (in the configuration row's
 * {@code BucketProgress} column, see {@link #encode()}) before the first bucket is read and after every bucket ADX
 * confirmed, so a restarted node resumes the same snapshot with the same buckets and copies none of them twice.
 *
 * <p>Order: the buckets {@code 0/N .. (N-1)/N} in index order. A bucket whose result was truncated is read as its two
 * halves instead ({@code b/M} as {@code b/2M} then {@code (b+M)/2M}, the same split windows use), depth first, so
 * "every bucket up to and including {@code lastBucketDone}" is always well defined and the rest follows from it.
 *
 * @param snapshotTime   the stamp every row of the snapshot carries ({@code __SnapshotTime}); whole ticks
 * @param bucketCount    N, a power of two, sized from the row count taken first
 * @param fingerprint    the source's count and newest ingestion time when the snapshot started; any bucket read
 *                       when the source no longer matches it restarts the snapshot
 * @param lastBucketDone empty until the first bucket is confirmed
 */
public record SnapshotProgress(Instant snapshotTime, int bucketCount, SnapshotFingerprint fingerprint,
                               Optional<Bucket> lastBucketDone) {

  private static final String PREFIX = "snapshot:";
  private static final String NONE = "none";

  public SnapshotProgress {
    Objects.requireNonNull(snapshotTime, "snapshotTime");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(lastBucketDone, "lastBucketDone");
    if (!KustoTime.truncate(snapshotTime).equals(snapshotTime)) {
      throw new IllegalArgumentException("snapshot time must be whole 100-ns ticks: " + snapshotTime);
    }
    new Bucket(0, bucketCount); // validates the count
    if (lastBucketDone.isPresent() && lastBucketDone.get().count() < bucketCount) {
      throw new IllegalArgumentException("bucket " + lastBucketDone.get() + " is coarser than the snapshot's "
          + bucketCount + " buckets");
    }
  }

  /** A snapshot planned but not read yet. */
  public static SnapshotProgress start(Instant snapshotTime, int bucketCount, SnapshotFingerprint fingerprint) {
    return new SnapshotProgress(snapshotTime, bucketCount, fingerprint, Optional.empty());
  }

  /** The progress once {@code done} (the next bucket in order, or the first half of it after splits) is copied. */
  public SnapshotProgress after(Bucket done) {
    return new SnapshotProgress(snapshotTime, bucketCount, fingerprint, Optional.of(done));
  }

  /** The buckets still to read, in order. */
  public List<Bucket> remaining() {
    List<Bucket> todo = new ArrayList<>();
    int next = 0;
    if (lastBucketDone.isPresent()) {
      Bucket b = lastBucketDone.get();
      // Climb from a split bucket back to depth N: each left half on the way has its right half still to read.
      while (b.count() > bucketCount) {
        int half = b.count() / 2;
        if (b.index() < half) {
          todo.add(new Bucket(b.index() + half, b.count()));
        }
        b = new Bucket(b.index() % half, half);
      }
      next = b.index() + 1;
    }
    for (int i = next; i < bucketCount; i++) {
      todo.add(new Bucket(i, bucketCount));
    }
    return todo;
  }

  /** True when every bucket is done. */
  public boolean complete() {
    if (lastBucketDone.isEmpty()) {
      return false;
    }
    Bucket b = lastBucketDone.get();
    while (b.count() > bucketCount) {
      int half = b.count() / 2;
      if (b.index() < half) {
        return false;
      }
      b = new Bucket(b.index() - half, half);
    }
    return b.index() == bucketCount - 1;
  }

  /**
   * The column text, e.g.
   * {@code snapshot:at=2026-11-15T00:00:00.0000000Z;buckets=8;done=3/8;count=40;maxIngestion=2026-11-15T00:00:00.0000000Z}
   * ({@code done=none} before the first bucket, {@code maxIngestion=none} for an empty table).
   */
  public String encode() {
    return PREFIX + "at=" + KustoTime.format(snapshotTime)
        + ";buckets=" + bucketCount
        + ";done=" + lastBucketDone.map(Bucket::toString).orElse(NONE)
        + ";count=" + fingerprint.count()
        + ";maxIngestion=" + fingerprint.maxIngestion().map(KustoTime::format).orElse(NONE);
  }

  /** True when a {@code BucketProgress} value holds a snapshot's progress rather than a window bucket. */
  public static boolean isEncoded(String text) {
    return text != null && text.trim().startsWith(PREFIX);
  }

  /** Reads {@link #encode()}'s text back. */
  public static SnapshotProgress parse(String text) {
    if (!isEncoded(text)) {
      throw new IllegalArgumentException("snapshot progress must start with '" + PREFIX + "', got '" + text + "'");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (String part : text.trim().substring(PREFIX.length()).split(";")) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("snapshot progress field without '=': '" + part + "' in '" + text + "'");
      }
      fields.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
    }
    try {
      Instant at = KustoTime.parse(required(fields, "at", text));
      int buckets = Integer.parseInt(required(fields, "buckets", text));
      String done = required(fields, "done", text);
      long count = Long.parseLong(required(fields, "count", text));
      String max = required(fields, "maxIngestion", text);
      return new SnapshotProgress(at, buckets,
          new SnapshotFingerprint(count, max.equals(NONE) ? Optional.empty() : Optional.of(KustoTime.parse(max))),
          done.equals(NONE) ? Optional.empty() : Optional.of(parseBucket(done)));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("unreadable snapshot progress '" + text + "': " + e.getMessage(), e);
    }
  }

  private static String required(Map<String, String> fields, String name, String text) {
    String v = fields.get(name);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("snapshot progress lacks '" + name + "': '" + text + "'");
    }
    return v;
  }

  private static Bucket parseBucket(String text) {
    String[] parts = text.split("/");
    if (parts.length != 2) {
      throw new IllegalArgumentException("a bucket looks like 3/16, got '" + text + "'");
    }
    return new Bucket(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
  }
}
