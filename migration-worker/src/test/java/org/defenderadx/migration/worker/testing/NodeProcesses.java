package org.defenderadx.migration.worker.testing;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.defenderadx.migration.worker.hooks.TestHooks;
import org.defenderadx.migration.worker.node.MigrationNode;
import org.defenderadx.simulator.defender.DefenderSimConfig;

/**
 * Nodes started as the service starts ({@link MigrationNode#main}), each in a JVM of its own on the test's class path,
 * against the test's stand-ins and on their clock; their output goes to {@code target/node-<name>-<pid>.log} and can
 * be waited on line by line. {@link NodeProcess#kill()} is SIGKILL: no shutdown hook runs, nothing is flushed.
 */
public final class NodeProcesses implements AutoCloseable {

  private final StandIns env;
  private final Path trustStore;
  private final List<NodeProcess> started = new ArrayList<>();

  public NodeProcesses(StandIns env, Path dir) throws Exception {
    this.env = env;
    this.trustStore = trustStore(env, dir);
  }

  /**
   * Starts a node named {@code name} on {@code config} (an application.yaml), with extra system properties
   * ({@code key=value}, e.g. a crash point).
   */
  public NodeProcess launch(String name, Path config, String... systemProperties) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-cp", classPath,
        "-Djava.net.preferIPv4Stack=true", "-Dhazelcast.logging.type=slf4j",
        "-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=changeit",
        "-Dmigration.node=" + name,
        "-D" + TestHooks.CLOCK + "=" + env.time.now() + "@" + env.sim.config().timeScale()));
    for (String property : systemProperties) {
      cmd.add("-D" + property);
    }
    cmd.add(MigrationNode.class.getName());
    cmd.add(config.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("SIM_SECRET", DefenderSimConfig.DEFAULT_CLIENT_SECRET);
    NodeProcess node = new NodeProcess(name, pb.start());
    started.add(node);
    return node;
  }

  @Override
  public void close() throws Exception {
    for (NodeProcess n : started) {
      n.kill();
    }
  }

  /** A JKS trust store holding only the simulator's self-signed certificate, for the nodes' token calls. */
  private static Path trustStore(StandIns env, Path dir) throws Exception {
    KeyStore ks = KeyStore.getInstance("JKS");
    ks.load(null, null);
    try (InputStream in = new FileInputStream(env.sim.certificatePath())) {
      ks.setCertificateEntry("simulator", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    Path file = dir.resolve("trust.jks");
    try (FileOutputStream out = new FileOutputStream(file.toFile())) {
      ks.store(out, "changeit".toCharArray());
    }
    return file;
  }

  /** One node's JVM and its output. */
  public static final class NodeProcess {
    private final String name;
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    /** Markers waited for, each with the first line (index) it may match. */
    private final Map<String, Map.Entry<Integer, CompletableFuture<Void>>> awaited = new ConcurrentHashMap<>();

    NodeProcess(String name, Process process) throws Exception {
      this.name = name;
      this.process = process;
      Path log = Path.of("target", "node-" + name + "-" + process.pid() + ".log");
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8)); Writer out = Files.newBufferedWriter(log)) {
          String line;
          while ((line = r.readLine()) != null) {
            out.write(line + "\n");
            out.flush();
            int index;
            synchronized (lines) {
              lines.add(line);
              index = lines.size() - 1;
            }
            String seen = line;
            awaited.forEach((key, from) -> {
              if (index >= from.getKey() && seen.contains(key.substring(0, key.lastIndexOf('@')))) {
                from.getValue().complete(null);
              }
            });
          }
        } catch (Exception e) {
          // the process was killed
        }
        awaited.values().forEach(f -> f.getValue().completeExceptionally(
            new AssertionError("node " + name + " ended before printing what the test waits for; see " + log)));
      }, "node-" + name + "-output");
      reader.setDaemon(true);
      reader.start();
    }

    /** Completes once the node prints a line containing {@code marker} (now or earlier). */
    public CompletableFuture<Void> printed(String marker) {
      return printedFrom(marker, 0);
    }

    /** Completes once the node prints a line containing {@code marker} at or after line {@code from}. */
    public CompletableFuture<Void> printedFrom(String marker, int from) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      awaited.put(marker + "@" + from, Map.entry(from, f));
      synchronized (lines) {
        for (int i = from; i < lines.size(); i++) {
          if (lines.get(i).contains(marker)) {
            f.complete(null);
          }
        }
      }
      return f;
    }

    /** Completes true once the node prints a line containing {@code marker}, false if its output ends first. */
    public CompletableFuture<Boolean> reached(String marker) {
      return printed(marker).handle((v, e) -> e == null);
    }

    /** The node's JVM, for signals and its exit code. */
    public Process process() {
      return process;
    }

    /** How many lines the node printed so far. */
    public int lineCount() {
      synchronized (lines) {
        return lines.size();
      }
    }

    /** The last line containing any of {@code markers}, if any. */
    public java.util.Optional<String> lastLineWithAny(String... markers) {
      synchronized (lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
          String line = lines.get(i);
          for (String m : markers) {
            if (line.contains(m)) {
              return java.util.Optional.of(line);
            }
          }
        }
      }
      return java.util.Optional.empty();
    }

    public String name() {
      return name;
    }

    /** SIGKILL, and waits for the JVM to be gone. */
    public void kill() throws Exception {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
