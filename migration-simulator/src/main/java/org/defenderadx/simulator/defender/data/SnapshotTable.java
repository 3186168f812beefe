package org.defenderadx.simulator.defender.data;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.defenderadx.simulator.kql.Column;

/**
 * A current-state table (TVM inventory, vulnerabilities, baselines): replaced wholesale at every refresh, which
 * happens at {@code anchor + k * interval} for whole k. All rows of one refresh share its instant as their
 * ingestion time, and only the latest refresh is visible, so a refresh can land between two pages of an export.
 * Between refreshes the row count drifts a little and a share of rows change content (each row has its own
 * change period of 2..8 refreshes).
 */
public final class SnapshotTable {
  private final String name;
  private final List<Column> columns;
  private final long seed;
  private final long salt;
  private final Devices devices;
  private final int baseRows;
  private final Instant anchor;
  private final Duration interval;
  private final ValueFactory.Gen[] gens;

  public SnapshotTable(String name, List<Column> columns, long seed, Devices devices, int baseRows, Instant anchor,
                       Duration interval) {
    this.name = name;
    this.columns = columns;
    this.seed = seed;
    this.salt = Rows.salt(name);
    this.devices = devices;
    this.baseRows = Math.max(1, baseRows);
    this.anchor = anchor;
    this.interval = interval;
    gens = new ValueFactory.Gen[columns.size()];
    for (int i = 0; i < columns.size(); i++) {
      gens[i] = ValueFactory.forColumn(columns.get(i), devices);
    }
  }

  public String name() {
    return name;
  }

  public List<Column> columns() {
    return columns;
  }

  /** The refresh in force at {@code t}. */
  public long refreshAt(Instant t) {
    return Math.floorDiv(Duration.between(anchor, t).toNanos(), interval.toNanos());
  }

  public Instant refreshTime(long k) {
    return anchor.plus(interval.multipliedBy(k));
  }

  public int rowCount(long k) {
    int spread = Math.max(1, baseRows / 20);
    long h = Rows.mix(seed, salt, k * 31 + 7);
    return baseRows - spread + (int) Math.floorMod(h, 2L * spread + 1);
  }

  public Object[] row(long k, int i) {
    SplittableRandom stable = new SplittableRandom(Rows.mix(seed, salt, i));
    int period = 2 + stable.nextInt(7);
    int phase = stable.nextInt(period);
    long version = Math.floorDiv(k + phase, period);
    long versionStart = version * period - phase;
    SplittableRandom r = new SplittableRandom(Rows.mix(seed, salt + version * 0x5851F42D4C957F2DL, i));
    ValueFactory.RowCtx ctx = new ValueFactory.RowCtx();
    ctx.index = i;
    ctx.device = i % devices.count();
    ctx.ingestion = refreshTime(k);
    ctx.timestamp = refreshTime(versionStart).minusSeconds(1 + stable.nextInt(3600));
    ctx.actionType = "";
    Object[] v = new Object[gens.length];
    for (int c = 0; c < gens.length; c++) {
      v[c] = gens[c].next(ctx, r);
    }
    return v;
  }
}
