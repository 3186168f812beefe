package org.defenderadx.simulator.querycompat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.defenderadx.simulator.defender.data.Profile;
import org.defenderadx.simulator.defender.data.SimulatedTenant;
import org.defenderadx.simulator.defender.data.SimulatedTenant.TimestampFilter;
import org.defenderadx.simulator.kql.KqlEngine;
import org.defenderadx.simulator.kql.QueryContext;
import org.defenderadx.simulator.kql.QueryResult;
import org.defenderadx.simulator.querycompat.HuntingQueryCorpus.HuntingQuery;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every corpus query runs on a small simulated Defender tenant, succeeds, and gives the same rows each time. */
class HuntingQueryCorpusTest {
  /** The Defender simulator's default seed and anchor, so absolute datetimes in the corpus hit data. */
  private static final Instant ANCHOR = Instant.parse("2026-11-15T00:00:00Z");
  private static final SimulatedTenant TENANT =
      new SimulatedTenant(42, Profile.SMALL, ANCHOR, Duration.ofDays(30), Duration.ofHours(6));
  private static final List<HuntingQuery> CORPUS = HuntingQueryCorpus.load();
  private final KqlEngine engine = new KqlEngine();

  private QueryResult run(HuntingQuery q) {
    return engine.execute(q.kql(), new QueryContext(TENANT.at(ANCHOR, TimestampFilter.NONE), ANCHOR));
  }

  /** The result as a multiset: row → how many times it occurs. */
  private Map<List<Object>, Integer> multiset(HuntingQuery q) {
    Map<List<Object>, Integer> rows = new HashMap<>();
    for (Object[] row : run(q).toList()) {
      rows.merge(Arrays.asList(row), 1, Integer::sum);
    }
    return rows;
  }

  @TestFactory
  Stream<DynamicTest> eachQueryRunsDeterministicallyAndFindsRows() {
    return CORPUS.stream().map(q -> DynamicTest.dynamicTest(q.name(), () -> {
      Map<List<Object>, Integer> first = multiset(q);
      assertThat(multiset(q)).as("%s run twice", q.name()).isEqualTo(first);
      if (!q.mayBeEmpty()) {
        assertThat(first).as("%s on the small tenant", q.name()).isNotEmpty();
      }
    }));
  }

  @Test
  void corpusHasEnoughQueriesAndMostFindRows() {
    assertThat(CORPUS).hasSizeGreaterThanOrEqualTo(18);
    assertThat(CORPUS.stream().filter(HuntingQuery::mayBeEmpty)).hasSizeLessThanOrEqualTo(2);
    long nonEmpty = CORPUS.stream().filter(q -> run(q).rows().hasNext()).count();
    assertThat(nonEmpty).isGreaterThanOrEqualTo(16);
  }

  @Test
  void corpusAvoidsClockAndIngestionDependentFunctions() {
    for (HuntingQuery q : CORPUS) {
      assertThat(q.kql()).as(q.name()).doesNotContain("ingestion_time(", "now(", "ago(", "take ", "limit ");
    }
  }

  @Test
  void corpusCoversTheHuntingConstructsTheComparisonNeeds() {
    String all = String.join("\n", CORPUS.stream().map(HuntingQuery::kql).toList());
    assertThat(all).contains("==", "=~", "!=", "bin(Timestamp, 1h)", "bin(Timestamp, 1d)", "bin(Timestamp, 15m)",
        "join kind=inner", "join kind=leftsemi", "join kind=leftanti", "parse_json(AdditionalFields)",
        "parse_json(AdditionalFields).", "mv-expand", "arg_max(Timestamp, *) by DeviceId",
        "Timestamp - ProcessCreationTime", ".. 1d)", "datetime_diff(", "startofday(", " has ", " contains ",
        " startswith ", " in~ ", " has_any ", "project-away", "| project ", "| count", "| top ", "| distinct ",
        "dcount(", "array_sort_asc(make_set(", "strcat(", "tolower(", "iff(", "case(", "countif(");
  }

  @Test
  void parsingSkipsCommentaryAndReadsHeaders() {
    List<HuntingQuery> qs = HuntingQueryCorpus.parse("// about the file\n\n// name: A\n// why: x\nT | count\n\n"
        + "// name: B\n// expect: empty\n// a comment that belongs to the query\nT\n| where X == 1\n");
    assertThat(qs).containsExactly(new HuntingQuery("A", "T | count"),
        new HuntingQuery("B", "// a comment that belongs to the query\nT\n| where X == 1", true));
  }

  @Test
  void parsingRejectsNamelessQueriesAndDuplicateNames() {
    assertThatThrownBy(() -> HuntingQueryCorpus.parse("T | count\n")).hasMessageContaining("line 1");
    assertThatThrownBy(() -> HuntingQueryCorpus.parse("// name: A\nT\n\n// name: A\nU\n"))
        .hasMessageContaining("duplicate name 'A'");
  }
}
