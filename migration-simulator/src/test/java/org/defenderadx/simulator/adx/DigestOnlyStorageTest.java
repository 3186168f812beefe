package org.defenderadx.simulator.adx;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.defenderadx.simulator.adx.store.Database;
import org.defenderadx.simulator.kql.Column;
import org.defenderadx.simulator.kql.KqlType;
import org.junit.jupiter.api.Test;

/** Digest-only storage (benchmarks at millions of rows) still lets a node read its own state back. */
class DigestOnlyStorageTest {

  @Test
  void keepsRowsOfTheMigratorsStateTablesOnly() {
    // GIVEN a digest-only database
    Database db = new Database("Archive", true);

    // WHEN a raw table and a state table are created
    db.createTable("DeviceInfoRaw", List.of(new Column("Records", KqlType.DYNAMIC)), "Raw", "", true);
    db.createTable("MigrationConfiguration", List.of(new Column("SourceTable", KqlType.STRING)), "ExportConfig", "",
        true);

    // THEN only the raw table keeps digests alone
    assertThat(db.tableNamed("DeviceInfoRaw").digestOnly()).isTrue();
    assertThat(db.tableNamed("MigrationConfiguration").digestOnly()).isFalse();
  }
}
