package org.defenderadx.migration.worker.export;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.defenderadx.migration.common.kql.KustoTime;
import org.defenderadx.migration.common.model.ResolvedTable;
import org.defenderadx.migration.common.window.Window;
import org.defenderadx.migration.common.window.WindowId;
import org.defenderadx.migration.worker.defender.Provenance;

/**
 * A repair's fetch of one committed window again, under the identities the exporter gave it: split as the exporter
 * splits (the same rows give the same leaves), every call through the {@link WindowFetcher} and its budget. The
 * leaves' blobs are kept until all are in, so one window's blobs are held at a time.
 */
final class WindowRefetch {

  /** One leaf of the window, fetched whole: its bounds, identity (and so tag) and blob. */
  record Leaf(Window window, WindowId id, Fetched.Complete fetched) {
  }

  /**
   * What the fetch gave: the leaves fetched, the reason it stopped early if it did, and the calls it took.
   */
  record Leaves(List<Leaf> done, Optional<String> failure, FetchStats stats) {
  }

  private final WindowFetcher fetcher;

  WindowRefetch(WindowFetcher fetcher) {
    this.fetcher = fetcher;
  }

  Future<Leaves> fetch(TenantContext tenant, ResolvedTable table, Window window) {
    Promise<Leaves> result = Promise.promise();
    new Walk(tenant, table).next(new ArrayDeque<>(List.of(window)), result);
    return result.future();
  }

  /** The leaves of one window, depth first in order. */
  private final class Walk {
    final TenantContext tenant;
    final ResolvedTable table;
    final List<Leaf> done = new ArrayList<>();
    FetchStats stats = FetchStats.none();

    Walk(TenantContext tenant, ResolvedTable table) {
      this.tenant = tenant;
      this.table = table;
    }

    void next(Deque<Window> todo, Promise<Leaves> result) {
      Window window = todo.pollFirst();
      if (window == null) {
        result.complete(new Leaves(done, Optional.empty(), stats));
        return;
      }
      WindowId id = WindowId.of(tenant.key(), table.sourceTable(), window);
      Provenance provenance = new Provenance(tenant.key(), table.sourceTable(), id.text(), null);
      fetcher.fetch(tenant, table, window, WindowFetcher.query(table, window), provenance).onComplete(ar -> {
        if (ar.failed()) {
          stop("fetching " + window + " failed: " + ar.cause(), result);
          return;
        }
        Fetched f = ar.result();
        stats = Repairer.plus(stats, f.stats());
        if (f instanceof Fetched.Split s) {
          for (int i = s.children().size() - 1; i >= 0; i--) {
            todo.addFirst(s.children().get(i));
          }
          next(todo, result);
        } else if (f instanceof Fetched.Complete c) {
          done.add(new Leaf(window, id, c));
          next(todo, result);
        } else if (f instanceof Fetched.Paused p) {
          stop("the tenant is paused until " + KustoTime.format(p.until()) + " (" + p.reason() + ")", result);
        } else {
          stop("fetching " + window + " failed: " + ((Fetched.Failed) f).reason(), result);
        }
      });
    }

    void stop(String why, Promise<Leaves> result) {
      result.complete(new Leaves(done, Optional.of(why), stats));
    }
  }
}
