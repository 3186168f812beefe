package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.defenderadx.migration.common.kql.KqlIdentifiers;
import org.defenderadx.migration.common.kql.KqlLiterals;
import org.defenderadx.migration.worker.adx.AdxClient;

/**
 * A repair's swap of one window: the staged extents moved into the destination and the window's old extents dropped,
 * with ONE {@code .replace extents} command, so a query sees the old rows or the new ones, never both or neither.
 */
final class ExtentSwap {

  /** A swap after which the window is not known to be as before, nor properly replaced; {@code state} says how. */
  static final class Unclear extends RuntimeException {
    final String state;

    Unclear(String message, String state) {
      super(message, null, false, false);
      this.state = state;
    }
  }

  private final AdxClient adx;

  ExtentSwap(AdxClient adx) {
    this.adx = adx;
  }

  /**
   * Swaps the staged extents {@code moveIds} of {@code staging} in for the destination's extents carrying any of
   * {@code oldTags}; returns how many extents were dropped. Only the extents listed a moment ago are named, by id: an
   * extent ingested since is left alone, and one gone since fails the whole command (ADX unchanged). When the command
   * fails, the destination is listed again to tell "unchanged" from "unclear" ({@link Unclear}: the reply was lost
   * after the command ran, say).
   *
   * @param stagedTags the tags the destination must carry afterwards ({@link #tagsKept})
   */
  Future<Integer> swap(String destinationTable, String staging, Set<String> oldTags, List<String> moveIds,
                       Set<String> stagedTags) {
    String destination = KqlIdentifiers.requireTable(destinationTable);
    return adx.mgmt(".show table " + destination + " extents").compose(extents -> {
      List<String> dropIds = new ArrayList<>();
      for (Map<String, Object> e : extents) {
        if (ingestBy(e).stream().anyMatch(oldTags::contains)) {
          dropIds.add(String.valueOf(e.get("ExtentId")));
        }
      }
      if (dropIds.isEmpty() && moveIds.isEmpty()) {
        return Future.succeededFuture(0);
      }
      String command = ".replace extents in table " + destination + " <|\n"
          + "{ .show table " + destination + " extents" + byIds(dropIds) + " },\n"
          + "{ .show table " + staging + " extents" + byIds(moveIds) + " }";
      Future<Integer> swapped = adx.mgmt(command).map(r -> dropIds.size());
      return swapped.recover(e -> adx.mgmt(".show table " + destination + " extents").transform(now -> {
        Set<String> present = new LinkedHashSet<>();
        if (now.succeeded()) {
          now.result().forEach(x -> present.add(String.valueOf(x.get("ExtentId"))));
        }
        String why = "swapping its extents in with .replace extents failed: " + e.getMessage();
        return Future.failedFuture(now.succeeded() && present.containsAll(dropIds) ? new IllegalStateException(why)
            : new Unclear(why, "whether its extents were swapped is unclear; run verify for this range"));
      })).compose(dropped -> tagsKept(destination, stagedTags).map(dropped));
    });
  }

  /**
   * Checks that the destination holds the staged tags after the swap. The docs do not say in so many words that
   * moved extents keep their tags; if they did not, later repairs, verify by window and the exporter's
   * {@code ingestIfNotExists} would no longer find the window, so a repair must not claim success then.
   */
  private Future<Void> tagsKept(String destination, Set<String> stagedTags) {
    if (stagedTags.isEmpty()) {
      return Future.succeededFuture();
    }
    return adx.mgmt(".show table " + destination + " extents").compose(extents -> {
      Set<String> present = new LinkedHashSet<>();
      extents.forEach(e -> present.addAll(ingestBy(e)));
      Set<String> lost = new LinkedHashSet<>(stagedTags);
      lost.removeAll(present);
      return lost.isEmpty() ? Future.succeededFuture() : Future.failedFuture(new Unclear("no extent of "
          + destination + " carries ingest-by:" + lost + " after the swap", "its rows were swapped in without "
          + "their tags; tag them (.alter-merge table extent tags) before anything repairs or exports it again"));
    });
  }

  /** The {@code ingest-by:} tags of an extent, as {@code .show table T extents} lists them, without the prefix. */
  static List<String> ingestBy(Map<String, Object> extent) {
    List<String> tags = new ArrayList<>();
    for (String tag : String.valueOf(extent.get("Tags")).split("\\s+")) {
      if (tag.startsWith("ingest-by:")) {
        tags.add(tag.substring("ingest-by:".length()));
      }
    }
    return tags;
  }

  /** A filter of {@code .show ... extents} to exactly these extent ids (none: no extent). */
  private static String byIds(List<String> ids) {
    return ids.isEmpty() ? " | where false"
        : " | where tostring(ExtentId) in (" + String.join(", ", ids.stream().map(KqlLiterals::string).toList()) + ")";
  }
}
