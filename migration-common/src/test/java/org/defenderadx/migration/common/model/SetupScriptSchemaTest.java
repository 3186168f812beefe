package org.defenderadx.migration.common.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The configuration schema the code writes is the one kql/setup.kql creates, column for column. */
class SetupScriptSchemaTest {

  @Test
  void setupScriptCreatesExactlyTheColumnsTheCommitRowWrites() throws IOException {
    String setup = Files.readString(Path.of("..", "kql", "setup.kql"));
    Matcher m = Pattern.compile("\\.create-merge table MigrationConfiguration \\(([^)]*)\\)").matcher(setup);
    assertThat(m.find()).isTrue();

    String expected = MigrationConfigRow.createMergeCommand("MigrationConfiguration");

    assertThat(".create-merge table MigrationConfiguration (" + m.group(1) + ")").isEqualTo(expected);
  }

  @Test
  void setupScriptNamesTheSameSnapshotTablesAsTheCode() throws IOException {
    String setup = Files.readString(Path.of("..", "kql", "setup.kql"));
    Matcher m = Pattern.compile("MigrationSnapshotTables\\(\\) \\{\\s*datatable \\(SourceTable:string\\) \\[([^]]*)\\]")
        .matcher(setup);
    assertThat(m.find()).isTrue();
    java.util.Set<String> listed = new java.util.HashSet<>();
    for (String name : m.group(1).split(",")) {
      listed.add(name.strip().replace("'", ""));
    }
    assertThat(listed).isEqualTo(SnapshotTables.SEED_TABLES);
    assertThat(setup).contains("SourceTable in (MigrationSnapshotTables) or SourceTable startswith 'DeviceTvm'");
  }
}
