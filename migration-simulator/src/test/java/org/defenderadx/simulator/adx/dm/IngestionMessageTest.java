package org.defenderadx.simulator.adx.dm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class IngestionMessageTest {

  @Test
  void readsTheDocumentedPascalCaseFormWithNumericEnums() {
    String json = "{\"Id\":\"m1\",\"BlobPath\":\"http://h/c/b.json.gz?sig=x\",\"RawDataSize\":123,"
        + "\"DatabaseName\":\"db\",\"TableName\":\"T\",\"FlushImmediately\":true,\"ReportLevel\":2,\"ReportMethod\":1,"
        + "\"AdditionalProperties\":{\"Format\":\"MultiJson\",\"IngestionMappingReference\":\"M\","
        + "\"Tags\":\"[\\\"ingest-by:b1\\\",\\\"x\\\"]\",\"IngestIfNotExists\":\"[\\\"b1\\\"]\"}}";
    IngestionMessage m = IngestionMessage.parse(Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)));
    assertThat(m.id()).isEqualTo("m1");
    assertThat(m.rawDataSize()).isEqualTo(123);
    assertThat(m.flushImmediately()).isTrue();
    assertThat(m.reportLevel()).isEqualTo(IngestionMessage.ReportLevel.FAILURES_AND_SUCCESSES);
    assertThat(m.reportMethod()).isEqualTo(IngestionMessage.ReportMethod.TABLE);
    assertThat(m.format()).isEqualTo("multijson");
    assertThat(m.mappingReference()).isEqualTo("M");
    assertThat(m.tags()).containsExactly("ingest-by:b1", "x");
    assertThat(m.ingestIfNotExists()).containsExactly("b1");
    assertThat(m.hasIngestByTag()).isTrue();
  }

  @Test
  void readsTheJavaSdkCamelCaseFormWithStringEnumsAndDefaults() {
    String json = "{\"blobPath\":\"http://h/c/b\",\"databaseName\":\"db\",\"tableName\":\"T\","
        + "\"reportLevel\":\"FailuresOnly\",\"reportMethod\":\"QueueAndTable\",\"ingestionStatusInTable\":"
        + "{\"tableConnectionString\":\"http://127.0.0.1:1/devstoreaccount1/ingestionsstatus?sv=1\","
        + "\"partitionKey\":\"p\",\"rowKey\":\"r\"},\"additionalProperties\":{\"format\":\"csv\"}}";
    IngestionMessage m = IngestionMessage.parse(json);
    assertThat(m.reportLevel()).isEqualTo(IngestionMessage.ReportLevel.FAILURES_ONLY);
    assertThat(m.reportMethod()).isEqualTo(IngestionMessage.ReportMethod.QUEUE_AND_TABLE);
    assertThat(m.statusEntity().tableName()).isEqualTo("ingestionsstatus");
    assertThat(m.tags()).isEmpty();
    assertThat(m.flushImmediately()).isFalse();
  }
}
