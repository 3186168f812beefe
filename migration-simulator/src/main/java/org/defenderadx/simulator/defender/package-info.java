/**
 * A local stand-in for the Microsoft Defender XDR Advanced Hunting API, for tests, benchmarks and demos.
 *
 * <p>Entry points: {@link org.defenderadx.simulator.defender.DefenderSimulator#start} (embedded; then
 * {@code port()}, {@code baseUrl()}, {@code stop()}, {@code clock()}, {@code stats()}, {@code injectFaults(...)},
 * {@code groundTruth(table, range, at)}) and {@link org.defenderadx.simulator.defender.DefenderSimulatorMain}
 * (command line). Configuration is {@link org.defenderadx.simulator.defender.DefenderSimConfig}, with presets in
 * {@link org.defenderadx.simulator.defender.Scenario}. Row identity for exactly-once checks is
 * {@link org.defenderadx.simulator.defender.RowDigest}.
 *
 * <p>Data ({@code data}): a seeded tenant whose rows are a pure function of (seed, table, index), laid out around
 * an anchor instant; only sorted ingestion times are held in memory. Queries run on the shared KQL engine
 * ({@code org.defenderadx.simulator.kql}) against the tenant as it stands at the simulated moment of the call.
 *
 * <p>Where real behaviour is unknown (defender-api.md §8) the simulator picks the harsher reading, configurable:
 * <ul>
 *   <li>the row cap truncates silently on all three endpoints; Graph and XDR byte caps truncate silently too
 *       (Graph can be set to answer 400; MDE answers the documented 400);</li>
 *   <li>XDR's {@code Stats.dataset_statistics.table_row_count} is the number of rows returned, not the
 *       pre-truncation count;</li>
 *   <li>Graph 429s carry no {@code Retry-After} unless configured (integer or decimal seconds); the per-hour call
 *       quota applies to Graph as well; {@code Retry-After} is in simulated seconds;</li>
 *   <li>Graph's default {@code Timespan} (30 days) filters on {@code Timestamp}, so late rows whose Timestamp is
 *       older than 30 days are invisible to a Graph call that sends no Timespan; tables without Timestamp are not
 *       filtered;</li>
 *   <li>{@code dynamic} is typed {@code Object}, {@code bool} {@code Boolean} in result schemas; row keys are the
 *       column names as projected (PascalCase);</li>
 *   <li>snapshot tables replace all their rows at each refresh (six-hourly by default), all with the refresh
 *       instant as ingestion time, and show only the latest refresh;</li>
 *   <li>a query whose simulated CPU exceeds the timeout is charged in full and fails (Graph 504 UnknownError,
 *       legacy 400 "Query exceeded the timeout period.").</li>
 * </ul>
 */
package org.defenderadx.simulator.defender;
