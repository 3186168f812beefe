package org.defenderadx.simulator.defender.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CpuBudgetTest {

  @Test
  void spentBudgetBlocksUntilTheNextAlignedCycle() {
    CpuBudget budget = new CpuBudget(Duration.ofSeconds(10), Duration.ofMinutes(15));
    Instant t = Instant.parse("2026-11-15T10:05:00Z");
    assertThat(budget.blockedFor(t)).isEmpty();

    budget.charge(t, Duration.ofSeconds(12));

    assertThat(budget.blockedFor(t.plusSeconds(60))).contains(Duration.ofMinutes(9));
    assertThat(budget.blockedFor(Instant.parse("2026-11-15T10:15:00Z"))).isEmpty();
    assertThat(budget.spentTotal()).isEqualTo(Duration.ofSeconds(12));
  }
}
