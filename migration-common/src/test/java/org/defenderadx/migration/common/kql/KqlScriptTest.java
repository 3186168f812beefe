package org.defenderadx.migration.common.kql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KqlScriptTest {

  private static String file(String name) throws IOException {
    return Files.readString(Path.of("..", "kql", name));
  }

  @Test
  void eachShippedScriptIsOneCommand() throws IOException {
    for (String f : List.of("setup.kql", "seed-configuration.kql", "upgrade-from-original.kql",
        "optional-streaming-ingestion.kql", "roles.kql")) {
      List<String> commands = KqlScript.commands(file(f));
      assertThat(commands).as(f).hasSize(1);
      assertThat(commands.get(0)).as(f).startsWith(".");
    }
  }

  @Test
  void theSetupScriptKeepsEveryInnerCommand() throws IOException {
    String setup = KqlScript.commands(file("setup.kql")).get(0);

    assertThat(setup).startsWith(".execute database script").contains(
        ".create-merge table MigrationConfiguration", ".create-or-alter function with (view=true",
        ".create-merge table DeviceTvmSoftwareInventoryRaw", ".alter table CloudAppEventsRaw policy ingestionbatching");
  }

  @Test
  void splitsCommandsThatStartWithADot() {
    assertThat(KqlScript.commands("// a comment\n.create table A (x:long)\n\n.create table B (y:string)\n| extra\n"))
        .containsExactly(".create table A (x:long)", ".create table B (y:string)\n| extra");
  }

  @Test
  void fillsPlaceholdersAndRefusesUnsafeValues() throws IOException {
    String roles = KqlScript.withPlaceholders(file("roles.kql"),
        Map.of("Database", "Archive", "RuntimeAppId", "11111111-2222-3333-4444-555555555555", "TenantId", "contoso.onmicrosoft.com"));

    assertThat(roles).contains(".add database ['Archive'] ingestors ('aadapp=11111111-2222-3333-4444-555555555555;contoso.onmicrosoft.com')");
    assertThatThrownBy(() -> KqlScript.withPlaceholders(file("roles.kql"), Map.of("Database", "x'] viewers ('aaduser=evil")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KqlScript.withPlaceholders(file("roles.kql"), Map.of("Database", "x")))
        .hasMessageContaining("has no value");
  }
}
