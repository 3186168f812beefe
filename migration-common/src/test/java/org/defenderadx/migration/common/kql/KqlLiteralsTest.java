package org.defenderadx.migration.common.kql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KqlLiteralsTest {

  @ParameterizedTest
  @ValueSource(strings = {"", "plain", "it's", "a\"b", "back\\slash", "\\\"", "line\nbreak", "cr\rlf\r\n", "tab\t",
      "nul\u0000bell\u0007", "del\u007f", "c1\u0085", "sep\u2028para\u2029", "Cyrillic \u0435 fullwidth \uFF24",
      "emoji \uD83D\uDE00", "' | take 1; .drop table X //", "\"; .drop table Y", "\\n is not a newline"})
  void stringLiteralReadsBackExactly(String value) {
    String literal = KqlLiterals.string(value);
    assertThat(KqlLiterals.parseString(literal)).isEqualTo(value);
  }

  @Test
  void stringLiteralNeverContainsARawLineBreakOrControlCharacter() {
    String literal = KqlLiterals.string("a\nb\rc\u2028d\u0001");
    assertThat(literal.chars()).noneMatch(c -> c < 0x20 || c == 0x2028 || c == 0x2029);
    assertThat(literal).isEqualTo("\"a\\nb\\rc\\u2028d\\u0001\"");
  }

  @Test
  void quotesAndBackslashesAreEscapedSoTheLiteralCannotBeClosedEarly() {
    assertThat(KqlLiterals.string("x\" | take 1 | where \"y")).isEqualTo("\"x\\\" | take 1 | where \\\"y\"");
    assertThat(KqlLiterals.string("a\\")).isEqualTo("\"a\\\\\"");
  }

  @Test
  void randomUnicodeStringsRoundTrip() {
    Random random = new Random(42);
    for (int n = 0; n < 2_000; n++) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(20);
      for (int i = 0; i < len; i++) {
        int kind = random.nextInt(4);
        int cp = switch (kind) {
          case 0 -> random.nextInt(0x80);
          case 1 -> random.nextInt(0x800);
          case 2 -> random.nextInt(0xD800);
          default -> 0x10000 + random.nextInt(0x10000);
        };
        sb.appendCodePoint(cp);
      }
      String value = sb.toString();
      assertThat(KqlLiterals.parseString(KqlLiterals.string(value))).isEqualTo(value);
    }
  }

  @Test
  void referenceReaderUnderstandsKustoQuotingForms() {
    assertThat(KqlLiterals.parseString("'it\\'s'")).isEqualTo("it's");
    assertThat(KqlLiterals.parseString("\"a\\\"b\"")).isEqualTo("a\"b");
    assertThat(KqlLiterals.parseString("@'C:\\dir\\it''s'")).isEqualTo("C:\\dir\\it's");
    assertThat(KqlLiterals.parseString("'\\u0041\\x42\\103'")).isEqualTo("ABC");
    assertThatThrownBy(() -> KqlLiterals.parseString("'a' | take 1 | '")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KqlLiterals.parseString("'a\nb'")).isInstanceOf(IllegalArgumentException.class);
  }
}
