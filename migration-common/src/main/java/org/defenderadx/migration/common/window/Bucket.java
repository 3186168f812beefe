package org.defenderadx.migration.common.window;

/**
 * One hash bucket of an instant: the rows whose {@code abs(hash_xxhash64(tostring(pack_all())) % count) == index}.
 * {@code count} is a power of two so that a bucket splits into two by doubling the count: residue {@code b} mod
 * {@code N} is exactly residues {@code b} and {@code b + N} mod {@code 2N}. {@link #ALL} (0 of 1) is the whole
 * window, i.e. no bucket filter.
 */
public record Bucket(int index, int count) {
  public static final Bucket ALL = new Bucket(0, 1);
  /**
   * The most buckets anything is read in: 65,536 calls of a full result hold billions of rows, more than any table
   * the service answers for. The bound keeps a count read back from a configuration row (untrusted) from making a
   * node plan, or iterate over, a billion buckets.
   */
  public static final int MAX_COUNT = 1 << 16;

  public Bucket {
    if (count < 1 || Integer.bitCount(count) != 1) {
      throw new IllegalArgumentException("bucket count must be a power of two, got " + count);
    }
    if (count > MAX_COUNT) {
      throw new IllegalArgumentException("bucket count " + count + " is above the most allowed, " + MAX_COUNT);
    }
    if (index < 0 || index >= count) {
      throw new IllegalArgumentException("bucket index " + index + " outside 0.." + (count - 1));
    }
  }

  public boolean isAll() {
    return count == 1;
  }

  /** The left child (same residue) then the right child (residue + count), in planning order. */
  public Bucket[] children() {
    if (count >= MAX_COUNT) {
      throw new IllegalStateException("bucket " + this + " cannot be split further");
    }
    return new Bucket[] {new Bucket(index, count * 2), new Bucket(index + count, count * 2)};
  }

  /** True when this is the first child of its parent (the lower residue). */
  boolean isLeftChild() {
    return count > 1 && index < count / 2;
  }

  Bucket parent() {
    return new Bucket(index % (count / 2), count / 2);
  }

  Bucket rightSibling() {
    return new Bucket(index + count / 2, count);
  }

  /** The last bucket in planning order at its depth: every step of its path took the right child. */
  boolean isLastInOrder() {
    return index == count - 1;
  }

  /** {@code 3/16}. */
  @Override
  public String toString() {
    return index + "/" + count;
  }
}
