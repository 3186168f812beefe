package org.defenderadx.migration.worker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.worker.node.MigrationNode;
import org.defenderadx.migration.worker.testing.Simulators;
import org.defenderadx.migration.worker.testing.StandIns;
import org.defenderadx.migration.worker.testing.WebDriverSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The status page in a real browser (Debian's headless Chromium through chromedriver): while a node backfills three
 * tables, the page lists every table and redraws itself with new values, without being reloaded. Skipped, with the
 * reason, where Chromium is not installed, except on CI ({@code CI=true}), where that is a failure.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class StatusPageBrowserTest {

  private static final List<String> TABLES = List.of("DeviceLogonEvents", "DeviceInfo", "DeviceNetworkEvents");

  /** Each table's row on the page as text, keyed by its data-table attribute. */
  private static final String ROWS = "const rows = {};"
      + "document.querySelectorAll('#tables tbody tr').forEach(tr => {"
      + "  rows[tr.dataset.table] = Array.from(tr.cells).map(td => td.textContent).join(' | '); });"
      + "return rows;";

  @Test
  void thePageListsEveryTableAndUpdatesItselfAsTheBackfillMoves() throws Exception {
    String missing = WebDriverSession.missing();
    if (missing != null && "true".equals(System.getenv("CI"))) {
      throw new AssertionError(missing + ". CI must run this test: .ci/run installs them.");
    }
    Assumptions.assumeTrue(missing == null, missing);

    try (StandIns env = StandIns.start(Vertx.vertx())) {
      // Eight days to copy per table: long enough to watch the page move, short enough to finish and stop quickly.
      Instant from = env.time.now().minus(Duration.ofDays(8));
      for (String table : TABLES) {
        ConfigRows.incremental(env, "", table, from, 1);
      }
      MigrationNode node = await(MigrationNode.start(ObservabilityTest.settings(env, "2m"),
          new MigrationNode.Environment(env.time, Optional.of(Simulators.trusting(env.sim)), "node-1")));
      try (WebDriverSession browser = WebDriverSession.start(env.vertx)) {
        browser.navigate("http://127.0.0.1:" + node.ops().httpPort() + "/");

        Map<String, Object> first = waitFor(browser, rows -> rows.size() == TABLES.size(), "every table listed");
        for (String table : TABLES) {
          assertThat(first).containsKey("|" + table);
          assertThat((String) first.get("|" + table)).startsWith("(default) | " + table + " | ");
        }
        Object tenants = browser.execute("return document.querySelector('#tenants tbody').textContent;");
        assertThat((String) tenants).contains("(default)").contains("of 45");

        // The page is never reloaded: what changes, the page's own refresh brought.
        Map<String, Object> later = waitFor(browser, rows -> !rows.equals(first), "a table's row change");
        assertThat(later.keySet()).isEqualTo(first.keySet());
        assertThat(TABLES).anySatisfy(t -> assertThat(later.get("|" + t)).isNotEqualTo(first.get("|" + t)));
        waitFor(browser, rows -> rows.values().stream().allMatch(r -> ((String) r).contains("caught-up")),
            "every table caught up");
      } finally {
        await(node.stop());
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> waitFor(WebDriverSession browser,
                                             java.util.function.Predicate<Map<String, Object>> done, String what)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    Map<String, Object> rows = Map.of();
    while (System.nanoTime() < deadline) {
      Object value = browser.execute(ROWS);
      rows = value instanceof JsonObject j ? j.getMap() : (Map<String, Object>) value;
      if (done.test(rows)) {
        return rows;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("the page never showed " + what + "; last seen: " + rows);
  }
}
