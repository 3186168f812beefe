package org.defenderadx.simulator.adx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import org.defenderadx.simulator.adx.ingest.Ingestor;
import org.defenderadx.simulator.adx.ingest.ParsedData;
import org.defenderadx.simulator.adx.store.Cluster;
import org.defenderadx.simulator.adx.store.Database;
import org.defenderadx.simulator.adx.store.IngestionMapping;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.KqlType;
import org.junit.jupiter.api.Test;

/**
 * Measures (prints, does not assert on time) how fast the data-management path ingests gzip'd multi-JSON with a
 * {@code $ → dynamic} mapping: gunzip, parse, map, append. Target: 80 MB/s of JSON or more.
 */
class IngestionRateMeasurementTest {
  private static final int RECORDS = 40_000;

  @Test
  void ingestsGzippedMultiJsonWithTheDynamicMappingAndReportsTheRate() throws IOException {
    byte[] json = defenderLikeRecords(RECORDS);
    byte[] gz = gzip(json);
    for (boolean digestOnly : new boolean[] {false, true}) {
      Ingestor ingestor = new Ingestor(Clock.systemUTC());
      Database warmUp = rawTable(digestOnly);
      for (int i = 0; i < 3; i++) {
        ingestOnce(ingestor, warmUp, gz); // lets the JIT compile the path, as a long-running stand-in would have
      }
      Database db = rawTable(digestOnly);
      long start = System.nanoTime();
      int rounds = 4;
      for (int i = 0; i < rounds; i++) {
        ingestOnce(ingestor, db, gz);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double mbPerSecond = rounds * json.length / 1e6 / seconds;
      System.out.printf(Locale.ROOT, "ADX stand-in ingestion (%s): %.1f MB of JSON (%.1f MB gzip'd) x %d in %.2f s "
              + "= %.0f MB/s of JSON%n", digestOnly ? "digest-only" : "full rows", json.length / 1e6, gz.length / 1e6,
          rounds, seconds, mbPerSecond);
      assertThat(db.tableNamed("Raw").rowCount()).isEqualTo((long) RECORDS * rounds);
    }
  }

  private static Database rawTable(boolean digestOnly) {
    Database db = new Cluster(null, digestOnly).database("db");
    db.createTable("Raw", List.of(new Column("Records", KqlType.DYNAMIC)), null, null, false);
    db.putMapping("Raw", IngestionMapping.parse("DynamicJsonMap", "json",
        "[{\"column\":\"Records\",\"Properties\":{\"Path\":\"$\"}}]"));
    return db;
  }

  private static void ingestOnce(Ingestor ingestor, Database db, byte[] gz) {
    byte[] plain = Ingestor.decompressIfGzip(gz);
    ParsedData parsed = ingestor.parse(db, "Raw", plain, "multijson", "DynamicJsonMap", null, false);
    ingestor.append(db, "Raw", List.of(parsed), List.of());
  }

  /** Records shaped like Defender TVM rows (about 600 bytes each), varied so gzip does not flatter the input. */
  private static byte[] defenderLikeRecords(int n) {
    StringBuilder sb = new StringBuilder(n * 640);
    for (int i = 0; i < n; i++) {
      sb.append("{\"DeviceId\":\"").append(Integer.toHexString(i * 7919)).append("c0ffee").append(i % 97)
          .append("\",\"DeviceName\":\"host-").append(i % 5000).append(".contoso.local\",\"OSPlatform\":\"Windows")
          .append(10 + i % 2).append("\",\"OSVersion\":\"10.0.").append(19000 + i % 4000)
          .append("\",\"SoftwareVendor\":\"vendor-").append(i % 300).append("\",\"SoftwareName\":\"product_")
          .append(i % 1200).append("\",\"SoftwareVersion\":\"").append(i % 13).append('.').append(i % 7).append('.')
          .append(i % 1000).append("\",\"CveId\":\"CVE-20").append(10 + i % 15).append('-').append(10000 + i)
          .append("\",\"VulnerabilitySeverityLevel\":\"").append(i % 3 == 0 ? "High" : "Medium")
          .append("\",\"RecommendedSecurityUpdate\":\"KB").append(5000000 + i % 90000)
          .append("\",\"Timestamp\":\"2025-0").append(1 + i % 9).append("-1").append(i % 10).append("T0")
          .append(i % 10).append(":1").append(i % 10).append(":2").append(i % 10).append(".").append(1000000 + i)
          .append("Z\",\"IsExploitAvailable\":").append(i % 5 == 0).append(",\"CvssScore\":").append(i % 100 / 10.0)
          .append(",\"Tags\":[\"t").append(i % 11).append("\",\"group-").append(i % 17).append("\"]}\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4);
    try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16)) {
      gz.write(data);
    }
    return out.toByteArray();
  }
}
