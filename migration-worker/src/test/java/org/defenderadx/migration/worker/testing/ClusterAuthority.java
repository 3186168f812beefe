package org.defenderadx.migration.worker.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.defenderadx.migration.common.config.ClusterConfig;

/**
 * A certificate authority of a cluster's own, made with the JDK's keytool as the README makes one with openssl: its
 * certificate ({@code caFile}), and per holder a PKCS#8 PEM key and a certificate it signed.
 */
public final class ClusterAuthority {

  private static final String PASSWORD = "changeit";

  private final Path dir;
  private final String name;

  private ClusterAuthority(Path dir, String name) {
    this.dir = dir;
    this.name = name;
  }

  /** A new authority {@code CN=name} in {@code dir}. */
  public static ClusterAuthority create(Path dir, String name) throws Exception {
    ClusterAuthority ca = new ClusterAuthority(dir, name);
    ca.keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=" + name,
        "-ext", "bc:c", "-validity", "2", "-keystore", ca.store(name).toString());
    ca.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.store(name).toString(), "-file",
        ca.caFile().toString());
    return ca;
  }

  public Path caFile() {
    return dir.resolve(name + ".crt");
  }

  /** A key and a certificate for {@code CN=holder} signed by this authority, with this authority as caFile. */
  public ClusterConfig.EventBusTls issue(String holder) throws Exception {
    Path store = store(holder);
    keytool("-genkeypair", "-alias", holder, "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=" + holder,
        "-validity", "2", "-keystore", store.toString());
    Path csr = dir.resolve(holder + ".csr");
    keytool("-certreq", "-alias", holder, "-keystore", store.toString(), "-file", csr.toString());
    Path cert = dir.resolve(holder + ".crt");
    keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", store(name).toString(), "-infile", csr.toString(),
        "-outfile", cert.toString(), "-validity", "2");
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASSWORD.toCharArray());
    }
    PrivateKey key = (PrivateKey) ks.getKey(holder, PASSWORD.toCharArray());
    Path keyFile = dir.resolve(holder + ".key");
    Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n");
    return new ClusterConfig.EventBusTls(true, keyFile.toString(), cert.toString(), caFile().toString());
  }

  private Path store(String alias) {
    return dir.resolve(alias + ".p12");
  }

  private void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-noprompt"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
    }
  }
}
