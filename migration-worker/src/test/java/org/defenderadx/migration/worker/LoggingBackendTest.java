package org.defenderadx.migration.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One logging backend: the Kusto SDK's runtime slf4j-simple is excluded, Logback serves SLF4J. */
class LoggingBackendTest {

  @Test
  void slf4jIsBoundToLogback() {
    assertThat(LoggerFactory.getILoggerFactory().getClass().getName()).isEqualTo("ch.qos.logback.classic.LoggerContext");
  }

  @Test
  void slf4jSimpleIsNotOnTheClassPath() {
    assertThat(getClass().getClassLoader().getResource("org/slf4j/simple/SimpleLogger.class")).isNull();
    assertThat(getClass().getClassLoader().getResource("org/slf4j/impl/SimpleLogger.class")).isNull();
  }
}
