package org.defenderadx.simulator.adx.store;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.defenderadx.simulator.kql.StoredFunction;

/**
 * The databases of one stand-in. Databases are created on first use. With a data directory, every mutation is
 * appended to {@code <dir>/<database>.journal} (one JSON object a line, flushed at once) and replayed on start, so a
 * stand-in restarted on the same directory has the same tables, extents, mappings, functions and policies.
 */
public final class Cluster implements AutoCloseable {
  private final Map<String, Database> databases = new ConcurrentHashMap<>();
  private final Map<String, Writer> journals = new ConcurrentHashMap<>();
  private final Path dataDirectory;
  private final boolean digestOnly;

  public Cluster(Path dataDirectory, boolean digestOnly) {
    this.dataDirectory = dataDirectory;
    this.digestOnly = digestOnly;
    if (dataDirectory != null) {
      replayAll();
    }
  }

  public Database database(String name) {
    return databases.computeIfAbsent(name, this::newDatabase);
  }

  public Optional<Database> findDatabase(String name) {
    return Optional.ofNullable(databases.get(name));
  }

  public List<Database> databases() {
    return List.copyOf(databases.values());
  }

  private Database newDatabase(String name) {
    Database db = new Database(name, digestOnly);
    if (dataDirectory != null) {
      db.journalTo(journalFor(name));
    }
    return db;
  }

  private Journal journalFor(String dbName) {
    return event -> {
      Writer w = journals.computeIfAbsent(dbName, n -> {
        try {
          Files.createDirectories(dataDirectory);
          return Files.newBufferedWriter(dataDirectory.resolve(n + ".journal"), StandardCharsets.UTF_8,
              StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      synchronized (w) {
        try {
          JsonGenerator g = KustoValues.JSON.createGenerator(w);
          g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
          KustoValues.writeTree(g, event);
          g.flush();
          w.write('\n');
          w.flush();
        } catch (IOException e) {
          throw new UncheckedIOException("Cannot write the journal of database '" + dbName + "'", e);
        }
      }
    };
  }

  private void replayAll() {
    if (!Files.isDirectory(dataDirectory)) {
      return;
    }
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(dataDirectory)) {
      s.filter(p -> p.getFileName().toString().endsWith(".journal")).forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path f : files) {
      String name = f.getFileName().toString().replaceFirst("\\.journal$", "");
      Database db = new Database(name, digestOnly);
      try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        String line;
        while ((line = r.readLine()) != null) {
          if (!line.isBlank()) {
            Object entry;
            try {
              entry = KustoValues.parseJson(line);
            } catch (IllegalArgumentException torn) {
              // A line cut short by a crash is the last one; everything before it is intact.
              break;
            }
            replay(db, cast(entry));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot replay " + f, e);
      }
      db.journalTo(journalFor(name));
      databases.put(name, db);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object o) {
    return (Map<String, Object>) o;
  }

  private static void replay(Database db, Map<String, Object> ev) {
    String table = (String) ev.get("table");
    switch ((String) ev.get("op")) {
      case "table" -> db.createTable(table, Database.decodeColumns(ev.get("columns")), blankToNull(ev.get("folder")),
          blankToNull(ev.get("docString")), (Boolean) ev.get("merge"));
      case "alterColumns" -> db.alterTableColumns(table, Database.decodeColumns(ev.get("columns")));
      case "dropTable" -> db.dropTable(table);
      case "mapping" -> db.putMapping(table, IngestionMapping.parse((String) ev.get("name"), (String) ev.get("kind"),
          (String) ev.get("text")));
      case "dropMapping" -> db.dropMapping(table, (String) ev.get("kind"), (String) ev.get("name"));
      case "function" -> db.putFunction(new Database.FunctionEntry(
          new StoredFunction((String) ev.get("name"), (String) ev.get("body"), (Boolean) ev.get("view")),
          blankToNull(ev.get("folder")), blankToNull(ev.get("docString")), (Boolean) ev.get("materialized"),
          blankToNull(ev.get("sourceTable"))));
      case "dropFunction" -> db.dropFunction((String) ev.get("name"));
      case "principal" -> db.addPrincipal(new Database.Principal((String) ev.get("role"), (String) ev.get("principal"),
          blankToNull(ev.get("notes"))));
      case "dbPolicy" -> db.putDatabasePolicy((String) ev.get("policy"), (String) ev.get("json"));
      case "tablePolicy" -> db.putTablePolicy(table, (String) ev.get("policy"), (String) ev.get("json"));
      case "extent" -> db.addExtent(table, Database.decodeExtent(ev));
      case "dropExtents" -> {
        List<?> ids = (List<?>) ev.get("ids");
        db.dropExtents(table, e -> ids.contains(e.id().toString()));
      }
      case "replaceExtents" -> {
        Set<UUID> drop = new HashSet<>();
        ((List<?>) ev.get("drop")).forEach(id -> drop.add(UUID.fromString((String) id)));
        List<Database.ExtentMove> moves = new ArrayList<>();
        for (Object o : (List<?>) ev.get("moves")) {
          List<?> m = (List<?>) o;
          moves.add(new Database.ExtentMove((String) m.get(0), UUID.fromString((String) m.get(1)),
              UUID.fromString((String) m.get(2))));
        }
        String newTime = (String) ev.get("newIngestionTime");
        db.replaceExtents(table, drop, moves, newTime.isEmpty() ? null : KustoValues.parseDateTime(newTime));
      }
      default -> throw new IllegalArgumentException("Unknown journal entry " + ev.get("op"));
    }
  }

  private static String blankToNull(Object o) {
    return o == null || o.toString().isEmpty() ? null : o.toString();
  }

  @Override
  public void close() {
    for (Writer w : journals.values()) {
      synchronized (w) {
        try {
          w.close();
        } catch (IOException ignored) {
          // closing on shutdown; every entry was flushed when written
        }
      }
    }
    journals.clear();
  }
}
