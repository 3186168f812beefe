package org.defenderadx.migration.worker.testing;

import static org.defenderadx.migration.worker.testing.StandIns.await;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium driven through chromedriver with the W3C WebDriver protocol, spoken directly over HTTP: the
 * handful of calls a page test needs (new session, navigate, run a script, end), without a client library.
 */
public final class WebDriverSession implements AutoCloseable {

  public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private final Process driver;
  private final WebClient http;
  private final int port;
  private final String session;

  private WebDriverSession(Process driver, WebClient http, int port, String session) {
    this.driver = driver;
    this.http = http;
    this.port = port;
    this.session = session;
  }

  /** Why a browser test cannot run here, or null when Chromium and chromedriver are installed. */
  public static String missing() {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      return "Chromium and chromedriver are not installed (" + CHROMIUM + ", " + CHROMEDRIVER + "); on Debian: "
          + "apt-get install -y chromium chromium-driver";
    }
    return null;
  }

  /** Starts chromedriver on a free loopback port and opens a headless Chromium session. */
  public static WebDriverSession start(Vertx vertx) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    File log = File.createTempFile("chromedriver", ".log");
    Process driver = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port, "--allowed-ips=127.0.0.1")
        .redirectErrorStream(true).redirectOutput(log).start();
    WebClient http = WebClient.create(vertx);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!ready(http, port)) {
        if (System.nanoTime() > deadline || !driver.isAlive()) {
          throw new IllegalStateException("chromedriver did not start; its log: " + Files.readString(log.toPath()));
        }
        Thread.sleep(100);
      }
      // Headless, and without the sandbox, which cannot start as root (CI containers).
      JsonObject capabilities = new JsonObject().put("capabilities", new JsonObject().put("alwaysMatch",
          new JsonObject().put("browserName", "chrome").put("goog:chromeOptions", new JsonObject()
              .put("binary", CHROMIUM.toString())
              .put("args", new JsonArray().add("--headless=new").add("--no-sandbox").add("--disable-gpu")
                  .add("--disable-dev-shm-usage").add("--window-size=1400,1000")))));
      JsonObject created = call(await(http.post(port, "127.0.0.1", "/session").sendJsonObject(capabilities)));
      return new WebDriverSession(driver, http, port, created.getJsonObject("value").getString("sessionId"));
    } catch (Exception e) {
      driver.destroy();
      http.close();
      throw e;
    }
  }

  private static boolean ready(WebClient http, int port) {
    try {
      HttpResponse<Buffer> r = await(http.get(port, "127.0.0.1", "/status").send());
      return r.statusCode() == 200 && r.bodyAsJsonObject().getJsonObject("value").getBoolean("ready");
    } catch (Exception e) {
      return false;
    }
  }

  public void navigate(String url) throws Exception {
    call(await(http.post(port, "127.0.0.1", "/session/" + session + "/url")
        .sendJsonObject(new JsonObject().put("url", url))));
  }

  /** Runs {@code script} (a function body; {@code return} gives the result) in the page and returns its value. */
  public Object execute(String script) throws Exception {
    return call(await(http.post(port, "127.0.0.1", "/session/" + session + "/execute/sync")
        .sendJsonObject(new JsonObject().put("script", script).put("args", new JsonArray())))).getValue("value");
  }

  private static JsonObject call(HttpResponse<Buffer> response) {
    JsonObject body = response.bodyAsJsonObject();
    if (response.statusCode() != 200) {
      throw new IllegalStateException("WebDriver said " + response.statusCode() + ": " + body);
    }
    return body;
  }

  @Override
  public void close() throws Exception {
    try {
      await(http.delete(port, "127.0.0.1", "/session/" + session).send());
    } finally {
      http.close();
      driver.destroy();
      driver.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
