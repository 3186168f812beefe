package org.defenderadx.migration.worker.quota;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A node-wide budget of bytes held in window blobs that ADX has not confirmed yet, across all tables
 * ({@code adx.maxInFlightSize}). A window reserves room before its blob is built, keeps what its blob really takes
 * once built (which may pass the budget by what that blob exceeds its reservation), and gives it back when ADX
 * confirms it or the window is given up. Requests are granted in the order
 * they were made, so a large one is not overtaken for ever by small ones. Thread-safe.
 *
 * <p>Holders never wait for one another (a permit is held only while a window is fetched, sent and confirmed, each
 * bounded in time), so waiting for room cannot deadlock.
 */
public final class InFlightBytes {

  private record Waiter(long bytes, Promise<Permit> promise) {
  }

  private final long capacity;
  private final Deque<Waiter> waiters = new ArrayDeque<>();
  private long inUse;
  private long peak;
  private long waited;
  private final ThreadLocal<Deque<Waiter>> completing = new ThreadLocal<>();

  public InFlightBytes(long capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("the in-flight budget must be positive, not " + capacity);
    }
    this.capacity = capacity;
  }

  /** Room held by one window; give it back with {@link #release()} (once is enough, more is harmless). */
  public final class Permit {
    private long held;

    private Permit(long held) {
      this.held = held;
    }

    /** Keeps only {@code bytes} of the room held (the blob turned out smaller than reserved). */
    public void shrinkTo(long bytes) {
      List<Waiter> granted;
      synchronized (InFlightBytes.this) {
        if (bytes >= held) {
          return;
        }
        inUse -= held - Math.max(0, bytes);
        held = Math.max(0, bytes);
        granted = grant();
      }
      complete(granted);
    }

    /**
     * Holds exactly what the built blob takes: less gives room back; more (a complete answer is kept whatever its
     * blob's size) is taken at once, even past the budget, since the blob exists already: the windows asking next
     * wait until the budget has room again, and no holder ever waits.
     */
    public void keep(long bytes) {
      synchronized (InFlightBytes.this) {
        if (bytes > held) {
          inUse += bytes - held;
          peak = Math.max(peak, inUse);
          held = bytes;
          return;
        }
      }
      shrinkTo(bytes);
    }

    public void release() {
      shrinkTo(0);
    }

    public long held() {
      synchronized (InFlightBytes.this) {
        return held;
      }
    }
  }

  /**
   * A permit for {@code bytes}, at once when there is room and nobody waits before us, else once there is. Fails when
   * {@code bytes} exceeds the whole budget, which no waiting would cure.
   */
  public Future<Permit> acquire(long bytes) {
    if (bytes > capacity) {
      return Future.failedFuture(new IllegalArgumentException("a window reserving " + bytes + " bytes can never fit "
          + "the in-flight budget of " + capacity + " bytes (adx.maxInFlightSize must be at least adx.blobTargetSize)"));
    }
    Promise<Permit> promise = Promise.promise();
    List<Waiter> granted;
    synchronized (this) {
      waiters.addLast(new Waiter(Math.max(0, bytes), promise));
      granted = grant();
      if (granted.stream().noneMatch(w -> w.promise() == promise)) {
        waited++;
      }
    }
    complete(granted);
    return promise.future();
  }

  /** Takes waiters from the head while they fit; called under the lock, completed outside it. */
  private List<Waiter> grant() {
    List<Waiter> granted = new ArrayList<>();
    while (!waiters.isEmpty() && waiters.peekFirst().bytes() <= capacity - inUse) {
      Waiter w = waiters.removeFirst();
      inUse += w.bytes();
      peak = Math.max(peak, inUse);
      granted.add(w);
    }
    return granted;
  }

  /**
   * Completes granted requests outside the lock. A handler that releases at once grants the next request from within
   * this loop: those are queued to this loop rather than completed recursively, so a long line cannot overflow the
   * stack.
   */
  private void complete(List<Waiter> granted) {
    Deque<Waiter> loop = completing.get();
    if (loop != null) {
      loop.addAll(granted);
      return;
    }
    loop = new ArrayDeque<>(granted);
    completing.set(loop);
    try {
      while (!loop.isEmpty()) {
        Waiter w = loop.removeFirst();
        w.promise().complete(new Permit(w.bytes()));
      }
    } finally {
      completing.remove();
    }
  }

  public long capacity() {
    return capacity;
  }

  /** Bytes held now. */
  public synchronized long inUse() {
    return inUse;
  }

  /** The most bytes ever held at once. */
  public synchronized long peak() {
    return peak;
  }

  /** Requests waiting for room now. */
  public synchronized int waiting() {
    return waiters.size();
  }

  /** How many requests had to wait for room so far. */
  public synchronized long waitedTotal() {
    return waited;
  }
}
