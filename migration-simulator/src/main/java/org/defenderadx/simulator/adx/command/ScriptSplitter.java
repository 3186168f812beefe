package org.defenderadx.simulator.adx.command;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the body of {@code .execute database script <|} into commands: a command starts at a line whose first
 * non-blank character is '.', outside brackets and string literals (so mapping JSON in a ``` literal and a view body
 * in braces stay with their command). Comment lines are dropped.
 */
public final class ScriptSplitter {

  private ScriptSplitter() {
  }

  public static List<String> split(String script) {
    List<String> commands = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    int depth = 0;
    boolean lineStart = true;
    int i = 0;
    while (i < script.length()) {
      char c = script.charAt(i);
      if (lineStart && depth == 0) {
        int j = i;
        while (j < script.length() && (script.charAt(j) == ' ' || script.charAt(j) == '\t')) {
          j++;
        }
        if (script.startsWith("//", j)) {
          int nl = script.indexOf('\n', j);
          i = nl < 0 ? script.length() : nl + 1;
          continue;
        }
        if (j < script.length() && script.charAt(j) == '.' && !cur.toString().isBlank()) {
          commands.add(cur.toString().trim());
          cur.setLength(0);
        }
      }
      int afterLiteral = CommandCursor.skipLiteral(script, i);
      if (afterLiteral > i) {
        cur.append(script, i, afterLiteral);
        lineStart = script.charAt(afterLiteral - 1) == '\n';
        i = afterLiteral;
        continue;
      }
      if (c == '{' || c == '(' || c == '[') {
        depth++;
      } else if ((c == '}' || c == ')' || c == ']') && depth > 0) {
        depth--;
      }
      cur.append(c);
      lineStart = c == '\n';
      i++;
    }
    if (!cur.toString().isBlank()) {
      commands.add(cur.toString().trim());
    }
    return commands;
  }
}
