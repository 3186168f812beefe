package org.defenderadx.migration.worker.hooks;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named points of the commit protocol (docs/correctness.md) at which the crash tests kill the process. Inert unless
 * the test hook {@link TestHooks#CRASH_AT} names a point as {@code name:n}: then the n-th time the point is reached, a
 * marker line is printed and the thread stops there, for the test to kill the JVM with SIGKILL at exactly that point.
 */
public final class CrashPoints {
  public static final String AFTER_FETCH = "after-fetch";
  public static final String AFTER_SEND = "after-send";
  public static final String AFTER_CONFIRM = "after-confirm";
  public static final String AFTER_COMMIT = "after-commit";

  /** What the process prints when it stops at a point, for the test to read. */
  public static final String MARKER = "CRASH-POINT-REACHED ";

  private static final Optional<TestHooks.CrashAt> CONFIGURED = TestHooks.crashAt();
  private static final AtomicInteger REACHED = new AtomicInteger();

  private CrashPoints() {
  }

  public static void reach(String name) {
    if (CONFIGURED.isEmpty()) {
      return;
    }
    TestHooks.CrashAt at = CONFIGURED.get();
    if (at.point().equals(name) && REACHED.incrementAndGet() == at.nth()) {
      System.out.println(MARKER + name);
      System.out.flush();
      try {
        Thread.sleep(Long.MAX_VALUE); // the test kills the process now
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
