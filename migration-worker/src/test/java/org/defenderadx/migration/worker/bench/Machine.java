package org.defenderadx.migration.worker.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The machine and software a report was measured on, read from the JVM, /proc and the class path. */
record Machine(int cores, String memory, String jdk, String os, String versions, String date, String loadAtStart) {

  static Machine describe() {
    return new Machine(Runtime.getRuntime().availableProcessors(), readMemory(),
        System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
        readVersions(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), loadAverage());
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0];
    } catch (IOException e) {
      return "n/a";
    }
  }

  /** The 1-minute load average as a number, NaN where unknown. */
  static double load() {
    try {
      return Double.parseDouble(loadAverage());
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /**
   * The machine's CPU time so far, from the first line of {@code /proc/stat}: {busy, total} in clock ticks, all
   * cores and all processes (the other work sharing the machine included); {0, 0} where unknown.
   */
  static long[] cpuTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      long idle = 0;
      // cpu user nice system idle iowait irq softirq steal (guest times are already in user and nice)
      for (int i = 1; i < Math.min(f.length, 9); i++) {
        long v = Long.parseLong(f[i]);
        total += v;
        if (i == 4 || i == 5) {
          idle += v;
        }
      }
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  /** Cores busy on average between two {@link #cpuTicks()} readings (NaN where unknown). */
  static double coresBusy(long[] before, long[] after) {
    long total = after[1] - before[1];
    return total <= 0 ? Double.NaN
        : (double) (after[0] - before[0]) / total * Runtime.getRuntime().availableProcessors();
  }

  private static String readMemory() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return String.format(java.util.Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
        }
      }
    } catch (IOException e) {
      return "n/a";
    }
    return "n/a";
  }

  /** Versions of the libraries that matter, from the jar names on the class path, and Azurite's from its install. */
  private static String readVersions() {
    List<String> out = new ArrayList<>();
    String cp = System.getProperty("java.class.path");
    for (String[] lib : new String[][] {{"Vert.x", "vertx-core"}, {"Kusto SDK", "kusto-ingest"},
        {"Hazelcast", "hazelcast"}, {"Jackson", "jackson-core"}}) {
      Matcher m = Pattern.compile("/" + lib[1] + "-([0-9][^/]*?)\\.jar").matcher(cp);
      if (m.find()) {
        out.add(lib[0] + " " + m.group(1));
      }
    }
    try {
      Path pkg = azuritePackage();
      Matcher m = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"").matcher(Files.readString(pkg));
      if (m.find()) {
        out.add("Azurite " + m.group(1));
      }
    } catch (IOException e) {
      out.add("Azurite (version not found)");
    }
    return String.join(", ", out);
  }

  /** Azurite's package.json: installed in .azurite or, as now, in .azurite/VERSION, here or one level up. */
  private static Path azuritePackage() throws IOException {
    for (Path dir : List.of(Path.of(".azurite"), Path.of("..", ".azurite"))) {
      Path flat = dir.resolve("node_modules/azurite/package.json");
      if (Files.exists(flat)) {
        return flat;
      }
      if (Files.isDirectory(dir)) {
        try (var versions = Files.list(dir)) {
          Optional<Path> versioned = versions.map(v -> v.resolve("node_modules/azurite/package.json"))
              .filter(Files::exists).sorted().reduce((a, b) -> b);
          if (versioned.isPresent()) {
            return versioned.get();
          }
        }
      }
    }
    throw new IOException("no .azurite install");
  }
}
