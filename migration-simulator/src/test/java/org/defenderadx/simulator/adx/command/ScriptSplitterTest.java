package org.defenderadx.simulator.adx.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScriptSplitterTest {

  @Test
  void keepsMultiLineLiteralsAndBracedBodiesWithTheirCommand() {
    List<String> commands = ScriptSplitter.split("""
        .create-merge table T (Records:dynamic)
        // a comment line
        .create-or-alter table T ingestion json mapping 'M'
        ```
        [{"column":"Records","Properties":{"Path":"$"}}]
        ```
        .create-or-alter function F() {
            T
            | where x == '.not a command'
        }
        """);
    assertThat(commands).hasSize(3);
    assertThat(commands.get(1)).startsWith(".create-or-alter table T ingestion").endsWith("```");
    assertThat(commands.get(2)).contains("'.not a command'").endsWith("}");
  }
}
