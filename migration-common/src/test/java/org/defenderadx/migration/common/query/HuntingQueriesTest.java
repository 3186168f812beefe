package org.defenderadx.migration.common.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.defenderadx.migration.common.kql.InvalidIdentifierException;
import org.defenderadx.migration.common.model.WatermarkSource;
import org.defenderadx.migration.common.window.Bucket;
import org.defenderadx.migration.common.window.Window;
import org.junit.jupiter.api.Test;

class HuntingQueriesTest {
  private static final Instant LO = Instant.parse("2026-11-01T00:00:00Z");
  private static final Instant HI = Instant.parse("2026-11-01T01:00:00Z");

  @Test
  void windowQueryOnIngestionTimeHasTheAgreedShape() {
    assertThat(HuntingQueries.window("DeviceProcessEvents", WatermarkSource.ingestionTime(), Window.of(LO, HI)))
        .isEqualTo("""
            let __lo = datetime(2026-11-01T00:00:00.0000000Z);
            let __hi = datetime(2026-11-01T01:00:00.0000000Z);
            let __w = DeviceProcessEvents
            | where ingestion_time() >= __lo and ingestion_time() < __hi;
            let __total = toscalar(__w | count);
            __w
            | extend __SourceIngestionTime = ingestion_time(), __WindowTotal = __total""");
  }

  @Test
  void rowBytesSampleSerialisesAFewRowsOfTheRangeAsAWindowCarriesThem() {
    assertThat(HuntingQueries.rowBytesSample("DeviceInfo", WatermarkSource.ingestionTime(), LO, HI))
        .isEqualTo("""
            toscalar(DeviceInfo
                | where ingestion_time() >= datetime(2026-11-01T00:00:00.0000000Z) and ingestion_time() < \
            datetime(2026-11-01T01:00:00.0000000Z)
                | take 100
                | extend __SourceIngestionTime = ingestion_time(), __WindowTotal = 100000
                | summarize avg(strlen(tostring(pack_all()))))""");
    assertThatThrownBy(() -> HuntingQueries.rowBytesSample("DeviceInfo | take 1", WatermarkSource.ingestionTime(),
        LO, HI)).isInstanceOf(InvalidIdentifierException.class);
  }

  @Test
  void windowQueryOnAColumnFiltersThatColumn() {
    String q = HuntingQueries.window("DeviceProcessEvents", WatermarkSource.column("Timestamp"), Window.of(LO, HI));
    // The column is bracket-quoted: a column named like one of the query's own names or a keyword stays a column.
    assertThat(q).contains("| where ['Timestamp'] >= __lo and ['Timestamp'] < __hi;")
        .contains("__SourceIngestionTime = ingestion_time()");
  }

  @Test
  void bucketedInstantAddsTheHashFilterAfterTheWindowFilter() {
    Instant lo = Instant.parse("2026-11-01T00:00:00.1234567Z");
    Window w = new Window(lo, lo.plusNanos(100), new Bucket(3, 16));
    assertThat(HuntingQueries.window("DeviceProcessEvents", WatermarkSource.ingestionTime(), w)).isEqualTo("""
        let __lo = datetime(2026-11-01T00:00:00.1234567Z);
        let __hi = datetime(2026-11-01T00:00:00.1234568Z);
        let __w = DeviceProcessEvents
        | where ingestion_time() >= __lo and ingestion_time() < __hi
        | where abs(hash_xxhash64(tostring(pack_all())) % 16) == 3;
        let __total = toscalar(__w | count);
        __w
        | extend __SourceIngestionTime = ingestion_time(), __WindowTotal = __total""");
  }

  @Test
  void snapshotBucketQueryHasTheAgreedShape() {
    assertThat(HuntingQueries.snapshotBucket("DeviceTvmSoftwareInventory", new Bucket(3, 8))).isEqualTo("""
        let __s = DeviceTvmSoftwareInventory
        | where abs(hash_xxhash64(tostring(pack_all())) % 8) == 3;
        let __total = toscalar(__s | count);
        __s
        | extend __SourceIngestionTime = ingestion_time(), __WindowTotal = __total,
            __SourceCount = toscalar(DeviceTvmSoftwareInventory | count), \
        __SourceNewest = toscalar(DeviceTvmSoftwareInventory | summarize max(ingestion_time()))""");
    assertThat(HuntingQueries.snapshotBucket("DeviceTvmSoftwareInventory", Bucket.ALL))
        .startsWith("let __s = DeviceTvmSoftwareInventory;\n").doesNotContain("hash_xxhash64");
  }

  @Test
  void fingerprintQueryHasTheAgreedShape() {
    assertThat(HuntingQueries.snapshotFingerprint("DeviceTvmSoftwareInventory")).isEqualTo(
        "print Count = toscalar(DeviceTvmSoftwareInventory | count), MaxIngestion = "
            + "toscalar(DeviceTvmSoftwareInventory | summarize max(ingestion_time()))");
  }

  @Test
  void recountAndVerifyCountPerHourOnBothSides() {
    assertThat(HuntingQueries.recount("DeviceProcessEvents", WatermarkSource.ingestionTime(), LO, HI)).isEqualTo("""
        DeviceProcessEvents
        | where ingestion_time() >= datetime(2026-11-01T00:00:00.0000000Z) and ingestion_time() < datetime(2026-11-01T01:00:00.0000000Z)
        | summarize Count = count() by Bin = bin(ingestion_time(), 1h)""");
    assertThat(HuntingQueries.verify("DeviceProcessEventsCopy", WatermarkSource.ingestionTime(), LO, HI))
        .startsWith("DeviceProcessEventsCopy\n| where ['__SourceIngestionTime'] >= datetime(")
        .endsWith("by Bin = bin(['__SourceIngestionTime'], 1h)");
    assertThat(HuntingQueries.verify("Copy", WatermarkSource.column("Timestamp"), LO, HI))
        .endsWith("by Bin = bin(['Timestamp'], 1h)");
  }

  @Test
  void generatedQueriesNeverHoldABlankLine() {
    String q = HuntingQueries.window("DeviceInfo", WatermarkSource.ingestionTime(),
        new Window(LO, LO.plusNanos(100), new Bucket(1, 2)));
    assertThat(q).doesNotContain("\n\n").doesNotContain("\r");
  }

  @Test
  void injectionThroughTableOrColumnNamesIsRejected() {
    assertThatThrownBy(() -> HuntingQueries.window("DeviceInfo | take 1", WatermarkSource.ingestionTime(),
        Window.of(LO, HI))).isInstanceOf(InvalidIdentifierException.class).hasMessageContaining("DeviceInfo | take 1");
    assertThatThrownBy(() -> WatermarkSource.column("Timestamp; .drop table X"))
        .isInstanceOf(InvalidIdentifierException.class).hasMessageStartingWith("column name");
    assertThatThrownBy(() -> HuntingQueries.snapshotFingerprint("X; .drop table Y"))
        .isInstanceOf(InvalidIdentifierException.class);
  }
}
