package org.defenderadx.simulator.adx.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** A fast 64-bit digest of a record's source bytes, to check exactly-once without keeping the rows. */
public final class RowDigest {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long P1 = 0x9E3779B97F4A7C15L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;

  private RowDigest() {
  }

  public static long of(byte[] b, int from, int to) {
    long h = P1 ^ ((to - from) * P2);
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long k = (long) LONGS.get(b, i);
      h = Long.rotateLeft(h ^ (k * P2), 31) * P1;
    }
    long tail = 0;
    for (int shift = 0; i < to; i++, shift += 8) {
      tail |= (b[i] & 0xFFL) << shift;
    }
    h ^= tail * P2;
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    return h;
  }
}
