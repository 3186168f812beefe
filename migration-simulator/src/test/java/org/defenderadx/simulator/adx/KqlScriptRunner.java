package org.defenderadx.simulator.adx;

import com.microsoft.azure.kusto.data.Client;
import com.microsoft.azure.kusto.data.KustoOperationResult;
import com.microsoft.azure.kusto.data.KustoResultSetTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a {@code .kql} script file through the real Kusto SDK, the way an operator would: a file that is one
 * {@code .execute database script <|} (after any leading comment lines) is sent whole, and any command the script
 * reports as not Completed fails the call;
 * otherwise the file is split into commands at blank lines (lines starting with {@code //} are comments) and each
 * command is sent on its own, in order.
 *
 * <p>Typical use in an "our scripts apply twice" test:
 * <pre>{@code
 * KqlScriptRunner.apply(client, "db", Path.of("../kql/setup.kql"));
 * KqlScriptRunner.apply(client, "db", Path.of("../kql/setup.kql"));   // must be harmless
 * }</pre>
 */
public final class KqlScriptRunner {

  private KqlScriptRunner() {
  }

  /** Sends every command of the file to the database; returns one result per command sent. */
  public static List<KustoOperationResult> apply(Client client, String database, Path script) {
    String text;
    try {
      text = Files.readString(script, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read KQL script " + script, e);
    }
    List<KustoOperationResult> results = new ArrayList<>();
    for (String command : commands(text)) {
      KustoOperationResult r;
      try {
        r = client.executeMgmt(database, command);
      } catch (Exception e) {
        throw new IllegalStateException("Command of " + script.getFileName() + " failed: " + firstLine(command)
            + "\n  -> " + e.getMessage(), e);
      }
      if (isDatabaseScript(command)) {
        failIfAnyCommandFailed(script, r);
      }
      results.add(r);
    }
    return results;
  }

  /** The commands a script file consists of, as {@link #apply} sends them. */
  public static List<String> commands(String scriptText) {
    String withoutLeadingComments = scriptText.strip();
    while (withoutLeadingComments.startsWith("//")) {
      int nl = withoutLeadingComments.indexOf('\n');
      withoutLeadingComments = nl < 0 ? "" : withoutLeadingComments.substring(nl + 1).strip();
    }
    if (isDatabaseScript(withoutLeadingComments)) {
      return List.of(withoutLeadingComments);
    }
    List<String> commands = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : scriptText.split("\\R", -1)) {
      if (line.isBlank()) {
        flush(cur, commands);
      } else if (!line.stripLeading().startsWith("//")) {
        cur.append(line).append('\n');
      }
    }
    flush(cur, commands);
    return commands;
  }

  private static boolean isDatabaseScript(String command) {
    return command.stripLeading().toLowerCase(java.util.Locale.ROOT).matches("(?s)^\\.execute\\s+database\\s+script.*");
  }

  private static void failIfAnyCommandFailed(Path script, KustoOperationResult r) {
    KustoResultSetTable t = r.getPrimaryResults();
    List<String> failures = new ArrayList<>();
    while (t.next()) {
      if (!"Completed".equals(t.getString("Result"))) {
        failures.add(t.getString("Result") + ": " + firstLine(t.getString("CommandText")) + " -> "
            + t.getString("Reason"));
      }
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("Script " + script.getFileName() + " did not complete:\n  "
          + String.join("\n  ", failures));
    }
  }

  private static void flush(StringBuilder cur, List<String> commands) {
    if (!cur.toString().isBlank()) {
      commands.add(cur.toString().strip());
    }
    cur.setLength(0);
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.strip().lines().findFirst().orElse("");
  }
}
