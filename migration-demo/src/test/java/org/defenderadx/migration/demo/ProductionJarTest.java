package org.defenderadx.migration.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.defenderadx.migration.worker.Main;
import org.defenderadx.simulator.defender.DefenderSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product ships only the product: the production fat jar ({@code migration-worker/target/defender-adx-migration.jar},
 * packaged earlier in the reactor) holds no class of the simulator module, none of the demo, and no vertx-web server.
 * This module builds after the worker and has both on its class path, so it can tell their classes apart. (The
 * enforcer rule in the root pom stops the same at the dependency level, before anything compiles.)
 */
class ProductionJarTest {

  /** Packages only the simulators and the demo have. */
  private static final List<String> FORBIDDEN_PREFIXES = List.of(
      "org/defenderadx/simulator/", "org/defenderadx/migration/demo/", "org/defenderadx/migration/worker/demo/");
  /** vertx-web's router: the simulators' HTTP servers use it, the product's ops endpoints do not. */
  private static final String VERTX_WEB_ROUTER = "io/vertx/ext/web/Router.class";

  @Test
  void theProductionJarHoldsNoSimulatorOrDemoClass() throws Exception {
    Path jar = Path.of(System.getProperty("production.jar",
        "../migration-worker/target/defender-adx-migration.jar"));
    assertThat(jar).as("the production jar: build it first (./mvnw -B -q install -DskipTests)").isRegularFile();

    Set<String> forbidden = new TreeSet<>(classesOf(DefenderSimulator.class));
    forbidden.addAll(classesOf(DemoMain.class));
    assertThat(forbidden).as("the simulator module's and the demo's classes, found on the class path")
        .contains("org/defenderadx/simulator/defender/DefenderSimulator.class",
            "org/defenderadx/migration/demo/DemoDriver.class");

    List<String> entries = entries(jar);
    assertThat(entries).as("a production jar, with its main class").contains(
        Main.class.getName().replace('.', '/') + ".class");
    assertThat(offending(entries, forbidden)).as(jar + " holds classes of the simulator module or the demo").isEmpty();
  }

  @Test
  void theCheckFindsASimulatorClassSmuggledIntoAJar(@TempDir Path dir) throws Exception {
    Path jar = dir.resolve("smuggled.jar");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
      for (String name : List.of("org/defenderadx/migration/worker/Main.class",
          "org/defenderadx/simulator/defender/DefenderSimulator.class", VERTX_WEB_ROUTER)) {
        zip.putNextEntry(new ZipEntry(name));
        zip.closeEntry();
      }
    }

    assertThat(offending(entries(jar), Set.of("org/defenderadx/simulator/defender/DefenderSimulator.class")))
        .containsExactly("org/defenderadx/simulator/defender/DefenderSimulator.class", VERTX_WEB_ROUTER);
  }

  /** The jar's entries that are forbidden classes, lie under a forbidden package, or are vertx-web's router. */
  static List<String> offending(List<String> entries, Set<String> forbidden) {
    List<String> found = new ArrayList<>();
    for (String e : entries) {
      if (forbidden.contains(e) || e.equals(VERTX_WEB_ROUTER) || FORBIDDEN_PREFIXES.stream().anyMatch(e::startsWith)) {
        found.add(e);
      }
    }
    return found;
  }

  static List<String> entries(Path jar) throws IOException {
    try (JarFile file = new JarFile(jar.toFile())) {
      return Collections.list(file.entries()).stream().map(ZipEntry::getName).toList();
    }
  }

  /** Every class file of the module (a target/classes folder or a jar) that holds {@code type}. */
  static Set<String> classesOf(Class<?> type) throws IOException, URISyntaxException {
    Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    Set<String> classes = new TreeSet<>();
    if (Files.isDirectory(location)) {
      try (Stream<Path> files = Files.walk(location)) {
        files.filter(f -> f.toString().endsWith(".class"))
            .forEach(f -> classes.add(location.relativize(f).toString().replace('\\', '/')));
      }
    } else {
      for (String e : entries(location)) {
        if (e.endsWith(".class")) {
          classes.add(e);
        }
      }
    }
    return classes;
  }
}
