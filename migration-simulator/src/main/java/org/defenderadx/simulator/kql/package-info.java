/**
 * The KQL engine shared by the Defender Advanced Hunting simulator and the ADX stand-in.
 *
 * <p>Entry point: {@link org.defenderadx.simulator.kql.KqlEngine#execute(String, QueryContext)}. A front-end
 * supplies a {@link org.defenderadx.simulator.kql.Catalog} of {@link org.defenderadx.simulator.kql.TableSource}s
 * and stored functions, and reads the {@link org.defenderadx.simulator.kql.QueryResult} lazily; cost counters in
 * {@link org.defenderadx.simulator.kql.QueryStats} grow while rows are read.
 *
 * <p>Pipeline: {@code syntax.Lexer} → {@code syntax.Parser} (AST in {@code syntax.Ast}) → {@code engine.Planner}
 * (name resolution, typing, scan-hint pushdown, sort/limit fusion) → {@code engine.Plan} trees that stream rows.
 * Nothing matches query strings; every query goes through the same grammar.
 *
 * <p>Supported surface (beyond it the engine throws {@link org.defenderadx.simulator.kql.KqlException}):
 * <ul>
 *   <li>Statements: {@code let} scalar and tabular, let-bound functions {@code let f = (x:long, T:(*)) { ... }}
 *       (scalar or tabular bodies, default arguments), several statements separated by {@code ;}, {@code //}
 *       comments, {@code set} statements (ignored). Stored functions are used as {@code Name} or {@code Name()}.
 *   <li>Sources: tables, stored functions, {@code datatable}, {@code print}, {@code union [withsource=C]},
 *       {@code range}, {@code materialize()}.
 *   <li>Operators: where/filter, extend, project, project-away, project-keep, project-rename, project-reorder,
 *       order/sort by (asc/desc, nulls first/last; Kusto defaults), serialize, take/limit, top, count,
 *       summarize (count, countif, sum, avg, min, max, any/take_any, dcount/count_distinct, make_set, make_list,
 *       make_bag, percentile, stdev, variance, the {@code *if} forms, arg_max/arg_min with {@code *} or columns,
 *       and expressions over aggregates), distinct, getschema, union [kind=, isfuzzy=, withsource=],
 *       join (innerunique, inner, leftouter, rightouter, fullouter, leftanti, rightanti, leftsemi, rightsemi),
 *       mv-expand, as.
 *   <li>Scalars: literals of every type (datetime 7-digit, timespan units and {@code d.hh:mm:ss}, dynamic JSON,
 *       guid, verbatim strings), arithmetic with Kusto typing, comparisons with Kusto null rules, string
 *       predicates (has, contains, startswith, endswith, =~, !~, in, !in, in~, !in~, has_any, has_all,
 *       {@code _cs} forms, matches regex), between/!between, and/or/not, dynamic member and index access.
 *   <li>Functions: see {@code engine.Functions} (ingestion_time, extent_tags, now, ago, conversions, string,
 *       math, hash_xxhash64 (real XXH64), hash_sha256, pack_all, bag_pack, format_datetime, row_number,
 *       array_sort_asc/desc over one array, hourofday, bin_at, ipv4_is_private...).
 *   <li>Not supported (the hunting corpus avoids them): {@code parse}, {@code lookup}, {@code evaluate} plugins,
 *       {@code top-nested}.
 * </ul>
 *
 * <p>Cost model: {@code where}, {@code extend}, {@code project} and {@code take} stream over
 * {@link org.defenderadx.simulator.kql.TableSource#scan}; a filter on {@code ingestion_time()} with constant
 * bounds becomes the scan hint (also through extend/project/where that do not number rows); {@code take} stops
 * the scan; sorts materialise, except that a sort followed by take or top keeps only that many rows, and a sort
 * followed by {@code serialize rn = row_number() | where rn between (a .. b)} returns ranks a..b directly (deep
 * windows over 20,000+ rows rank by keys first and reread only the page, charging the input once). A let-bound
 * table used twice is scanned twice.
 */
package org.defenderadx.simulator.kql;
