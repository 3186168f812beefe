package org.defenderadx.migration.common.kql;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@code .kql} file of management commands, as the files in {@code kql/} are written: a file that is one
 * {@code .execute database script <|} is one command; otherwise each command starts at a line beginning with a dot,
 * and runs until the next one. Whole-line {@code //} comments outside an {@code .execute database script} are
 * dropped; inside one they are left for the service, which accepts them.
 */
public final class KqlScript {
  private KqlScript() {
  }

  public static List<String> commands(String text) {
    List<String> commands = new ArrayList<>();
    StringBuilder current = null;
    boolean script = false;
    for (String line : text.split("\\R", -1)) {
      String trimmed = line.strip();
      if (!script && trimmed.startsWith("//")) {
        continue;
      }
      if (!script && trimmed.startsWith(".")) {
        if (current != null && !current.toString().isBlank()) {
          commands.add(current.toString().strip());
        }
        current = new StringBuilder();
        script = trimmed.startsWith(".execute database script");
      }
      if (current != null) {
        current.append(line).append('\n');
      }
    }
    if (current != null && !current.toString().isBlank()) {
      commands.add(current.toString().strip());
    }
    return commands;
  }

  /**
   * Replaces {@code {Name}} placeholders (as in {@code kql/roles.kql}); every placeholder must be given, and values
   * may not carry characters that would end the literal they are pasted into.
   */
  public static String withPlaceholders(String text, Map<String, String> values) {
    String out = text;
    for (Map.Entry<String, String> e : values.entrySet()) {
      String v = e.getValue();
      if (!v.matches("[A-Za-z0-9._@\\-]+")) {
        throw new IllegalArgumentException("value for {" + e.getKey() + "} may hold only letters, digits and . _ @ -");
      }
      out = out.replace("{" + e.getKey() + "}", v);
    }
    java.util.regex.Matcher left = java.util.regex.Pattern.compile("\\{[A-Za-z]+}").matcher(out);
    if (left.find()) {
      throw new IllegalArgumentException("placeholder " + left.group() + " has no value");
    }
    return out;
  }
}
