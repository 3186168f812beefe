package org.defenderadx.simulator.kql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.defenderadx.simulator.kql.engine.Xxh64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Xxh64Test {
  private static final String PATTERN =
      "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_abcdefghijklmnopqrstuvwxyz0123456789ABCD";

  /** Published XXH64 vectors (seed 0) and values from the reference implementation's xxhsum -H1. */
  @ParameterizedTest
  @CsvSource({
      "'', ef46db3751d8e999",
      "a, d24ec4f1a98c6e5b",
      "abc, 44bc2cf5ad770999",
      "xxhash, 32dd38952c4bc720",
      "0123456789abcdef0123456789abcdef, 642a94958e71e6c5",
      "'The quick brown fox jumps over the lazy dog, 1234567890 times; héllo wörld', f24aef053d949d7b"})
  void matchesReferenceVectors(String input, String hex) {
    assertThat(Xxh64.hash(input.getBytes(StandardCharsets.UTF_8), 0))
        .isEqualTo(Long.parseUnsignedLong(hex, 16));
  }

  /** Lengths chosen to exercise every tail path: bytes, a 4-byte word, 8-byte lanes, and 32-byte stripes. */
  @ParameterizedTest
  @CsvSource({"4, de0327b0d25d92cc", "7, 1860940e2902822d", "8, 3ad351775b4634b7", "12, 4b09b7d3a233d4b3",
      "31, 16058c7b947da137", "32, bf2cd639b4143b80", "33, 4f89e4082bcbf673", "36, 64f23ecf1609b766",
      "63, 8dd739842bee4bb7", "64, 0e12d05f6446e533", "65, 9dffa20ab45c69bd", "100, b5d40c59d81e4498"})
  void matchesReferenceAcrossInputLengths(int length, String hex) {
    byte[] in = PATTERN.substring(0, length).getBytes(StandardCharsets.US_ASCII);
    assertThat(Xxh64.hash(in, 0)).isEqualTo(Long.parseUnsignedLong(hex, 16));
  }

  @ParameterizedTest
  @CsvSource({"abc, 44bc2cf5ad770999"})
  void kqlHashXxhash64HashesTheUtf8OfTheStringForm(String input, String hex) {
    QueryResult r = new KqlEngine().execute("print h = hash_xxhash64('" + input + "'), e = hash_xxhash64(''),"
        + " same = hash('" + input + "') == hash_xxhash64('" + input + "')",
        new QueryContext(new InMemoryCatalog(), Instant.EPOCH));
    Object[] row = r.toList().get(0);
    assertThat(row[0]).isEqualTo(Long.parseUnsignedLong(hex, 16));
    assertThat(row[1]).isEqualTo(0xEF46DB3751D8E999L);
    assertThat(row[2]).isEqualTo(true);
  }
}
