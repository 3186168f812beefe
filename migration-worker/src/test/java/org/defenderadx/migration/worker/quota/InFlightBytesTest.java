package org.defenderadx.migration.worker.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class InFlightBytesTest {

  @Test
  void grantsAtOnceWhileThereIsRoomAndMakesTheNextWait() {
    InFlightBytes budget = new InFlightBytes(100);

    Future<InFlightBytes.Permit> a = budget.acquire(60);
    Future<InFlightBytes.Permit> b = budget.acquire(50);

    assertThat(a.succeeded()).isTrue();
    assertThat(b.isComplete()).as("60 + 50 exceed 100").isFalse();
    assertThat(budget.inUse()).isEqualTo(60);
    assertThat(budget.waiting()).isEqualTo(1);

    a.result().release();

    assertThat(b.succeeded()).isTrue();
    assertThat(budget.inUse()).isEqualTo(50);
    assertThat(budget.waitedTotal()).isEqualTo(1);
  }

  @Test
  void shrinkingAPermitToItsBlobsSizeMakesRoomForOthers() {
    InFlightBytes budget = new InFlightBytes(100);
    InFlightBytes.Permit reserved = budget.acquire(100).result();
    Future<InFlightBytes.Permit> next = budget.acquire(70);
    assertThat(next.isComplete()).isFalse();

    reserved.shrinkTo(30); // the blob was smaller than its reservation

    assertThat(next.succeeded()).isTrue();
    assertThat(budget.inUse()).isEqualTo(100);
    assertThat(reserved.held()).isEqualTo(30);
    reserved.shrinkTo(50); // never grows back
    assertThat(reserved.held()).isEqualTo(30);
  }

  @Test
  void aBlobLargerThanItsReservationIsHeldAtOnceAndTheNextWindowsWaitForRoom() {
    InFlightBytes budget = new InFlightBytes(100);
    InFlightBytes.Permit big = budget.acquire(40).result();
    InFlightBytes.Permit small = budget.acquire(40).result();

    big.keep(90); // a complete answer is kept whatever its blob's size: past the budget, without waiting
    assertThat(budget.inUse()).isEqualTo(130);
    assertThat(budget.peak()).isEqualTo(130);
    Future<InFlightBytes.Permit> next = budget.acquire(10);
    assertThat(next.isComplete()).isFalse();

    small.keep(5);
    assertThat(next.isComplete()).as("95 held: room for 5 only").isFalse();
    big.release();
    assertThat(next.succeeded()).isTrue();
    assertThat(budget.inUse()).isEqualTo(15);
  }

  @Test
  void releasingTwiceGivesTheRoomBackOnce() {
    InFlightBytes budget = new InFlightBytes(100);
    InFlightBytes.Permit p = budget.acquire(40).result();
    budget.acquire(40);

    p.release();
    p.release();

    assertThat(budget.inUse()).isEqualTo(40);
  }

  @Test
  void requestsAreGrantedInOrderSoALargeOneIsNotOvertakenForEver() {
    InFlightBytes budget = new InFlightBytes(100);
    InFlightBytes.Permit first = budget.acquire(90).result();
    Future<InFlightBytes.Permit> large = budget.acquire(80);
    Future<InFlightBytes.Permit> small = budget.acquire(5);

    assertThat(small.isComplete()).as("5 would fit, but the larger request came first").isFalse();
    first.release();

    assertThat(large.succeeded()).isTrue();
    assertThat(small.succeeded()).isTrue();
  }

  @Test
  void aRequestLargerThanTheWholeBudgetFailsAndSaysWhichSettingToRaise() {
    InFlightBytes budget = new InFlightBytes(100);

    Future<InFlightBytes.Permit> f = budget.acquire(101);

    assertThat(f.failed()).isTrue();
    assertThat(f.cause().getMessage()).contains("adx.maxInFlightSize").contains("adx.blobTargetSize");
    assertThat(budget.inUse()).isZero();
  }

  @Test
  void theBoundHoldsUnderConcurrentUse() throws Exception {
    InFlightBytes budget = new InFlightBytes(1_000);
    int threads = 8;
    int rounds = 2_000;
    CountDownLatch done = new CountDownLatch(threads * rounds);
    AtomicLong heldNow = new AtomicLong();
    AtomicLong maxSeen = new AtomicLong();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Random random = new Random(t);
      workers.add(new Thread(() -> {
        for (int i = 0; i < rounds; i++) {
          long bytes = 1 + random.nextInt(400);
          budget.acquire(bytes).onComplete(ar -> {
            if (ar.failed()) {
              errors.add(ar.cause());
            } else {
              long now = heldNow.addAndGet(bytes);
              maxSeen.accumulateAndGet(now, Math::max);
              heldNow.addAndGet(-bytes);
              ar.result().release();
            }
            done.countDown();
          });
        }
      }));
    }
    workers.forEach(Thread::start);

    assertThat(done.await(30, TimeUnit.SECONDS)).as("every request was granted").isTrue();
    assertThat(errors).isEmpty();
    assertThat(maxSeen.get()).isLessThanOrEqualTo(1_000);
    assertThat(budget.peak()).isLessThanOrEqualTo(1_000).isPositive();
    assertThat(budget.inUse()).isZero();
    assertThat(budget.waiting()).isZero();
  }
}
