/**
 * A local stand-in for Azure Data Explorer that the real Kusto Java SDK (7.0.2) talks to, for tests, benchmarks
 * and demos. Start it with {@link org.defenderadx.simulator.adx.AdxStandIn#start} (or
 * {@link org.defenderadx.simulator.adx.AdxStandInMain} on its own) and point the SDK at its {@code url()},
 * {@code http://localhost:PORT}: the SDK skips authentication only for URLs that start with {@code http://localhost}.
 *
 * <ul>
 *   <li>{@code rest}: {@code GET /v1/rest/auth/metadata} (404), {@code POST /v1/rest/mgmt} (v1), {@code POST
 *       /v2/rest/query} (non-progressive v2 frames, 500,000-record limit unless {@code notruncation}),
 *       {@code POST /v1/rest/ingest/{db}/{table}} (streaming: gzip body, mapping required for JSON, 4 MB);
 *       errors are OneApi bodies with {@code @message} and {@code @permanent}; nothing is compressed.
 *   <li>{@code command}: management commands, parsed and executed here; the tabular part of
 *       {@code .set-or-append T <| query} and of {@code .show ... | query} runs through the shared
 *       {@link org.defenderadx.simulator.kql.KqlEngine}. Unknown commands fail permanently, naming the command.
 *   <li>{@code store}: databases, tables (schema grows at the end, as {@code .create-merge} does), extents with
 *       tags and ingestion times, mappings, functions (materialized views are served as views), policies (stored),
 *       principals (recorded); optionally journaled to a directory and replayed on start; optionally digest-only.
 *   <li>{@code dm}: queued ingestion on Azurite: {@code .show ingestion resources} with SAS tokens, a loop that
 *       reads the queue, batches by the batching policy on the injected clock, ingests, reports in the status table
 *       and the notification queues by report level and method, and deletes blob and message.
 *   <li>{@code azurite}: {@link org.defenderadx.simulator.adx.azurite.AzuriteProcess}, a real Azurite (npm) run as
 *       a child process on free loopback ports; reusable by other modules' tests.
 * </ul>
 *
 * <p>Time: everything time-dependent uses the injected {@link java.time.Clock}; a
 * {@link org.defenderadx.simulator.adx.ScaledClock} runs faster than real time and can be advanced by hand.
 * Faults: {@link org.defenderadx.simulator.adx.AdxFaults}.
 */
package org.defenderadx.simulator.adx;
