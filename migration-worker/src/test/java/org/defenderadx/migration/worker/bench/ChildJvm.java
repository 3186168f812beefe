package org.defenderadx.migration.worker.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a measured program (the node, the baseline) in a JVM of its own, so its heap limit, peak RSS and CPU time
 * are its own and not the simulators'. The child prints one line {@code BENCH-RESULT <json>} before it exits;
 * everything else it writes goes to a log file.
 */
final class ChildJvm {
  static final String RESULT_PREFIX = "BENCH-RESULT ";

  private ChildJvm() {
  }

  /** Called by a child's main: the result line the parent looks for. */
  static void report(JsonObject result) {
    System.out.println(RESULT_PREFIX + result.encode());
    System.out.flush();
  }

  static JsonObject run(Class<?> main, String maxHeap, List<String> args, Map<String, String> env, Path log,
                        long timeoutSeconds) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx" + maxHeap);
    // The module flags Hazelcast and Netty need (the parent was started with them; see bin/benchmarks).
    for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (flag.startsWith("--add-") || flag.startsWith("-Djava.net.preferIPv4Stack")
          || flag.startsWith("-Dhazelcast") || flag.startsWith("-Dlogback")) {
        command.add(flag);
      }
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(args);
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(main.getSimpleName() + " did not finish within " + timeoutSeconds
          + " s; see " + log);
    }
    List<String> lines = Files.readAllLines(log);
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith(RESULT_PREFIX)) {
        return new JsonObject(lines.get(i).substring(RESULT_PREFIX.length()));
      }
    }
    throw new IllegalStateException(main.getSimpleName() + " exited with " + p.exitValue()
        + " without a result; see " + log);
  }
}
