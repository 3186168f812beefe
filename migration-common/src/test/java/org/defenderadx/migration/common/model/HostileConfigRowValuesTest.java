package org.defenderadx.migration.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Configuration rows as an attacker with write access to the ADX database would write them: every value that sizes
 * work, moves state or names a table is refused with a message naming the table and the column, before anything is
 * planned from it. (HostileConfigRowsTest in migration-worker runs such rows through a node.)
 */
class HostileConfigRowValuesTest {

  private static final String TABLE = "DeviceProcessEvents";

  static Stream<Arguments> refusedRows() {
    return Stream.of(
        Arguments.of("a billion snapshot buckets", Map.of("BucketProgress", snapshot(1 << 30)), "bucket"),
        Arguments.of("2^17 snapshot buckets", Map.of("BucketProgress", snapshot(1 << 17)), "bucket"),
        Arguments.of("a window bucket of 2^20", Map.of("BucketProgress", "3/1048576"), "bucket"),
        Arguments.of("a bucket index past its count", Map.of("BucketProgress", "9/8"), "bucket"),
        Arguments.of("a bucket count not a power of two", Map.of("BucketProgress", "1/3"), "power of two"),
        Arguments.of("Version at Long.MAX_VALUE", Map.of("Version", Long.MAX_VALUE), "Version"),
        Arguments.of("Version above 2^53", Map.of("Version", (1L << 53) + 1), "Version"),
        Arguments.of("a negative Version", Map.of("Version", -1L), "Version"),
        Arguments.of("a fractional Version", Map.of("Version", 1.5), "Version"),
        Arguments.of("a 10,000-year allowance", Map.of("LateArrivalAllowance", "3650000.00:00:00"),
            "LateArrivalAllowance"),
        Arguments.of("a 15-day allowance", Map.of("LateArrivalAllowance", "15.00:00:00"), "LateArrivalAllowance"),
        Arguments.of("a negative allowance", Map.of("LateArrivalAllowance", "-01:00:00"), "LateArrivalAllowance"),
        Arguments.of("a padded SourceTable", Map.of("SourceTable", "  " + TABLE + " "), "blanks"),
        Arguments.of("a SourceTable with a newline", Map.of("SourceTable", TABLE + "\nINFO forged"), "control"),
        Arguments.of("a padded DestinationTable", Map.of("DestinationTable", TABLE + "Raw "), "blanks"),
        Arguments.of("a padded TenantId", Map.of("TenantId", " contoso"), "blanks"),
        Arguments.of("a TenantId with a tab", Map.of("TenantId", "con\ttoso"), "control"),
        Arguments.of("a WatermarkColumn with a carriage return", Map.of("WatermarkColumn", "Timestamp\r"),
            "control"),
        Arguments.of("a LoadType nobody knows", Map.of("LoadType", "Everything"), "LoadType"),
        Arguments.of("a LastRefreshedTime that is not a time", Map.of("LastRefreshedTimeInString", "yesterday"),
            "yesterday"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedRows")
  void refusedWhenRead(String what, Map<String, Object> hostile, String named) {
    Map<String, Object> row = row(hostile);
    assertThatThrownBy(() -> MigrationConfigRow.fromColumns(row))
        .isInstanceOf(ConfigRowException.class)
        .hasMessageContaining(TABLE)
        .hasMessageContaining(named)
        .satisfies(e -> assertThat(e.getMessage()).as("no control character echoed").doesNotContainPattern(
            "\\p{Cntrl}"));
  }

  static Stream<Arguments> refusedWhenPlanned() {
    return Stream.of(
        Arguments.of("the query's own upper bound as watermark", Map.of("WatermarkColumn", "__hi"), "__"),
        Arguments.of("the query's own lower bound as watermark", Map.of("WatermarkColumn", "__lo"), "__"),
        Arguments.of("any reserved name as watermark", Map.of("WatermarkColumn", "__c"), "__"),
        Arguments.of("another table's raw table as destination", Map.of("DestinationTable", "DeviceLogonEventsRaw"),
            "DestinationTable"),
        Arguments.of("the configuration table as destination", Map.of("DestinationTable", "MigrationConfiguration"),
            "DestinationTable"),
        Arguments.of("the audit table as destination", Map.of("DestinationTable", "MigrationAuditLog"),
            "DestinationTable"),
        Arguments.of("the source table itself as destination", Map.of("DestinationTable", TABLE), "DestinationTable"),
        Arguments.of("a destination with KQL in it", Map.of("DestinationTable", TABLE + "Raw | .drop table X"),
            "table"),
        Arguments.of("a source with KQL in it", Map.of("SourceTable", TABLE + "; .drop table MigrationAuditLog"),
            "table"),
        Arguments.of("a watermark column with KQL in it", Map.of("WatermarkColumn", "Timestamp) or (1==1"),
            "column"),
        Arguments.of("a column watermark without an allowance", Map.of("WatermarkColumn", "Timestamp"),
            "LateArrivalAllowance"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedWhenPlanned")
  void refusedWhenResolved(String what, Map<String, Object> hostile, String named) {
    Map<String, Object> row = row(hostile);
    assertThatThrownBy(() -> MigrationConfigRow.fromColumns(row).resolve())
        .isInstanceOf(ConfigRowException.class)
        .hasMessageContaining(named);
  }

  @Test
  void aWatermarkFarAheadOfTheClockIsRefusedAndOneWithinADayIsNot() {
    Instant now = Instant.parse("2026-12-07T00:00:00Z");
    MigrationConfigRow year9999 = MigrationConfigRow.fromColumns(row(Map.of("LastRefreshedTimeInString",
        "9999-12-31T00:00:00.0000000Z", "Version", 3L)));
    MigrationConfigRow soon = MigrationConfigRow.fromColumns(row(Map.of("LastRefreshedTimeInString",
        "2026-12-07T20:00:00.0000000Z", "Version", 3L)));

    assertThat(ConfigRowLimits.watermarkProblem(year9999, now)).hasValueSatisfying(
        p -> assertThat(p).contains("LastRefreshedTime", "ahead"));
    assertThat(ConfigRowLimits.watermarkProblem(soon, now)).isEmpty();
  }

  @Test
  void valuesAtTheirBoundsAreAccepted() {
    MigrationConfigRow row = MigrationConfigRow.fromColumns(row(Map.of("Version", 1L << 53,
        "LateArrivalAllowance", "14.00:00:00", "WatermarkColumn", "Timestamp", "DestinationTable",
        TABLE + "Contoso", "BucketProgress", "65535/65536")));

    assertThat(row.resolve().destinationTable()).isEqualTo(TABLE + "Contoso");
    assertThat(row.lateArrivalAllowance()).isEqualTo(Duration.ofDays(14));
  }

  @Test
  @Timeout(5)
  void textIsMadeSafeToEchoAndBounded() {
    String forged = "DeviceInfo\n2026-12-07 INFO all tables exported" + "x".repeat(10_000);

    String shown = ConfigRowLimits.printable(forged);

    assertThat(shown).doesNotContain("\n").startsWith("DeviceInfo?2026").hasSizeLessThan(210).endsWith("...");
  }

  private static String snapshot(int buckets) {
    return "snapshot:at=2026-12-01T00:00:00.0000000Z;buckets=" + buckets + ";done=none;count=10;maxIngestion=none";
  }

  private static Map<String, Object> row(Map<String, Object> overrides) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("SourceTable", TABLE);
    row.put("DestinationTable", TABLE + "Raw");
    row.put("WatermarkColumn", "None");
    row.put("LastRefreshedTime", null);
    row.put("LoadType", "Incremental");
    row.put("IsActive", true);
    row.put("TenantId", "");
    row.put("Version", 2L);
    row.putAll(overrides);
    return row;
  }
}
