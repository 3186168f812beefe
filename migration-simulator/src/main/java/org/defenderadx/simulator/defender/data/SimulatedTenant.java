package org.defenderadx.simulator.defender.data;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.defenderadx.simulator.kql.Catalog;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.IngestionTimeRange;
import org.defenderadx.simulator.kql.StoredFunction;
import org.defenderadx.simulator.kql.StoredRow;
import org.defenderadx.simulator.kql.TableSource;

/**
 * A seeded synthetic tenant: eight event tables and the nine snapshot tables of the original export
 * configuration. Data is laid out from one day past the horizon before {@code anchor} to two days after it,
 * so rows age out during a long backfill and keep arriving while a run is in progress.
 *
 * <p>The tenant itself is immutable; {@link #at(Instant, TimestampFilter)} gives the catalog as it stands at a
 * moment: rows ingested after that moment are not there yet, rows older than the horizon are gone, snapshot
 * tables show their latest refresh, and the schema includes the columns added by then.
 */
public final class SimulatedTenant {

  /** Graph's {@code Timespan}: a closed range on {@code Timestamp}; tables without Timestamp are unaffected. */
  public record TimestampFilter(Instant from, Instant to) {
    public static final TimestampFilter NONE = new TimestampFilter(null, null);

    boolean accepts(Object ts) {
      if (from == null && to == null) {
        return true;
      }
      if (!(ts instanceof Instant t)) {
        return false;
      }
      return (from == null || !t.isBefore(from)) && (to == null || !t.isAfter(to));
    }
  }

  /** Days of data laid out after the anchor, arriving while a run goes on. */
  public static final Duration LIVE_SPAN = Duration.ofDays(2);

  private final Map<String, EventTable> events = new LinkedHashMap<>();
  private final Map<String, SnapshotTable> snapshots = new LinkedHashMap<>();
  private final Duration horizon;
  private final Instant anchor;

  public SimulatedTenant(long seed, Profile profile, Instant anchor, Duration horizon, Duration refreshInterval) {
    this.horizon = horizon;
    this.anchor = anchor;
    Devices devices = new Devices(seed, profile.devices());
    Instant spanStart = anchor.minus(horizon).minus(Duration.ofDays(1));
    Instant spanEnd = anchor.plus(LIVE_SPAN);
    double days = Duration.between(spanStart, spanEnd).toSeconds() / 86_400.0;
    long perDay = profile.eventRowsPerDay();
    Instant burstAt = anchor.minus(Duration.ofDays(10)).plusMillis(123_456_789L % 3_600_000L);

    addEvents(new EventTable("DeviceProcessEvents", TableSchemas.DEVICE_PROCESS_EVENTS,
        TableSchemas.DEVICE_PROCESS_EVENTS_ADDED, anchor.minus(Duration.ofDays(12)), EventTable.Kind.EVENTS, seed,
        devices, new String[] {"ProcessCreated"}, spanStart, spanEnd, (long) (perDay * 0.28 * days),
        profile.burstRows(), burstAt));
    addEvents(new EventTable("DeviceNetworkEvents", TableSchemas.DEVICE_NETWORK_EVENTS,
        TableSchemas.DEVICE_NETWORK_EVENTS_ADDED, anchor.plus(Duration.ofHours(2)), EventTable.Kind.EVENTS, seed,
        devices, new String[] {"ConnectionSuccess", "ConnectionFailed", "InboundConnectionAccepted",
            "ListeningConnectionCreated", "ConnectionRequest"},
        spanStart, spanEnd, (long) (perDay * 0.28 * days), 0, null));
    addEvents(new EventTable("DeviceFileEvents", TableSchemas.DEVICE_FILE_EVENTS, List.of(), null,
        EventTable.Kind.EVENTS, seed, devices,
        new String[] {"FileCreated", "FileModified", "FileDeleted", "FileRenamed"},
        spanStart, spanEnd, (long) (perDay * 0.16 * days), 0, null));
    addEvents(new EventTable("DeviceRegistryEvents", TableSchemas.DEVICE_REGISTRY_EVENTS, List.of(), null,
        EventTable.Kind.EVENTS, seed, devices,
        new String[] {"RegistryValueSet", "RegistryKeyCreated", "RegistryKeyDeleted", "RegistryValueDeleted"},
        spanStart, spanEnd, (long) (perDay * 0.10 * days), 0, null));
    addEvents(new EventTable("DeviceEvents", TableSchemas.DEVICE_EVENTS, List.of(), null,
        EventTable.Kind.EVENTS, seed, devices,
        new String[] {"AntivirusDetection", "PowerShellCommand", "DnsQueryResponse", "UsbDriveMounted",
            "ScheduledTaskCreated"},
        spanStart, spanEnd, (long) (perDay * 0.10 * days), 0, null));
    addEvents(new EventTable("DeviceLogonEvents", TableSchemas.DEVICE_LOGON_EVENTS, List.of(), null,
        EventTable.Kind.EVENTS, seed, devices, new String[] {"LogonSuccess", "LogonFailed", "LogonAttempted"},
        spanStart, spanEnd, (long) (perDay * 0.06 * days), 0, null));
    addEvents(new EventTable("AlertInfo", TableSchemas.ALERT_INFO, List.of(), null,
        EventTable.Kind.EVENTS, seed, devices, new String[0],
        spanStart, spanEnd, Math.max(20, (long) (perDay * 0.02 * days)), 0, null));
    addEvents(new EventTable("DeviceInfo", TableSchemas.DEVICE_INFO, List.of(), null,
        EventTable.Kind.HOURLY_ENTITY, seed, devices, new String[0], spanStart, spanEnd, 0, 0, null));

    int d = profile.devices();
    int spd = profile.softwarePerDevice();
    addSnapshot(new SnapshotTable("DeviceTvmSoftwareInventory", TableSchemas.TVM_SOFTWARE_INVENTORY, seed,
        devices, d * spd, anchor, refreshInterval));
    addSnapshot(new SnapshotTable("DeviceTvmSecureConfigurationAssessment",
        TableSchemas.TVM_SECURE_CONFIGURATION_ASSESSMENT, seed, devices, d * Math.max(5, spd / 4), anchor,
        refreshInterval));
    addSnapshot(new SnapshotTable("DeviceTvmHardwareFirmware", TableSchemas.TVM_HARDWARE_FIRMWARE, seed,
        devices, d * 6, anchor, refreshInterval));
    addSnapshot(new SnapshotTable("DeviceBaselineComplianceProfiles", TableSchemas.BASELINE_COMPLIANCE_PROFILES,
        seed, devices, 12, anchor, refreshInterval));
    addSnapshot(new SnapshotTable("DeviceBaselineComplianceAssessmentKB",
        TableSchemas.BASELINE_COMPLIANCE_ASSESSMENT_KB, seed, devices, 40 + spd, anchor, refreshInterval));
    addSnapshot(new SnapshotTable("DeviceBaselineComplianceAssessment",
        TableSchemas.BASELINE_COMPLIANCE_ASSESSMENT, seed, devices, d * Math.max(5, spd / 3), anchor,
        refreshInterval));
    addSnapshot(new SnapshotTable("DeviceTvmBrowserExtensions", TableSchemas.TVM_BROWSER_EXTENSIONS, seed,
        devices, d * 4, anchor, refreshInterval));
    addSnapshot(new SnapshotTable("DeviceTvmSoftwareVulnerabilities", TableSchemas.TVM_SOFTWARE_VULNERABILITIES,
        seed, devices, d * spd * 3 / 4, anchor, refreshInterval));
    addSnapshot(new SnapshotTable("DeviceTvmCertificateInfo", TableSchemas.TVM_CERTIFICATE_INFO, seed, devices,
        d * 5, anchor, refreshInterval));
  }

  private void addEvents(EventTable t) {
    events.put(t.name(), t);
  }

  private void addSnapshot(SnapshotTable t) {
    snapshots.put(t.name(), t);
  }

  public Instant anchor() {
    return anchor;
  }

  public Duration horizon() {
    return horizon;
  }

  public List<String> tableNames() {
    List<String> all = new ArrayList<>(events.keySet());
    all.addAll(snapshots.keySet());
    return all;
  }

  public Optional<EventTable> eventTable(String name) {
    return Optional.ofNullable(events.get(name));
  }

  public Optional<SnapshotTable> snapshotTable(String name) {
    return Optional.ofNullable(snapshots.get(name));
  }

  /** The tenant as a query sees it at {@code now}. */
  public Catalog at(Instant now, TimestampFilter filter) {
    return new Catalog() {
      @Override
      public Optional<TableSource> table(String name) {
        EventTable e = events.get(name);
        if (e != null) {
          return Optional.of(new EventView(e, now, filter));
        }
        SnapshotTable s = snapshots.get(name);
        if (s != null) {
          return Optional.of(new SnapshotView(s, now, filter));
        }
        return Optional.empty();
      }

      @Override
      public Optional<StoredFunction> function(String name) {
        return Optional.empty();
      }
    };
  }

  private final class EventView implements TableSource {
    private final EventTable table;
    private final long nowTicks;
    private final List<Column> columns;
    private final TimestampFilter filter;

    EventView(EventTable table, Instant now, TimestampFilter filter) {
      this.table = table;
      this.nowTicks = Ticks.of(now);
      this.columns = table.columnsAt(nowTicks);
      this.filter = filter;
    }

    @Override
    public String name() {
      return table.name();
    }

    @Override
    public List<Column> columns() {
      return columns;
    }

    @Override
    public Iterator<StoredRow> scan(IngestionTimeRange hint) {
      long lo = nowTicks - Ticks.of(horizon);
      long hiExclusive = nowTicks + 1;
      if (hint != null && hint.from() != null) {
        lo = Math.max(lo, Ticks.of(hint.from()));
      }
      if (hint != null && hint.to() != null) {
        hiExclusive = Math.min(hiExclusive, Ticks.of(hint.to()));
      }
      long[] t = table.ingestTicks();
      int from = Ticks.lowerBound(t, lo);
      int to = Math.max(from, Ticks.lowerBound(t, hiExclusive));
      int width = columns.size();
      int tsIndex = table.timestampIndex();
      return new Iterator<>() {
        int i = from;
        StoredRow next = advance();

        private StoredRow advance() {
          while (i < to) {
            int k = i++;
            Object[] v = table.row(k, width);
            if (tsIndex >= 0 && !filter.accepts(v[tsIndex])) {
              continue;
            }
            return new StoredRow(v, Ticks.instant(t[k]));
          }
          return null;
        }

        @Override
        public boolean hasNext() {
          return next != null;
        }

        @Override
        public StoredRow next() {
          if (next == null) {
            throw new NoSuchElementException();
          }
          StoredRow r = next;
          next = advance();
          return r;
        }
      };
    }
  }

  private static final class SnapshotView implements TableSource {
    private final SnapshotTable table;
    private final long refresh;
    private final TimestampFilter filter;
    private final int tsIndex;

    SnapshotView(SnapshotTable table, Instant now, TimestampFilter filter) {
      this.table = table;
      this.refresh = table.refreshAt(now);
      this.filter = filter;
      int ts = -1;
      for (int i = 0; i < table.columns().size(); i++) {
        if (table.columns().get(i).name().equals("Timestamp")) {
          ts = i;
        }
      }
      this.tsIndex = ts;
    }

    @Override
    public String name() {
      return table.name();
    }

    @Override
    public List<Column> columns() {
      return table.columns();
    }

    @Override
    public Iterator<StoredRow> scan(IngestionTimeRange hint) {
      Instant ingested = table.refreshTime(refresh);
      if (hint != null && !hint.contains(ingested)) {
        return Collections.emptyIterator();
      }
      int n = table.rowCount(refresh);
      return new Iterator<>() {
        int i = 0;
        StoredRow next = advance();

        private StoredRow advance() {
          while (i < n) {
            Object[] v = table.row(refresh, i++);
            if (tsIndex >= 0 && !filter.accepts(v[tsIndex])) {
              continue;
            }
            return new StoredRow(v, ingested);
          }
          return null;
        }

        @Override
        public boolean hasNext() {
          return next != null;
        }

        @Override
        public StoredRow next() {
          if (next == null) {
            throw new NoSuchElementException();
          }
          StoredRow r = next;
          next = advance();
          return r;
        }
      };
    }
  }
}
