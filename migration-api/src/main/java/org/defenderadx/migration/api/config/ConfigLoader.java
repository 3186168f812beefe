package org.defenderadx.migration.api.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.defenderadx.migration.common.config.EnvironmentOverrides;
import org.defenderadx.migration.common.config.MigrationSettings;
import org.defenderadx.migration.common.config.SecretResolver;
import org.defenderadx.migration.common.config.SettingsParser;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.DuplicateKeyException;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Loads {@code conf/application.yaml} with vertx-config, applies {@code MIGRATION_*} environment overrides and
 * validates the result once into {@link MigrationSettings}. A bad value fails the returned future with a
 * {@link org.defenderadx.migration.common.config.ConfigException} naming every bad key path.
 */
public final class ConfigLoader {
  private ConfigLoader() {
  }

  public static Future<MigrationSettings> load(Vertx vertx, Path yamlFile) {
    return load(vertx, yamlFile, System.getenv());
  }

  /** With an explicit environment, so tests need not change the process environment. */
  public static Future<MigrationSettings> load(Vertx vertx, Path yamlFile, Map<String, String> environment) {
    if (!Files.isRegularFile(yamlFile)) {
      return Future.failedFuture(new IllegalArgumentException("configuration file not found: " + yamlFile.toAbsolutePath()));
    }
    ConfigStoreOptions yaml = new ConfigStoreOptions()
        .setType("file")
        .setFormat("yaml")
        .setConfig(new JsonObject().put("path", yamlFile.toAbsolutePath().toString()));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions().addStore(yaml).setScanPeriod(0));
    return vertx.executeBlocking(() -> requireNoDuplicateKeys(yamlFile))
        .compose(v -> retriever.getConfig())
        .eventually(() -> {
          retriever.close();
          return Future.succeededFuture();
        })
        .compose(json -> vertx.executeBlocking(() -> parse(json, environment)));
  }

  /**
   * YAML readers keep the last of two equal keys without a word, so a second {@code tenants:} or {@code token:} would
   * silently replace the first: the file is read once strictly, and a key given twice is an error naming it.
   */
  static Void requireNoDuplicateKeys(Path yamlFile) throws IOException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(10);
    options.setCodePointLimit(1024 * 1024);
    try (Reader in = Files.newBufferedReader(yamlFile, StandardCharsets.UTF_8)) {
      new Yaml(new SafeConstructor(options)).load(in);
    } catch (DuplicateKeyException e) {
      throw new IllegalArgumentException("configuration " + yamlFile + ": " + e.getProblem()
          + (e.getProblemMark() == null ? "" : " (line " + (e.getProblemMark().getLine() + 1) + ")"), e);
    } catch (YAMLException e) {
      throw new IllegalArgumentException("configuration " + yamlFile + " is not valid YAML: " + e.getMessage(), e);
    }
    return null;
  }

  /** Validates an already-read tree (used by tests and by the demo, which builds its configuration in code). */
  public static MigrationSettings parse(JsonObject tree, Map<String, String> environment) {
    Map<String, Object> withEnv = EnvironmentOverrides.apply(toPlain(tree), environment);
    return SettingsParser.parse(withEnv, new ProcessSecretResolver(environment));
  }

  static Map<String, Object> toPlain(JsonObject json) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : json) {
      out.put(e.getKey(), plainValue(e.getValue()));
    }
    return out;
  }

  private static Object plainValue(Object v) {
    if (v instanceof JsonObject o) {
      return toPlain(o);
    }
    if (v instanceof JsonArray a) {
      List<Object> list = new ArrayList<>();
      a.forEach(e -> list.add(plainValue(e)));
      return list;
    }
    return v;
  }

  /** Secrets from the given environment or from files. */
  private record ProcessSecretResolver(Map<String, String> environment) implements SecretResolver {
    @Override
    public Optional<String> env(String name) {
      return Optional.ofNullable(environment.get(name)).filter(s -> !s.isBlank());
    }

    @Override
    public Optional<String> file(String path) {
      try {
        String s = Files.readString(Path.of(path), StandardCharsets.UTF_8).stripTrailing();
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
      } catch (IOException | RuntimeException e) {
        return Optional.empty();
      }
    }
  }
}
