package org.defenderadx.migration.worker.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code api.maxConcurrentCalls}: a tenant's calls in flight from one node never exceed the gate's permits. */
class CallGateTest {

  @Test
  void callsBeyondThePermitsWaitAndGoInArrivalOrderAsCallsEnd() {
    // GIVEN a gate of two permits
    CallGate gate = new CallGate(2);

    // WHEN five calls ask
    List<Future<Void>> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(gate.acquire());
    }

    // THEN two go, three wait; each end lets the oldest waiting one go, never more than two in flight
    assertThat(calls).extracting(Future::isComplete).containsExactly(true, true, false, false, false);
    assertThat(gate.inUse()).isEqualTo(2);
    assertThat(gate.waiting()).isEqualTo(3);
    gate.release();
    assertThat(calls).extracting(Future::isComplete).containsExactly(true, true, true, false, false);
    assertThat(gate.inUse()).isEqualTo(2);
    gate.release();
    gate.release();
    assertThat(calls).extracting(Future::isComplete).containsOnly(true);
    assertThat(gate.inUse()).isEqualTo(2);
    gate.release();
    gate.release();
    assertThat(gate.inUse()).isZero();
    assertThat(gate.waiting()).isZero();
  }

  @Test
  void aGateNeedsAtLeastOnePermit() {
    assertThatThrownBy(() -> new CallGate(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
