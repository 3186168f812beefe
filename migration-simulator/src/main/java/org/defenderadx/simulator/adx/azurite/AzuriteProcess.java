package org.defenderadx.simulator.adx.azurite;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Azurite (the npm package, installed into the project's git-ignored {@code .azurite/} folder by
 * migration-simulator's build) run as a child process on free loopback ports with in-memory storage.
 *
 * <p>The install is found through the {@code azurite.home} system property, the {@code AZURITE_HOME} environment
 * variable, or by looking for {@code .azurite/} in the working directory and its parents.
 */
public final class AzuriteProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AzuriteProcess.class);
  private static final Pattern LISTENING =
      Pattern.compile("Azurite (Blob|Queue|Table) service is successfully listening at http://([^:]+):(\\d+)");
  private static final String SCRIPT = "node_modules/azurite/dist/src/azurite.js";

  private final Process process;
  private final AzuriteEndpoints endpoints;
  private final Thread shutdownHook;
  private final Path workDir;

  private AzuriteProcess(Process process, AzuriteEndpoints endpoints, Path workDir) {
    this.workDir = workDir;
    this.process = process;
    this.endpoints = endpoints;
    this.shutdownHook = new Thread(process::destroyForcibly, "azurite-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts Azurite and waits until its three services listen.
   *
   * @throws IllegalStateException when Node.js or the Azurite install is missing (saying how to fix it), or
   *                               Azurite does not come up within 60 seconds
   */
  public static AzuriteProcess start() {
    String node = requireNode();
    Path home = locateInstall();
    Path workDir;
    try {
      workDir = Files.createTempDirectory("azurite-");
    } catch (IOException e) {
      throw new IllegalStateException("Cannot create a working directory for Azurite", e);
    }
    List<String> cmd = List.of(node, home.resolve(SCRIPT).toString(), "--inMemoryPersistence",
        "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--silent",
        "--blobHost", "127.0.0.1", "--blobPort", "0", "--queueHost", "127.0.0.1", "--queuePort", "0",
        "--tableHost", "127.0.0.1", "--tablePort", "0");
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalStateException("Cannot start Azurite with " + cmd, e);
    }
    CompletableFuture<AzuriteEndpoints> ready = new CompletableFuture<>();
    List<String> output = new ArrayList<>();
    Thread reader = new Thread(() -> readOutput(p, ready, output), "azurite-output");
    reader.setDaemon(true);
    reader.start();
    try {
      AzuriteEndpoints endpoints = ready.get(60, TimeUnit.SECONDS);
      LOG.info("Azurite started: blob {}, queue {}, table {}", endpoints.blobPort(), endpoints.queuePort(),
          endpoints.tablePort());
      return new AzuriteProcess(p, endpoints, workDir);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      p.destroyForcibly();
      synchronized (output) {
        throw new IllegalStateException("Azurite did not start; its output was:\n" + String.join("\n", output), e);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while starting Azurite", e);
    }
  }

  private static void readOutput(Process p, CompletableFuture<AzuriteEndpoints> ready, List<String> output) {
    int blob = -1;
    int queue = -1;
    int table = -1;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (output) {
          if (output.size() < 200) {
            output.add(line);
          }
        }
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          int port = Integer.parseInt(m.group(3));
          switch (m.group(1)) {
            case "Blob" -> blob = port;
            case "Queue" -> queue = port;
            default -> table = port;
          }
          if (blob > 0 && queue > 0 && table > 0) {
            ready.complete(new AzuriteEndpoints("127.0.0.1", blob, queue, table));
          }
        } else if (ready.isDone()) {
          LOG.debug("azurite: {}", line);
        }
      }
    } catch (IOException e) {
      // The process ended; a pending start fails below.
    }
    ready.completeExceptionally(new IllegalStateException("Azurite exited with code "
        + (p.isAlive() ? "?" : String.valueOf(p.exitValue()))));
  }

  public AzuriteEndpoints endpoints() {
    return endpoints;
  }

  public String connectionString() {
    return endpoints.connectionString();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Stops Azurite; its in-memory data is gone. */
  public void stop() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    // In-memory persistence leaves the working directory empty; without this every run left one in the temp folder.
    workDir.toFile().delete();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is already exiting; the hook will run anyway
    }
  }

  @Override
  public void close() {
    stop();
  }

  private static String requireNode() {
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      String version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor(Duration.ofSeconds(20).toMillis(), TimeUnit.MILLISECONDS) && p.exitValue() == 0) {
        return "node";
      }
      throw new IllegalStateException("'node --version' failed: " + version);
    } catch (IOException e) {
      throw new IllegalStateException("Node.js is not installed, and the ADX stand-in's queued ingestion needs Azurite,"
          + " which runs on it. Install Node.js 18 or newer with npm (Debian/Ubuntu: 'apt-get install nodejs npm'),"
          + " then run './mvnw -pl migration-simulator -am test', which installs Azurite into .azurite/.", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while checking for Node.js", e);
    }
  }

  /** Orders "3.37.0" after "3.9.1". */
  private static String versionKey(Path p) {
    StringBuilder sb = new StringBuilder();
    for (String part : p.getFileName().toString().split("\\.")) {
      sb.append(String.format("%08d", part.matches("\\d+") ? Integer.parseInt(part) : 0));
    }
    return sb.toString();
  }

  /** The folder holding node_modules/azurite. */
  public static Path locateInstall() {
    List<Path> candidates = new ArrayList<>();
    String prop = System.getProperty("azurite.home");
    if (prop != null && !prop.isBlank()) {
      candidates.add(Paths.get(prop));
    }
    String env = System.getenv("AZURITE_HOME");
    if (env != null && !env.isBlank()) {
      candidates.add(Paths.get(env));
    }
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path root = dir.resolve(".azurite");
      // The build installs each pinned version into its own folder; prefer the newest, then a plain install.
      if (Files.isDirectory(root)) {
        try (java.util.stream.Stream<Path> versions = Files.list(root)) {
          versions.filter(Files::isDirectory).sorted(java.util.Comparator.comparing(AzuriteProcess::versionKey)
              .reversed()).forEach(candidates::add);
        } catch (IOException e) {
          // unreadable folder: the other candidates remain
        }
      }
      candidates.add(root);
    }
    for (Path c : candidates) {
      if (Files.isRegularFile(c.resolve(SCRIPT))) {
        return c.toAbsolutePath().normalize();
      }
    }
    throw new IllegalStateException("Azurite is not installed (looked in " + candidates + "). Run "
        + "'./mvnw -pl migration-simulator -am test-compile' from the repository root: it installs the pinned Azurite "
        + "with npm into .azurite/ (Node.js 18+ with npm must be installed: 'apt-get install nodejs npm').");
  }
}
