package org.defenderadx.migration.common.kql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KqlIdentifiersTest {

  @ParameterizedTest
  @ValueSource(strings = {"DeviceProcessEvents", "_x", "a1", "DeviceTvmSoftwareInventoryRaw", "__WindowTotal", "Z"})
  void acceptsPlainAsciiIdentifiers(String name) {
    assertThat(KqlIdentifiers.requireTable(name)).isEqualTo(name);
    assertThat(KqlIdentifiers.requireColumn(name)).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"DeviceInfo | take 1", "X; .drop table Y", "Device'Info", "Device\"Info", "Device\nInfo",
      "Devic\u0435Info", /* Cyrillic e */ "\uFF24eviceInfo", /* fullwidth D */ "Device Info", "1Device", "",
      "Device-Info", "Device.Info", "[DeviceInfo]", "Device\tInfo", "Device\u00A0Info", "Déviceinfo", "a\u0000b"})
  void rejectsInjectionAndLookAlikes(String name) {
    assertThat(KqlIdentifiers.isValid(name)).isFalse();
    assertThatThrownBy(() -> KqlIdentifiers.requireTable(name))
        .isInstanceOf(InvalidIdentifierException.class)
        .hasMessageStartingWith("table name");
  }

  @Test
  void exceptionNamesTheTableAndTheOffendingCharacter() {
    assertThatThrownBy(() -> KqlIdentifiers.requireTable("Devic\u0435Info"))
        .isInstanceOfSatisfying(InvalidIdentifierException.class, e -> {
          assertThat(e.identifierKind()).isEqualTo("table");
          assertThat(e.identifier()).isEqualTo("Devic\u0435Info");
          assertThat(e.reason()).contains("U+0435").contains("position 5");
          assertThat(e.getMessage()).contains("Devic\\u0435Info");
        });
  }

  @Test
  void exceptionNamesTheColumnWhenAColumnIsRejected() {
    assertThatThrownBy(() -> KqlIdentifiers.requireColumn("Time stamp"))
        .isInstanceOfSatisfying(InvalidIdentifierException.class, e -> {
          assertThat(e.identifierKind()).isEqualTo("column");
          assertThat(e.getMessage()).startsWith("column name 'Time stamp'").contains("space");
        });
  }

  @Test
  void rejectsNullEmptyAndOverlongNames() {
    assertThatThrownBy(() -> KqlIdentifiers.requireTable(null)).hasMessageContaining("null");
    assertThatThrownBy(() -> KqlIdentifiers.requireTable("")).hasMessageContaining("empty");
    assertThat(KqlIdentifiers.isValid("a".repeat(1024))).isTrue();
    assertThatThrownBy(() -> KqlIdentifiers.requireTable("a".repeat(1025))).hasMessageContaining("1025");
  }
}
