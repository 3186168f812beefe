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
    return start(main, maxHeap, args, env, log).awaitResult(timeoutSeconds);
  }

  /** Starts the child and returns at once; {@link Running#awaitResult} waits for its result line. */
  static Running start(Class<?> main, String maxHeap, List<String> args, Map<String, String> env, Path log)
      throws IOException {
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
    return new Running(main.getSimpleName(), pb.start(), log);
  }

  /** A child started by {@link #start}: its process and its log. */
  record Running(String name, Process process, Path log) {

    /** Waits for the child to exit and returns its result line; kills it if it takes longer than the timeout. */
    JsonObject awaitResult(long timeoutSeconds) throws IOException, InterruptedException {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(name + " did not finish within " + timeoutSeconds + " s; see " + log);
      }
      return result().orElseThrow(() -> new IllegalStateException(name + " exited with " + process.exitValue()
          + " without a result; see " + log));
    }

    /** The result line, if the child printed it (it may still be stopping). */
    java.util.Optional<JsonObject> result() throws IOException {
      List<String> lines = lines();
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).startsWith(RESULT_PREFIX)) {
          return java.util.Optional.of(new JsonObject(lines.get(i).substring(RESULT_PREFIX.length())));
        }
      }
      return java.util.Optional.empty();
    }

    /** True once the child printed a line containing {@code text}. */
    boolean printed(String text) throws IOException {
      return lines().stream().anyMatch(l -> l.contains(text));
    }

    /** The log so far; decoded leniently, since the child may be in the middle of writing a line. */
    private List<String> lines() throws IOException {
      return List.of(new String(Files.readAllBytes(log), java.nio.charset.StandardCharsets.UTF_8).split("\n"));
    }

    /** Ends the child (SIGKILL) and waits for it to be gone. */
    void kill() throws InterruptedException {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
