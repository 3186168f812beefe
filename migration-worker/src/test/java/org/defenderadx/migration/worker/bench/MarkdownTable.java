package org.defenderadx.migration.worker.bench;

import java.util.ArrayList;
import java.util.List;

/** A table of a scenario's report beside its figures (one row per table exported, say), rendered as Markdown. */
record MarkdownTable(String title, List<String> header, List<List<String>> rows) {

  MarkdownTable {
    header = List.copyOf(header);
    rows = List.copyOf(rows);
  }

  static MarkdownTable of(String title, List<String> header) {
    return new MarkdownTable(title, header, List.of());
  }

  MarkdownTable row(List<String> cells) {
    if (cells.size() != header.size()) {
      throw new IllegalArgumentException(title + ": a row of " + cells.size() + " cells under " + header.size()
          + " columns");
    }
    List<List<String>> more = new ArrayList<>(rows);
    more.add(List.copyOf(cells));
    return new MarkdownTable(title, header, more);
  }

  String render() {
    StringBuilder md = new StringBuilder("**").append(title).append("**\n\n");
    line(md, header);
    md.append("|---".repeat(header.size())).append("|\n");
    rows.forEach(r -> line(md, r));
    return md.append('\n').toString();
  }

  private static void line(StringBuilder md, List<String> cells) {
    for (String c : cells) {
      // A '|' inside a cell would end it.
      md.append("| ").append(c.replace("|", "\\|")).append(' ');
    }
    md.append("|\n");
  }
}
